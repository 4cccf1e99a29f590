import { z } from 'zod';

/** The environment a Concord process reads its configuration from (process.env, or a test's overrides). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Something the operator must fix before Concord can start (a setting, DATA_DIR, the database):
 * main.ts prints `message` as one line and exits 1, where any other error gets its stack.
 */
export class BootError extends Error {
  override readonly name: string = 'BootError';
}

/** Thrown at boot when a setting is missing or malformed. */
export class ConfigError extends BootError {
  override readonly name = 'ConfigError';
}

/**
 * Parses one area's variables with its schema. Empty strings count as unset, so `FOO=` in a
 * shell falls back to the default instead of failing on an empty number.
 */
export function parseEnv<S extends z.ZodType>(area: string, schema: S, env: Env, names: readonly string[]): z.infer<S> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') picked[name] = value.trim();
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.map(String).join('.') || area}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`Invalid ${area} configuration: ${problems}`);
  }
  return result.data;
}

/**
 * A whole number of bytes, seconds or milliseconds from an environment string: decimal digits
 * only, so `1e3`, `0x10`, `10s` or `1MB` are refused rather than read as something unintended.
 */
export const intFromEnv = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, { message })
    .transform(Number)
    .pipe(z.number().min(min, { message }).max(max, { message }));
};

/**
 * `12h`, `30m`, `45s`, `7d` or a plain number of seconds → seconds, at most `maxDays` (a stray
 * digit must not make a token live for centuries, or overflow the arithmetic).
 */
export const durationSeconds = (maxDays: number) =>
  z
    .string()
    .regex(/^\d+(s|m|h|d)?$/, { message: 'a duration such as 3600, 45s, 30m, 12h or 7d' })
    .transform((text) => {
      const amount = Number.parseInt(text, 10);
      const unit = text.at(-1);
      const factor = unit === 'm' ? 60 : unit === 'h' ? 3600 : unit === 'd' ? 86_400 : 1;
      return amount * factor;
    })
    .refine((seconds) => seconds > 0, { message: 'must be longer than 0 seconds' })
    .refine((seconds) => seconds <= maxDays * 86_400, { message: `must be at most ${maxDays}d` });
