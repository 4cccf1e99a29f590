import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemError } from '../common/problem.error';
import { AuthService } from './auth.service';
import type { AuthenticatedRequest } from './current-user.decorator';
import { IS_PUBLIC } from './public.decorator';

/** `Authorization: Bearer <token>` → the token, or undefined when absent or not a bearer scheme. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Global guard: every HTTP route needs a valid bearer token unless marked @Public().
 * Deny by default, so a new controller can't be left open by forgetting a decorator.
 * Socket handlers authenticate in the gateway's handshake instead.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) return true;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const token = bearerTokenOf(request.headers.authorization);
    if (token === undefined) throw ProblemError.unauthorized();
    const session = await this.auth.verifySession(token);
    request.user = session.user;
    request.tokenGeneration = session.tokenGeneration;
    return true;
  }
}
