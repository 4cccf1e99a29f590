import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserSummary } from '@concord/shared';
import { ProblemError } from '../common/problem.error';
import type { AuthService } from './auth.service';
import { bearerTokenOf, JwtAuthGuard } from './jwt-auth.guard';

const alice: UserSummary = {
  id: '00000000-0000-4000-8000-000000000001',
  username: 'alice',
  displayName: 'Alice',
};

function httpContext(
  request: { headers: Record<string, string>; user?: UserSummary },
  isPublic = false,
): ExecutionContext {
  const handler = (): void => undefined;
  if (isPublic) Reflect.defineMetadata('concord:public', true, handler);
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => class Controller {},
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe('bearerTokenOf', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer   abc', 'abc'],
    ['Basic abc', undefined],
    ['Bearer ', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, token) => expect(bearerTokenOf(header)).toBe(token));
});

describe('JwtAuthGuard', () => {
  const verifySession = jest.fn((token: string) =>
    token === 'good'
      ? Promise.resolve({ user: alice, tokenGeneration: 3 })
      : Promise.reject(ProblemError.unauthorized('bad token')),
  );
  const guard = new JwtAuthGuard(new Reflector(), { verifySession } as unknown as AuthService);

  it('denies by default: no token is a 401 problem', async () => {
    await expect(guard.canActivate(httpContext({ headers: {} }))).rejects.toMatchObject({
      code: 'unauthorized',
      status: 401,
    });
  });

  it('puts the verified user on the request', async () => {
    const request: { headers: Record<string, string>; user?: UserSummary; tokenGeneration?: number } = {
      headers: { authorization: 'Bearer good' },
    };
    await expect(guard.canActivate(httpContext(request))).resolves.toBe(true);
    expect(request.user).toEqual(alice);
    expect(request.tokenGeneration).toBe(3);
  });

  it('passes the verifier’s refusal through (bad, expired, forged, deleted user)', async () => {
    await expect(
      guard.canActivate(httpContext({ headers: { authorization: 'Bearer forged' } })),
    ).rejects.toBeInstanceOf(ProblemError);
  });

  it('lets @Public() routes and non-HTTP contexts (the socket gateway authenticates its handshake) through', async () => {
    await expect(guard.canActivate(httpContext({ headers: {} }, true))).resolves.toBe(true);
    const ws = { getType: () => 'ws' } as unknown as ExecutionContext;
    await expect(guard.canActivate(ws)).resolves.toBe(true);
  });
});
