import type { ConcordDocument, ServerMerge } from '@concord/shared';
import { ProblemError } from '../common/problem.error';

/** Words for "how long ago", so a 409's detail reads like a sentence a person would say. */
export function agoInWords(then: Date, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} seconds ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'a minute ago' : `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return hours === 1 ? 'an hour ago' : `${hours} hours ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** The stale-write 409 of CONTRACT §1: `current`, `yourVersion`, the current ETag, who and when. */
export function staleVersion(
  current: ConcordDocument,
  yourVersion: number | null,
  merge?: ServerMerge,
): ProblemError {
  const who = `${current.updatedBy.displayName} (@${current.updatedBy.username})`;
  const when = `${agoInWords(new Date(current.updatedAt))}, at ${current.updatedAt}`;
  const sent =
    yourVersion === null ? 'your precondition names no version of it' : `you sent version ${yourVersion}`;
  const merged =
    merge === undefined
      ? ''
      : ` The server tried to merge your change and found ${merge.conflicts.length} conflicting region(s); its attempt is in "merge".`;
  return new ProblemError(
    'stale_version',
    409,
    `${who} changed this document ${when}; it is now at version ${current.version} and ${sent}.${merged}`,
    {
      extensions: { yourVersion, current, ...(merge === undefined ? {} : { merge }) },
      headers: { ETag: current.etag },
    },
  );
}

export function documentNotFound(): ProblemError {
  return ProblemError.notFound('No document with this id is visible to you.');
}

export function preconditionRequired(current: ConcordDocument): ProblemError {
  return new ProblemError(
    'precondition_required',
    428,
    'Send If-Match with the ETag you last read (or If-Match: * to overwrite deliberately).',
    { extensions: { etag: current.etag }, headers: { ETag: current.etag } },
  );
}

export function documentArchived(current: ConcordDocument): ProblemError {
  return new ProblemError('document_archived', 409, 'This document is archived; restore it before writing.', {
    extensions: { current },
    headers: { ETag: current.etag },
  });
}

export function invalidText(field: string, problem: string): ProblemError {
  return new ProblemError('validation_failed', 422, `${field} ${problem}.`, {
    extensions: { errors: [{ path: field, message: problem }] },
  });
}
