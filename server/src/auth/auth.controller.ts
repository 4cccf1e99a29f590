import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  type AuthResponse,
  type ChangePasswordRequest,
  ChangePasswordRequestSchema,
  type LoginRequest,
  LoginRequestSchema,
  type RegisterRequest,
  RegisterRequestSchema,
  type UpdateProfileRequest,
  UpdateProfileRequestSchema,
  type UserSummary,
} from '@concord/shared';
import { NoBodySchema } from '../common/no-body.dto';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { AuthService } from './auth.service';
import { CurrentUser, TokenGeneration } from './current-user.decorator';
import { Public } from './public.decorator';

@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('register')
  @HttpCode(201)
  register(@Body(new ZodValidationPipe(RegisterRequestSchema)) body: RegisterRequest): Promise<AuthResponse> {
    return this.auth.register(body);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  @HttpCode(200)
  login(@Body(new ZodValidationPipe(LoginRequestSchema)) body: LoginRequest): Promise<AuthResponse> {
    return this.auth.login(body);
  }

  /** The signed-in user: `{id, username, displayName}`. */
  @Get('me')
  me(@CurrentUser() user: UserSummary): UserSummary {
    return user;
  }

  /** Changes what others see of the signed-in user (the display name); the username is fixed. */
  @Patch('me')
  updateMe(
    @CurrentUser() user: UserSummary,
    @Body(new ZodValidationPipe(UpdateProfileRequestSchema)) body: UpdateProfileRequest,
  ): Promise<UserSummary> {
    return this.auth.updateProfile(user, body);
  }

  /** Deletes the signed-in account and the documents it owns; its tokens stop working (401). */
  @Delete('me')
  @HttpCode(204)
  deleteMe(
    @CurrentUser() user: UserSummary,
    @Body(new ZodValidationPipe(NoBodySchema)) _body: unknown,
  ): Promise<void> {
    return this.auth.deleteAccount(user);
  }

  /** A new password; every earlier token stops working, and the answer carries a new one. Rate-limited like login. */
  @UseGuards(ThrottlerGuard)
  @Put('password')
  changePassword(
    @CurrentUser() user: UserSummary,
    @TokenGeneration() tokenGeneration: number,
    @Body(new ZodValidationPipe(ChangePasswordRequestSchema)) body: ChangePasswordRequest,
  ): Promise<AuthResponse> {
    return this.auth.changePassword(user, body, tokenGeneration);
  }

  /** Signs out everywhere: every token issued so far, this one too, stops working (401) and its sockets close. */
  @Delete('sessions')
  @HttpCode(204)
  revokeSessions(
    @CurrentUser() user: UserSummary,
    @Body(new ZodValidationPipe(NoBodySchema)) _body: unknown,
  ): Promise<void> {
    return this.auth.revokeTokens(user);
  }
}
