import { registerAs } from '@nestjs/config';
import { isIP } from 'node:net';
import { z } from 'zod';
import { type Env, intFromEnv, parseEnv } from './env';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const AppConfigSchema = z
  .object({
    NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
    PORT: intFromEnv(0, 65_535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    MAX_DOCUMENT_BYTES: intFromEnv(1, 64 * 1024 * 1024).default(1024 * 1024),
    CORS_ORIGINS: z
      .string()
      .refine((list) => parseOrigins(list).every((origin) => origin === '*' || isOrigin(origin)), {
        message: 'a comma-separated list of origins such as https://app.example.com (scheme, host and port only: no path, no trailing slash), or *',
      })
      .default(''),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /** Where the built web client lives; unset → web/dist of this checkout. */
    WEB_DIST: z.string().optional(),
    /** How long SIGTERM waits for in-flight requests before cutting connections. */
    SHUTDOWN_TIMEOUT_MS: intFromEnv(0, 600_000).default(10_000),
    /** Express `trust proxy`: behind a load balancer, so rate limits key on the client's IP, not the proxy's. */
    TRUST_PROXY: z
      .string()
      .refine(isTrustProxy, {
        message: 'true, false, a hop count, or a comma-separated list of addresses, subnets, loopback, linklocal, uniquelocal',
      })
      .default('false'),
  })
  .transform((raw) => ({
    nodeEnv: raw.NODE_ENV,
    production: raw.NODE_ENV === 'production',
    port: raw.PORT,
    host: raw.HOST,
    maxDocumentBytes: raw.MAX_DOCUMENT_BYTES,
    corsOrigins: parseOrigins(raw.CORS_ORIGINS),
    logLevel: raw.LOG_LEVEL,
    webDist: raw.WEB_DIST,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
  }));

export type AppConfig = z.infer<typeof AppConfigSchema>;

/** Comma-separated origins; `*` allows any (development only, say so in the README). */
function parseOrigins(list: string): string[] {
  return list
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
}

/**
 * What a browser sends in `Origin`, exactly: CORS compares strings, so `https://app.test/` or an
 * upper-case host would never match and silently refuse every cross-origin call.
 */
function isOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
  } catch {
    return false;
  }
}

/**
 * What Express's `trust proxy` accepts; checked here because Express only throws on a bad address
 * halfway through the boot.
 */
function isTrustProxy(value: string): boolean {
  if (value === 'true' || value === 'false' || /^\d+$/.test(value)) return true;
  return value.split(',').every((entry) => {
    const trimmed = entry.trim();
    if (['loopback', 'linklocal', 'uniquelocal'].includes(trimmed)) return true;
    const [address = '', mask, ...rest] = trimmed.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (mask === undefined) return true;
    if (/^\d+$/.test(mask)) return Number(mask) <= (family === 4 ? 32 : 128);
    return family === 4 && isIP(mask) === 4;
  });
}

/** `true`/`false`, a hop count, or Express's list of addresses/subnets (`loopback, 10.0.0.0/8`). */
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  return value;
}

export function loadAppConfig(env: Env): AppConfig {
  return parseEnv('app', AppConfigSchema, env, [
    'NODE_ENV',
    'PORT',
    'HOST',
    'MAX_DOCUMENT_BYTES',
    'CORS_ORIGINS',
    'LOG_LEVEL',
    'WEB_DIST',
    'SHUTDOWN_TIMEOUT_MS',
    'TRUST_PROXY',
  ]);
}

/** Inject with `@Inject(appConfig.KEY) config: AppConfig`. */
export const appConfig = registerAs('app', (): AppConfig => loadAppConfig(process.env));
