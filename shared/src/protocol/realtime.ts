import { z } from 'zod';
import { ChangeSchema, DocumentSchema, DOCUMENT_STATES, MEMBER_ROLES } from './documents';
import { ServerMergeSchema } from './conflict';
import { ERROR_CODES } from './problem';
import { UserSummarySchema } from './users';

// Client → server payloads (validated by the gateway).
export const JoinPayloadSchema = z.strictObject({
  documentId: z.string(),
  sinceVersion: z.number().int().min(0).optional(),
});
export type JoinPayload = z.infer<typeof JoinPayloadSchema>;

export const LeavePayloadSchema = z.strictObject({ documentId: z.string() });
export type LeavePayload = z.infer<typeof LeavePayloadSchema>;

export const EditPayloadSchema = z.strictObject({
  documentId: z.string(),
  baseVersion: z.number().int().min(1),
  patch: z.string(),
  clientEditId: z.string().max(100).optional(),
  merge: z.boolean().optional(),
});
export type EditPayload = z.infer<typeof EditPayloadSchema>;

export const CursorPayloadSchema = z.strictObject({
  documentId: z.string(),
  anchor: z.number().int().min(0),
  head: z.number().int().min(0),
});
export type CursorPayload = z.infer<typeof CursorPayloadSchema>;

// Acks.
export const AckErrorSchema = z.object({
  status: z.number().int(),
  code: z.enum(ERROR_CODES),
  detail: z.string(),
  current: DocumentSchema.optional(),
  merge: ServerMergeSchema.optional(),
  /** validation_failed: the field errors, as in the HTTP problem. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** rate_limited: when the socket may send its next edit. */
  retryAfterMs: z.number().int().min(0).optional(),
});
export type AckError = z.infer<typeof AckErrorSchema>;
const AckFailureSchema = z.strictObject({ ok: z.literal(false), error: AckErrorSchema });
export type AckFailure = z.infer<typeof AckFailureSchema>;
export type Ack<T extends object = object> = ({ ok: true } & T) | AckFailure;

/** An ack: `{ok: true, …fields}` or the failure every event can answer. */
function ackOf<T extends z.ZodRawShape>(fields: T) {
  return z.discriminatedUnion('ok', [z.strictObject({ ok: z.literal(true), ...fields }), AckFailureSchema]);
}

export const JoinAckSchema = ackOf({
  document: DocumentSchema,
  presence: z.array(UserSummarySchema),
  missed: z.array(ChangeSchema).optional(),
});
export type JoinAck = z.infer<typeof JoinAckSchema>;
export const EditAckSchema = ackOf({
  version: z.number().int().min(1),
  etag: z.string(),
  merged: z.boolean().optional(),
  patch: z.string().optional(),
});
export type EditAck = z.infer<typeof EditAckSchema>;
export const EmptyAckSchema = ackOf({});
export type EmptyAck = z.infer<typeof EmptyAckSchema>;

// Server → client broadcasts.
export const EditBroadcastSchema = z.strictObject({
  documentId: z.string(),
  baseVersion: z.number().int(),
  version: z.number().int(),
  etag: z.string(),
  patch: z.string(),
  title: z.string().optional(),
  author: UserSummarySchema,
  at: z.iso.datetime(),
  clientEditId: z.string().optional(),
});
export type EditBroadcast = z.infer<typeof EditBroadcastSchema>;

export const PresenceBroadcastSchema = z.strictObject({
  documentId: z.string(),
  users: z.array(UserSummarySchema),
});
export type PresenceBroadcast = z.infer<typeof PresenceBroadcastSchema>;

export const CursorBroadcastSchema = z.strictObject({
  documentId: z.string(),
  user: UserSummarySchema,
  anchor: z.number().int().min(0),
  head: z.number().int().min(0),
});
export type CursorBroadcast = z.infer<typeof CursorBroadcastSchema>;

export const DocumentBroadcastSchema = z.strictObject({
  documentId: z.string(),
  state: z.enum([...DOCUMENT_STATES, 'deleted']),
  title: z.string(),
  version: z.number().int().min(1),
  etag: z.string(),
});
export type DocumentBroadcast = z.infer<typeof DocumentBroadcastSchema>;

/**
 * To a member's own sockets in the document's room when the owner changes their role, or removes
 * them (`role: null`; the server has then taken those sockets out of the room). `by` is who did
 * it: the owner, or the member themselves when they left (from another tab, say).
 */
export const AccessBroadcastSchema = z.strictObject({
  documentId: z.string(),
  role: z.enum(MEMBER_ROLES).nullable(),
  by: UserSummarySchema,
});
export type AccessBroadcast = z.infer<typeof AccessBroadcastSchema>;

/** Every event's payload schema, server → client, and every ack's, by the event it answers. */
export const SERVER_EVENT_SCHEMAS = {
  edit: EditBroadcastSchema,
  presence: PresenceBroadcastSchema,
  cursor: CursorBroadcastSchema,
  document: DocumentBroadcastSchema,
  access: AccessBroadcastSchema,
} as const;
export const ACK_SCHEMAS = {
  join: JoinAckSchema,
  leave: EmptyAckSchema,
  edit: EditAckSchema,
  cursor: EmptyAckSchema,
} as const;

/** socket.io typed event maps, shared by the gateway and every client. */
export interface ClientToServerEvents {
  join: (payload: JoinPayload, ack: (res: JoinAck) => void) => void;
  leave: (payload: LeavePayload, ack: (res: EmptyAck) => void) => void;
  edit: (payload: EditPayload, ack: (res: EditAck) => void) => void;
  cursor: (payload: CursorPayload, ack: (res: EmptyAck) => void) => void;
}

export interface ServerToClientEvents {
  edit: (payload: EditBroadcast) => void;
  presence: (payload: PresenceBroadcast) => void;
  cursor: (payload: CursorBroadcast) => void;
  document: (payload: DocumentBroadcast) => void;
  access: (payload: AccessBroadcast) => void;
}
