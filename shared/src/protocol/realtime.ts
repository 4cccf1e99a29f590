import { z } from 'zod';
import { ChangeSchema, DocumentSchema, DOCUMENT_STATES } from './documents';
import { ServerMergeSchema } from './conflict';
import { ERROR_CODES } from './problem';
import { UserSummarySchema, type UserSummary } from './users';

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
export type AckFailure = { ok: false; error: AckError };
export type Ack<T extends object = object> = ({ ok: true } & T) | AckFailure;

export type JoinAck = Ack<{
  document: z.infer<typeof DocumentSchema>;
  presence: UserSummary[];
  missed?: z.infer<typeof ChangeSchema>[];
}>;
export type EditAck = Ack<{ version: number; etag: string; merged?: boolean; patch?: string }>;
export type EmptyAck = Ack;

// Server → client broadcasts.
export const EditBroadcastSchema = z.object({
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

export type PresenceBroadcast = { documentId: string; users: UserSummary[] };
export type CursorBroadcast = { documentId: string; user: UserSummary; anchor: number; head: number };
export type DocumentBroadcast = {
  documentId: string;
  state: (typeof DOCUMENT_STATES)[number] | 'deleted';
  title: string;
  version: number;
  etag: string;
};

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
}
