import { z } from 'zod';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{1,38}$/;

export const UserSummarySchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
});
export type UserSummary = z.infer<typeof UserSummarySchema>;

const Password = z.string().min(8).max(256);
/** NUL cannot be stored in PostgreSQL `text`, and a lone surrogate would silently become U+FFFD. */
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Other people see a display name: beside the cursor, in the people list, in the words of a 409
 * ("Alice (@alice) changed this document…"). Control characters (line breaks, escapes) and the
 * bidirectional overrides and isolates would let one rewrite what is shown around it (U+202E
 * turns "(@mallory)" around), so a name holds neither.
 */
const MISLEADING_TEXT = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((name) => !UNSTORABLE_TEXT.test(name), { message: 'contains NUL or an unpaired surrogate' })
  .refine((name) => !MISLEADING_TEXT.test(name), {
    message: 'contains a control or bidirectional formatting character',
  })
  // Zero-width and other format characters alone would show as no name at all.
  .refine((name) => /[^\p{Cf}\p{Z}\s]/u.test(name), { message: 'has no visible character' });

export const RegisterRequestSchema = z.strictObject({
  username: z.string().trim().toLowerCase().regex(USERNAME_PATTERN, {
    message: '2-39 characters: lowercase letters, digits, and . _ - (not first)',
  }),
  password: Password,
  displayName: DisplayName.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;

/** `PATCH /api/auth/me`: what a user may change about themselves (the username is fixed). */
export const UpdateProfileRequestSchema = z.strictObject({
  displayName: DisplayName,
});
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequestSchema>;

export const ChangePasswordRequestSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequestSchema>;

export const LoginRequestSchema = z.strictObject({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const AuthResponseSchema = z.object({
  user: UserSummarySchema,
  token: z.string(),
});
export type AuthResponse = z.infer<typeof AuthResponseSchema>;
