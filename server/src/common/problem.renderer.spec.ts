import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { problemTypeFor } from '@concord/shared';
import { z } from 'zod';
import { ProblemError } from './problem.error';
import { renderProblem } from './problem.renderer';

describe('renderProblem', () => {
  it('renders a ProblemError as RFC 9457 problem+json with code, type, instance, request id and extensions', () => {
    const error = new ProblemError('stale_version', 409, 'Alice changed it.', {
      extensions: { yourVersion: 3, status: 200, code: 'forged' },
      headers: { ETag: '"x.v4"' },
    });
    const rendered = renderProblem(error, '/api/documents/x', 'req-1');
    expect(rendered.status).toBe(409);
    expect(rendered.headers).toMatchObject({
      'Content-Type': 'application/problem+json; charset=utf-8',
      ETag: '"x.v4"',
    });
    // Extensions never override the core members.
    expect(rendered.body).toEqual({
      type: problemTypeFor('stale_version'),
      title: 'Stale version',
      status: 409,
      detail: 'Alice changed it.',
      instance: '/api/documents/x',
      code: 'stale_version',
      requestId: 'req-1',
      yourVersion: 3,
    });
    expect(rendered.unexpected).toBe(false);
  });

  it('turns a zod error into 422 validation_failed with field errors', () => {
    const result = z.strictObject({ title: z.string() }).safeParse({ title: 1, extra: true });
    expect(result.success).toBe(false);
    const rendered = renderProblem(result.error, '/x', undefined);
    expect(rendered.status).toBe(422);
    expect(rendered.body.code).toBe('validation_failed');
    expect(rendered.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'title', message: expect.any(String) },
        { path: '', message: 'unknown field(s): extra' },
      ]),
    );
  });

  it('maps Nest HTTP exceptions by status (unknown route → 404 not_found, throttler → 429 rate_limited)', () => {
    expect(renderProblem(new NotFoundException('Cannot GET /api/nope'), '/api/nope', 'r').body).toMatchObject(
      {
        status: 404,
        code: 'not_found',
        detail: 'Cannot GET /api/nope',
      },
    );
    expect(renderProblem(new HttpException('slow down', 429), '/', 'r').body).toMatchObject({
      status: 429,
      code: 'rate_limited',
    });
    expect(renderProblem(new HttpException('not JSON', 415), '/', 'r').body).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
      title: 'Unsupported media type',
    });
    expect(renderProblem(new HttpException('no', 417), '/', 'r').body).toMatchObject({
      status: 417,
      code: 'expectation_failed',
    });
  });

  it('answers a path parameter with broken percent-encoding (a malformed id) with 404, not 400', () => {
    const rendered = renderProblem(
      new BadRequestException("Failed to decode param '%E0%A4%A'"),
      '/api/documents/%E0%A4%A',
      'r',
    );
    expect(rendered.body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('answers text PostgreSQL refuses (NUL, invalid UTF-8) with 422, not 500', () => {
    const nul = Object.assign(new Error('query failed'), {
      driverError: Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
        code: '22021',
      }),
    });
    expect(renderProblem(nul, '/', 'r').body).toMatchObject({ status: 422, code: 'validation_failed' });
  });

  it.each([
    ['entity.parse.failed', 400, 400, 'malformed_json'],
    ['entity.too.large', 413, 413, 'payload_too_large'],
    ['entity.verify.failed', 400, 400, 'bad_request'],
    ['encoding.unsupported', 415, 415, 'unsupported_media_type'],
    ['charset.unsupported', 415, 415, 'unsupported_media_type'],
  ])('maps body-parser %s to %i', (type, status, expectedStatus, code) => {
    const error = Object.assign(new Error('bad body'), { type, status, expose: true });
    expect(renderProblem(error, '/', 'r').body).toMatchObject({ status: expectedStatus, code });
  });

  it('answers database outages with 503 service_unavailable and Retry-After', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const wrapped = Object.assign(new Error('Query failed'), { driverError: refused });
    const adminShutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    for (const error of [refused, wrapped, adminShutdown, new Error('Connection terminated unexpectedly')]) {
      const rendered = renderProblem(error, '/', 'r');
      expect(rendered.status).toBe(503);
      expect(rendered.body.code).toBe('service_unavailable');
      expect(Number(rendered.headers['Retry-After'])).toBeGreaterThan(0);
    }
  });

  it('answers anything unknown with 500 internal_error, flagged for logging, without leaking its message', () => {
    const rendered = renderProblem(new TypeError('secret internals'), '/', 'r');
    expect(rendered.status).toBe(500);
    expect(rendered.unexpected).toBe(true);
    expect(rendered.body.code).toBe('internal_error');
    expect(JSON.stringify(rendered.body)).not.toContain('secret internals');
    // A non-client status from a random error object is not trusted as a 4xx.
    expect(renderProblem({ type: 'x', status: 500, message: 'm' }, '/', 'r').status).toBe(500);
  });
});
