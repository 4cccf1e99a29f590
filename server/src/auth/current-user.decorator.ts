import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserSummary } from '@concord/shared';
import { ProblemError } from '../common/problem.error';

export type AuthenticatedRequest = { user?: UserSummary };

/** The user the bearer guard authenticated: `@CurrentUser() user: UserSummary`. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserSummary => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  // Only reachable on a @Public() route that forgot there is no user: a bug, but still a 401, not a crash.
  if (request.user === undefined) throw ProblemError.unauthorized();
  return request.user;
});
