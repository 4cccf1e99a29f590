import type { DocumentState, MemberRole, UserSummary } from '@concord/shared';

/** Event names the documents service emits (after commit) through @nestjs/event-emitter. */
export const DOCUMENT_CHANGED = 'document.changed';
export const DOCUMENT_STATE = 'document.state';
export const MEMBERSHIP_CHANGED = 'document.membership';

/** Every accepted write: PUT, PATCH, socket edit, archive/restore (empty patch). */
export class DocumentChangedEvent {
  constructor(
    readonly documentId: string,
    readonly baseVersion: number,
    readonly version: number,
    readonly etag: string,
    /** diff-match-patch text turning `baseVersion`'s content into `version`'s. */
    readonly patch: string,
    readonly author: UserSummary,
    /** ISO-8601 time of the write. */
    readonly at: string,
    /** Set when this write renamed the document. */
    readonly title?: string,
    readonly clientEditId?: string,
    /** The socket that sent the edit, so the gateway does not echo it back. */
    readonly originSocketId?: string,
  ) {}
}

export type DocumentLifecycleState = DocumentState | 'deleted';

/** Archive, restore, rename and delete. */
export class DocumentStateEvent {
  constructor(
    readonly documentId: string,
    readonly state: DocumentLifecycleState,
    readonly title: string,
    readonly version: number,
    readonly etag: string,
  ) {}
}

/** A member's role changed, or they were removed (`role: null`). */
export class MembershipChangedEvent {
  constructor(
    readonly documentId: string,
    readonly userId: string,
    readonly role: MemberRole | null,
    /** Who changed it: the owner, or the member who left. */
    readonly by: UserSummary,
  ) {}
}
