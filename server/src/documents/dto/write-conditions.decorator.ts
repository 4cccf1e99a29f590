import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { WritePrecondition } from '../documents.service';
import { preconditionFromHeaders, prefersMerge } from './preconditions-from-headers';

export interface WriteConditions {
  /** If-Match, else If-Unmodified-Since, else null (→ 428 after the access check). */
  precondition: WritePrecondition | null;
  /** `Prefer: merge`. */
  merge: boolean;
}

function header(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The conditional headers of a write, parsed once (a malformed one is a 400). */
export const Conditions = createParamDecorator(
  (_data: unknown, context: ExecutionContext): WriteConditions => {
    const request = context.switchToHttp().getRequest<Request>();
    return {
      precondition: preconditionFromHeaders(
        header(request, 'if-match'),
        header(request, 'if-unmodified-since'),
      ),
      merge: prefersMerge(header(request, 'prefer')),
    };
  },
);
