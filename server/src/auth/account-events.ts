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
