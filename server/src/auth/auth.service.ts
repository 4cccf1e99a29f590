import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { ThrottlerStorage } from '@nestjs/throttler';
import { InjectRepository } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { createSecretKey, type KeyObject } from 'node:crypto';
import type {
  AuthResponse,
  ChangePasswordRequest,
  LoginRequest,
  RegisterRequest,
  UpdateProfileRequest,
  UserSummary,
} from '@concord/shared';
import type { Repository } from 'typeorm';
import { publishAfterCommit } from '../common/domain-events';
import { ProblemError } from '../common/problem.error';
import { authConfig, type AuthConfig } from '../config/auth.config';
import { isForeignKeyViolation, isUniqueViolation } from '../database/database-errors';
import {
  ACCOUNT_DELETED,
  AccountDeletedEvent,
  type DeletedDocument,
  PROFILE_CHANGED,
  ProfileChangedEvent,
  SESSIONS_REVOKED,
  SessionsRevokedEvent,
} from './account-events';
import { toUserSummary, UserEntity } from './user.entity';

/** OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): slow for guessing, quick enough for a 2-core box. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Verified users are remembered this long (per process, by id) so that the guard does not look the
 * user up on every request. Deleting an account or revoking its tokens forgets it at once here,
 * and on the other instances as soon as the realtime gateway's notice reaches them over Redis;
 * should that notice be lost (Redis down), their entry still expires after this long.
 */
export const VERIFIED_USER_TTL_MS = 5_000;
/** Bounds the memory of that cache: past it, the oldest entry is dropped. */
export const VERIFIED_USER_CACHE_MAX = 10_000;
/**
 * The tokens this server issues are about 300 characters. A socket handshake may carry one of
 * megabytes (the message limit), and jsonwebtoken decodes and parses it before checking its
 * signature: a forged 6 MB token held the event loop for 190 ms. Longer ones are refused unread.
 */
export const MAX_TOKEN_LENGTH = 4096;

interface TokenClaims {
  sub: string;
  username: string;
  /** Set on every token issued here; jsonwebtoken accepts a token without it, forever. */
  exp?: number;
  /** The user's token generation when issued; absent (0) on tokens from before generations. */
  gen?: number;
}

interface VerifiedUser {
  user: UserSummary;
  tokenGeneration: number;
  until: number;
}

const BAD_TOKEN = 'The bearer token is invalid or expired.';
const SIGNED_OUT = 'This token was signed out; sign in again.';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** Verified against when the username is unknown, so both failures take the same time. */
  private dummyHash: Promise<string> | undefined;
  /** Insertion-ordered, so the first key is the oldest entry. */
  private readonly verified = new Map<string, VerifiedUser>();
  /** Bumped by every deletion and revocation: a lookup that raced one must not cache what it read. */
  private invalidations = 0;
  /**
   * The secret as a KeyObject: given a string, jsonwebtoken first tries to parse it as a PEM
   * public key and builds the secret key only after that throws, on every verification (15 % of
   * the server's CPU under the save benchmark). It accepts a KeyObject; @nestjs/jwt's option type
   * predates that, hence the cast where it is passed.
   */
  private readonly verifyKey: KeyObject;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly jwt: JwtService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly events: EventEmitter2,
    @Inject(ThrottlerStorage) private readonly throttlerStorage: ThrottlerStorage,
  ) {
    this.verifyKey = createSecretKey(config.jwtSecret, 'utf8');
  }

  async register(request: RegisterRequest): Promise<AuthResponse> {
    const passwordHash = await argon2.hash(request.password, ARGON2_OPTIONS);
    try {
      const saved = await this.users.save(
        this.users.create({
          username: request.username,
          displayName: request.displayName ?? request.username,
          passwordHash,
        }),
      );
      const user = toUserSummary(saved);
      return { user, token: await this.issueToken(user, saved.tokenGeneration) };
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_key')) {
        throw new ProblemError('username_taken', 409, `The username "${request.username}" is already taken.`);
      }
      throw error;
    }
  }

  async login(request: LoginRequest): Promise<AuthResponse> {
    await this.countPasswordAttempt(request.username);
    const found = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.username = :username', { username: request.username })
      .getOne();
    const hash = found?.passwordHash ?? (await this.getDummyHash());
    const matches = await argon2.verify(hash, request.password).catch(() => false);
    if (found === null || !matches) {
      throw new ProblemError('invalid_credentials', 401, 'The username or password is wrong.');
    }
    const user = toUserSummary(found);
    return { user, token: await this.issueToken(user, found.tokenGeneration) };
  }

  /**
   * The user a bearer token names; refuses bad, expired, forged and revoked tokens and deleted
   * users (401).
   */
  async verifyToken(token: string): Promise<UserSummary> {
    return (await this.verifySession(token)).user;
  }

  /** verifyToken, with the token generation the token carries (the account's current one). */
  async verifySession(token: string): Promise<{ user: UserSummary; tokenGeneration: number }> {
    if (token.length > MAX_TOKEN_LENGTH) throw ProblemError.unauthorized(BAD_TOKEN);
    let claims: TokenClaims;
    try {
      // The synchronous verify: verifyAsync adds three promises and a callback to every request.
      claims = this.jwt.verify<TokenClaims>(token, {
        algorithms: ['HS256'],
        secret: this.verifyKey as unknown as Buffer,
      });
    } catch {
      throw ProblemError.unauthorized(BAD_TOKEN);
    }
    // A token without `exp` never expires and its socket is never cut (see the gateway): not one of ours.
    if (
      typeof claims.sub !== 'string' ||
      !/^[0-9a-f-]{36}$/i.test(claims.sub) ||
      typeof claims.exp !== 'number' ||
      (claims.gen !== undefined && !Number.isSafeInteger(claims.gen))
    ) {
      throw ProblemError.unauthorized(BAD_TOKEN);
    }
    const verified = await this.verifiedUser(claims.sub);
    if ((claims.gen ?? 0) !== verified.tokenGeneration) throw ProblemError.unauthorized(SIGNED_OUT);
    return { user: verified.user, tokenGeneration: verified.tokenGeneration };
  }

  /**
   * A new password, checked against the current one. Every token issued so far stops working
   * (this one too); the answer carries a new one. `tokenGeneration` is the generation of the
   * token the request came with: if the account signed out everywhere meanwhile, no new token.
   */
  async changePassword(
    user: UserSummary,
    request: ChangePasswordRequest,
    tokenGeneration: number,
  ): Promise<AuthResponse> {
    const found = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.id = :id', { id: user.id })
      .getOne();
    if (found === null) throw ProblemError.unauthorized('The user of this token no longer exists.');
    await this.countPasswordAttempt(found.username);
    const matches = await argon2.verify(found.passwordHash, request.currentPassword).catch(() => false);
    // Compare-and-set on the old hash and the token's generation: of two changes racing, the
    // second finds the hash gone; after a sign-out everywhere racing it, the generation is.
    const newGeneration = matches
      ? await this.bumpTokenGeneration(user.id, {
          from: found.passwordHash,
          to: await argon2.hash(request.newPassword, ARGON2_OPTIONS),
          generation: tokenGeneration,
        })
      : undefined;
    if (newGeneration === undefined) {
      if (matches && (await this.tokenGenerationOf(user.id)) !== tokenGeneration) {
        throw ProblemError.unauthorized(SIGNED_OUT);
      }
      throw new ProblemError('validation_failed', 422, 'The current password is wrong.', {
        extensions: { errors: [{ path: 'currentPassword', message: 'is wrong' }] },
      });
    }
    return { user, token: await this.issueToken(user, newGeneration) };
  }

  private async tokenGenerationOf(userId: string): Promise<number | undefined> {
    const [row] = await this.users.query<{ token_generation: number }[]>(
      `SELECT token_generation FROM users WHERE id = $1`,
      [userId],
    );
    return row?.token_generation;
  }

  /**
   * A new display name. Others see it at once: the gateway updates the user's open sockets (and
   * the presence of their rooms) here and on the other instances.
   */
  async updateProfile(user: UserSummary, request: UpdateProfileRequest): Promise<UserSummary> {
    const [rows] = await this.users.query<[{ id: string; username: string; display_name: string }[], number]>(
      `UPDATE users SET display_name = $2 WHERE id = $1 RETURNING id, username, display_name`,
      [user.id, request.displayName],
    );
    const [row] = rows;
    if (row === undefined) throw ProblemError.unauthorized('The user of this token no longer exists.');
    const updated: UserSummary = { id: row.id, username: row.username, displayName: row.display_name };
    this.forgetUser(user.id);
    publishAfterCommit(this.events, this.logger, PROFILE_CHANGED, new ProfileChangedEvent(updated));
    return updated;
  }

  /** Signs out everywhere: every token issued so far, this one included, stops working. */
  async revokeTokens(user: UserSummary): Promise<void> {
    if ((await this.bumpTokenGeneration(user.id)) === undefined) {
      throw ProblemError.unauthorized('The user of this token no longer exists.');
    }
  }

  /**
   * Deletes the signed-in account and the documents it owns (their history, members and drafts
   * cascade). Its tokens stop working at once here (forgetUser); ACCOUNT_DELETED then tells the
   * realtime gateway (which closes the account's sockets and tells the other instances) and the
   * documents module (which tells the rooms of the deleted documents).
   * An account that wrote versions of other people's documents is kept (409): history names
   * its authors and is never rewritten.
   */
  async deleteAccount(user: UserSummary): Promise<void> {
    try {
      const documents = await this.users.manager.transaction(async (manager) => {
        const [deleted] = await manager.query<[DeletedDocument[], number]>(
          'DELETE FROM documents WHERE owner_id = $1 RETURNING id, title, version',
          [user.id],
        );
        await manager.query('DELETE FROM users WHERE id = $1', [user.id]);
        return deleted;
      });
      this.forgetUser(user.id);
      publishAfterCommit(
        this.events,
        this.logger,
        ACCOUNT_DELETED,
        new AccountDeletedEvent(user.id, documents),
      );
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new ProblemError(
          'account_in_use',
          409,
          "This account wrote versions of other people's documents; their history still names it, so it cannot be deleted.",
        );
      }
      throw error;
    }
  }

  /**
   * The account is gone or its tokens were revoked: its next token is checked against the
   * database, and a lookup in flight is not cached.
   */
  forgetUser(userId: string): void {
    this.invalidations += 1;
    this.verified.delete(userId);
  }

  /**
   * The accounts of `userIds` as stored now, with their token generation; a deleted one is
   * absent. The realtime gateway's periodic check of its sockets (notices between instances can
   * be lost) reads them in one query.
   */
  async accountsNow(
    userIds: readonly string[],
  ): Promise<Map<string, { user: UserSummary; tokenGeneration: number }>> {
    const rows = await this.users.query<
      { id: string; username: string; display_name: string; token_generation: number }[]
    >(`SELECT id, username, display_name, token_generation FROM users WHERE id = ANY($1::uuid[])`, [userIds]);
    return new Map(
      rows.map((row) => [
        row.id,
        {
          user: { id: row.id, username: row.username, displayName: row.display_name },
          tokenGeneration: row.token_generation,
        },
      ]),
    );
  }

  async findByUsername(username: string): Promise<UserSummary | null> {
    const user = await this.users.findOne({ where: { username: username.trim().toLowerCase() } });
    return user === null ? null : toUserSummary(user);
  }

  /**
   * Counts one password attempt on `username` (known or not, so the answer does not tell which),
   * refusing it with 429 past AUTH_ACCOUNT_RATE_LIMIT per window. The per-IP limit alone lets
   * guesses spread over many addresses through; this caps them per account. The price: whoever
   * hammers an account can hold its sign-ins at 429 for a window (its tokens keep working).
   */
  private async countPasswordAttempt(username: string): Promise<void> {
    const record = await this.throttlerStorage.increment(
      `password-attempts:${username}`,
      this.config.rateWindowMs,
      this.config.accountRateLimit,
      this.config.rateWindowMs,
      'password-attempts',
    );
    if (record.isBlocked) {
      const retryAfter = Math.max(1, record.timeToBlockExpire);
      throw new ProblemError(
        'rate_limited',
        429,
        `Too many password attempts for this account; retry in ${retryAfter} s.`,
        {
          headers: { 'Retry-After': String(retryAfter) },
          extensions: { retryAfterSeconds: retryAfter },
        },
      );
    }
  }

  /** The user and their token generation, from the cache or the database (401 when gone). */
  private async verifiedUser(userId: string): Promise<VerifiedUser> {
    const cached = this.verified.get(userId);
    if (cached !== undefined && cached.until > Date.now()) return cached;
    const invalidationsBefore = this.invalidations;
    const found = await this.users.findOne({ where: { id: userId } });
    if (found === null) {
      this.verified.delete(userId);
      throw ProblemError.unauthorized('The user of this token no longer exists.');
    }
    const verified = {
      user: toUserSummary(found),
      tokenGeneration: found.tokenGeneration,
      until: Date.now() + VERIFIED_USER_TTL_MS,
    };
    if (this.invalidations === invalidationsBefore) this.remember(verified);
    return verified;
  }

  /**
   * Refuses every token of the user issued so far (and sets a new password hash when `password`
   * is given and the stored hash is still `from`); the new generation, or undefined when no row
   * matched. Forgets the user here and tells the gateway, which ends their sockets everywhere.
   */
  private async bumpTokenGeneration(
    userId: string,
    password?: { from: string; to: string; generation: number },
  ): Promise<number | undefined> {
    const [rows] = await this.users.query<[{ token_generation: number }[], number]>(
      password === undefined
        ? `UPDATE users SET token_generation = token_generation + 1 WHERE id = $1 RETURNING token_generation`
        : `UPDATE users SET token_generation = token_generation + 1, password_hash = $3
            WHERE id = $1 AND password_hash = $2 AND token_generation = $4 RETURNING token_generation`,
      password === undefined ? [userId] : [userId, password.from, password.to, password.generation],
    );
    const [row] = rows;
    if (row === undefined) return undefined;
    this.forgetUser(userId);
    publishAfterCommit(
      this.events,
      this.logger,
      SESSIONS_REVOKED,
      new SessionsRevokedEvent(userId, row.token_generation),
    );
    return row.token_generation;
  }

  private remember(verified: VerifiedUser): void {
    const userId = verified.user.id;
    this.verified.delete(userId);
    if (this.verified.size >= VERIFIED_USER_CACHE_MAX) {
      const oldest = this.verified.keys().next();
      if (oldest.done !== true) this.verified.delete(oldest.value);
    }
    this.verified.set(userId, verified);
  }

  private issueToken(user: UserSummary, tokenGeneration: number): Promise<string> {
    const claims: TokenClaims = { sub: user.id, username: user.username, gen: tokenGeneration };
    return this.jwt.signAsync(claims, { algorithm: 'HS256', expiresIn: this.config.jwtTtlSeconds });
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= argon2.hash('concord-timing-equalizer', ARGON2_OPTIONS);
    return this.dummyHash;
  }
}
