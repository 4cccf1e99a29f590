import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { UserSummary } from '@concord/shared';
import type { Repository } from 'typeorm';
import type { AuthConfig } from '../config/auth.config';
import {
  ACCOUNT_DELETED,
  AccountDeletedEvent,
  SESSIONS_REVOKED,
  SessionsRevokedEvent,
} from './account-events';
import { AuthService, MAX_TOKEN_LENGTH, VERIFIED_USER_CACHE_MAX, VERIFIED_USER_TTL_MS } from './auth.service';
import type { UserEntity } from './user.entity';

const SECRET = 'a-test-secret-of-at-least-32-characters!';

function idOf(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** An AuthService over an in-memory users table whose lookups are counted (and can be held back). */
function setup() {
  const rows = new Map<string, UserEntity>();
  let gate: Promise<void> | undefined;
  const findOne = jest.fn(async ({ where }: { where: { id: string } }) => {
    // A snapshot, as a database read is: later updates do not reach a lookup already made.
    const found = rows.get(where.id);
    const row = found === undefined ? null : { ...found };
    await gate;
    return row;
  });
  /** UPDATE users SET token_generation = token_generation + 1 [, password_hash] … RETURNING token_generation. */
  const query = (sql: string, params: unknown[]): Promise<unknown> => {
    const row = rows.get(params[0] as string);
    if (!sql.startsWith('UPDATE users SET token_generation') || row === undefined)
      return Promise.resolve([[], 0]);
    if (params.length === 3) {
      if (row.passwordHash !== params[1]) return Promise.resolve([[], 0]);
      row.passwordHash = params[2] as string;
    }
    row.tokenGeneration += 1;
    return Promise.resolve([[{ token_generation: row.tokenGeneration }], 1]);
  };
  /** Documents of the fake database, by owner: DELETE FROM documents … RETURNING gives them. */
  const owned = new Map<string, Array<{ id: string; title: string; version: number }>>();
  const manager = {
    transaction: <T>(
      work: (m: { query: (sql: string, params: unknown[]) => Promise<unknown> }) => Promise<T>,
    ) =>
      work({
        query: (sql: string, params: unknown[]) => {
          const id = params[0] as string;
          if (sql.startsWith('DELETE FROM users')) rows.delete(id);
          if (sql.startsWith('DELETE FROM documents')) return Promise.resolve([owned.get(id) ?? [], 0]);
          return Promise.resolve();
        },
      }),
  };
  const users = { findOne, manager, query } as unknown as Repository<UserEntity>;
  const jwt = new JwtService({ secret: SECRET });
  const events = new EventEmitter2();
  const config = {
    jwtSecret: SECRET,
    jwtTtlSeconds: 600,
    rateWindowMs: 60_000,
    accountRateLimit: 10,
  } as AuthConfig;
  const auth = new AuthService(users, jwt, config, events, new ThrottlerStorageService());
  const addUser = async (n: number): Promise<{ user: UserSummary; token: string }> => {
    const user: UserSummary = { id: idOf(n), username: `user${n}`, displayName: `User ${n}` };
    rows.set(user.id, { ...user, passwordHash: 'x', tokenGeneration: 0, createdAt: new Date() });
    return { user, token: await tokenOf(user) };
  };
  /** A token as the service issues them, of the user's current generation unless `gen` is given. */
  const tokenOf = (user: UserSummary, gen = rows.get(user.id)?.tokenGeneration ?? 0): Promise<string> =>
    jwt.signAsync({ sub: user.id, username: user.username, gen }, { algorithm: 'HS256', expiresIn: 600 });
  const holdLookups = (): (() => void) => {
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    return () => {
      gate = undefined;
      release();
    };
  };
  return { auth, jwt, findOne, addUser, tokenOf, holdLookups, events, owned, rows };
}

describe('AuthService.verifyToken: the verified-user cache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('looks a user up once per TTL, then again once it has expired', async () => {
    const { auth, findOne, addUser } = setup();
    const { user, token } = await addUser(1);
    const start = Date.now();
    const now = jest.spyOn(Date, 'now').mockReturnValue(start);
    await expect(auth.verifyToken(token)).resolves.toEqual(user);
    await expect(auth.verifyToken(token)).resolves.toEqual(user);
    expect(findOne).toHaveBeenCalledTimes(1);
    now.mockReturnValue(start + VERIFIED_USER_TTL_MS + 1);
    await expect(auth.verifyToken(token)).resolves.toEqual(user);
    expect(findOne).toHaveBeenCalledTimes(2);
  });

  it('refuses the tokens of a deleted account at once on this instance', async () => {
    const { auth, addUser } = setup();
    const { user, token } = await addUser(1);
    await auth.verifyToken(token);
    await auth.deleteAccount(user);
    await expect(auth.verifyToken(token)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('announces a deleted account with the documents that went with it, after the deletion', async () => {
    const { auth, addUser, events, owned } = setup();
    const { user } = await addUser(1);
    owned.set(user.id, [{ id: idOf(100), title: 'Notes', version: 3 }]);
    const announced: AccountDeletedEvent[] = [];
    events.on(ACCOUNT_DELETED, (event: AccountDeletedEvent) => announced.push(event));
    await auth.deleteAccount(user);
    expect(announced).toEqual([
      new AccountDeletedEvent(user.id, [{ id: idOf(100), title: 'Notes', version: 3 }]),
    ]);
  });

  it('keeps a deletion that a failing listener could not announce (logged, not an error answer)', async () => {
    const { auth, addUser, events } = setup();
    const { user, token } = await addUser(1);
    events.on(ACCOUNT_DELETED, () => {
      throw new Error('listener bug');
    });
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await expect(auth.deleteAccount(user)).resolves.toBeUndefined();
    await expect(auth.verifyToken(token)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses the tokens of an account another instance deleted once told (forgetUser)', async () => {
    const { auth, addUser, rows } = setup();
    const { user, token } = await addUser(1);
    await auth.verifyToken(token);
    rows.delete(user.id); // deleted through another instance: this one still has the user cached
    await expect(auth.verifyToken(token)).resolves.toEqual(user);
    auth.forgetUser(user.id);
    await expect(auth.verifyToken(token)).rejects.toMatchObject({ status: 401 });
  });

  it.each([
    ['the deletion of its user', (auth: AuthService, user: UserSummary) => auth.deleteAccount(user)],
    ['the revocation of its tokens', (auth: AuthService, user: UserSummary) => auth.revokeTokens(user)],
  ])('does not cache a lookup that raced %s', async (_what, invalidate) => {
    const { auth, findOne, addUser, holdLookups } = setup();
    const { user, token } = await addUser(1);
    const release = holdLookups();
    const racing = auth.verifyToken(token);
    // Let the lookup run its query (it sees the user as it was) before the change.
    while (findOne.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await invalidate(auth, user);
    release();
    // Read before the change, so let through; but not remembered.
    await expect(racing).resolves.toEqual(user);
    await expect(auth.verifyToken(token)).rejects.toMatchObject({ status: 401 });
  });

  it('still verifies the token itself on every call (a forged token is refused even for a cached user)', async () => {
    const { auth, addUser } = setup();
    const { user, token } = await addUser(1);
    await auth.verifyToken(token);
    const [header, payload] = token.split('.');
    await expect(auth.verifyToken(`${header}.${payload}.forged-signature`)).rejects.toMatchObject({
      status: 401,
    });
    const otherSecret = new JwtService({ secret: 'another-secret-of-at-least-32-characters' });
    const forged = await otherSecret.signAsync(
      { sub: user.id, username: user.username },
      { algorithm: 'HS256', expiresIn: 600 },
    );
    await expect(auth.verifyToken(forged)).rejects.toMatchObject({ status: 401 });
  });

  it(`holds at most ${VERIFIED_USER_CACHE_MAX} users, dropping the oldest`, async () => {
    const { auth, findOne, addUser } = setup();
    const tokens: string[] = [];
    for (let n = 0; n <= VERIFIED_USER_CACHE_MAX; n += 1) {
      const { token } = await addUser(n);
      tokens.push(token);
      await auth.verifyToken(token);
    }
    findOne.mockClear();
    await auth.verifyToken(tokens[VERIFIED_USER_CACHE_MAX]);
    expect(findOne).not.toHaveBeenCalled();
    await auth.verifyToken(tokens[0]);
    expect(findOne).toHaveBeenCalledTimes(1);
  });
});

describe('AuthService.revokeTokens: signing out everywhere', () => {
  it('refuses every earlier token at once, even with the user cached; a token of the new generation works', async () => {
    const { auth, events, addUser, tokenOf } = setup();
    const { user, token } = await addUser(1);
    await expect(auth.verifyToken(token)).resolves.toEqual(user);
    const revoked: SessionsRevokedEvent[] = [];
    events.on(SESSIONS_REVOKED, (event: SessionsRevokedEvent) => revoked.push(event));

    await auth.revokeTokens(user);
    expect(revoked).toEqual([new SessionsRevokedEvent(user.id, 1)]);
    await expect(auth.verifyToken(token)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(auth.verifyToken(await tokenOf(user))).resolves.toEqual(user);
    // A generation from the future is no better than one from the past.
    await expect(auth.verifyToken(await tokenOf(user, 2))).rejects.toMatchObject({ status: 401 });
  });

  it('counts a token from before generations as generation 0, and refuses a gen that is no integer', async () => {
    const { auth, jwt, addUser } = setup();
    const { user } = await addUser(1);
    const sign = (claims: object) => jwt.signAsync(claims, { algorithm: 'HS256', expiresIn: 600 });
    const older = await sign({ sub: user.id, username: user.username });
    await expect(auth.verifyToken(older)).resolves.toEqual(user);
    await expect(auth.verifyToken(await sign({ sub: user.id, gen: '0' }))).rejects.toMatchObject({
      status: 401,
    });
    await expect(auth.verifyToken(await sign({ sub: user.id, gen: 0.5 }))).rejects.toMatchObject({
      status: 401,
    });
    await auth.revokeTokens(user);
    await expect(auth.verifyToken(older)).rejects.toMatchObject({ status: 401 });
  });
});

describe('AuthService.verifyToken: what it refuses before trusting a signed token', () => {
  it('refuses a validly signed token without exp (it would never expire)', async () => {
    const { auth, jwt, addUser } = setup();
    const { user } = await addUser(1);
    const forever = await jwt.signAsync({ sub: user.id, username: user.username }, { algorithm: 'HS256' });
    await expect(auth.verifyToken(forever)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it(`refuses a token over ${MAX_TOKEN_LENGTH} characters without decoding it`, async () => {
    const { auth, jwt, addUser } = setup();
    const { user } = await addUser(1);
    const padded = await jwt.signAsync(
      { sub: user.id, username: user.username, pad: 'x'.repeat(MAX_TOKEN_LENGTH) },
      { algorithm: 'HS256', expiresIn: 600 },
    );
    const verify = jest.spyOn(jwt, 'verify');
    await expect(auth.verifyToken(padded)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(verify).not.toHaveBeenCalled();
  });
});
