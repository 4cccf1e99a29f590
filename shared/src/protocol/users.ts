import { z } from 'zod';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{1,38}$/;

export const UserSummarySchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
});
export type UserSummary = z.infer<typeof UserSummarySchema>;

const Password = z.string().min(8).max(256);
const DisplayName = z.string().trim().min(1).max(100);

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
