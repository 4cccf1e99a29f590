import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { ProblemError } from '../common/problem.error';
import { toAckFailure, validationFailure } from './ack-error.mapper';

const current = {
  id: '6f1c1f4e-0d7a-4c55-9a43-6b0b7f3f5a10',
  title: 'T',
  slug: 't',
  content: 'now',
  version: 7,
  state: 'active',
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T11:00:00.000Z',
  updatedBy: { id: '0b0e5d5a-2c35-4f0a-8d38-1f2f0b4c8e11', username: 'alice', displayName: 'Alice' },
  etag: '"6f1c1f4e-0d7a-4c55-9a43-6b0b7f3f5a10.v7"',
};

describe('toAckFailure', () => {
  const logger = new Logger('spec');

  it('keeps a ProblemError’s status, code and detail, and a stale write’s current and merge', () => {
    const merge = {
      text: '<<<<<<< mine\na\n=======\nb\n>>>>>>> theirs\n',
      conflicts: [{ base: '', mine: 'a', theirs: 'b', start: 0, end: 40 }],
    };
    const error = new ProblemError('stale_version', 409, 'Alice changed it.', {
      extensions: { current, yourVersion: 5, merge },
    });
    expect(toAckFailure(error, logger, 'edit')).toEqual({
      ok: false,
      error: { status: 409, code: 'stale_version', detail: 'Alice changed it.', current, merge },
    });
  });

  it('answers anything else 500 internal_error without internals, and logs it', () => {
    const log = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const failure = toAckFailure(new TypeError('secret internals'), logger, 'join');
    expect(failure).toEqual({
      ok: false,
      error: { status: 500, code: 'internal_error', detail: expect.not.stringContaining('secret') },
    });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('secret internals'));
  });
});

describe('validationFailure', () => {
  it('is a 422 validation_failed naming each bad field', () => {
    const parsed = z
      .strictObject({ documentId: z.string(), anchor: z.number() })
      .safeParse({ documentId: 1, anchor: 'x' });
    if (parsed.success) throw new Error('expected a failure');
    const failure = validationFailure(parsed.error);
    expect(failure.error).toMatchObject({
      status: 422,
      code: 'validation_failed',
      detail: expect.stringContaining('documentId'),
    });
    expect(failure.error.errors?.map((e) => e.path)).toEqual(['documentId', 'anchor']);
  });
});
