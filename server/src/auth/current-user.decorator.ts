import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserSummary } from '@concord/shared';
import { ProblemError } from '../common/problem.error';

export type AuthenticatedRequest = {
  user?: UserSummary;
  /** The generation of the token the request came with (the account's current one, when it was checked). */
  tokenGeneration?: number;
};

/** The user the bearer guard authenticated: `@CurrentUser() user: UserSummary`. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserSummary => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  // Only reachable on a @Public() route that forgot there is no user: a bug, but still a 401, not a crash.
  if (request.user === undefined) throw ProblemError.unauthorized();
  return request.user;
});

/** The generation of the request's bearer token: `@TokenGeneration() generation: number`. */
export const TokenGeneration = createParamDecorator((_data: unknown, context: ExecutionContext): number => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (request.tokenGeneration === undefined) throw ProblemError.unauthorized();
  return request.tokenGeneration;
});
