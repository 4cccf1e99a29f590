import type { UserSummary } from '@concord/shared';

/** Emitted (@nestjs/event-emitter) once an account and the documents it owned are deleted. */
export const ACCOUNT_DELETED = 'account.deleted';

/** A document deleted with its owner's account (its history, members and drafts cascade). */
export interface DeletedDocument {
  id: string;
  title: string;
  version: number;
}

export class AccountDeletedEvent {
  constructor(
    readonly userId: string,
    readonly documents: readonly DeletedDocument[],
  ) {}
}

/**
 * Emitted once every token of an account issued so far is refused (signed out everywhere, or
 * the password changed): the gateway closes the account's sockets, here and on other instances.
 */
export const SESSIONS_REVOKED = 'account.sessions-revoked';

export class SessionsRevokedEvent {
  constructor(
    readonly userId: string,
    /** The account's new token generation: tokens of every lower one are refused. */
    readonly tokenGeneration: number,
  ) {}
}

/** Emitted once a user's display name changed: their open sockets and rooms are told. */
export const PROFILE_CHANGED = 'account.profile-changed';

export class ProfileChangedEvent {
  constructor(readonly user: UserSummary) {}
}
