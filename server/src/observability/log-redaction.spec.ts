import { safeErrorSerializer } from './log-redaction';

/** The shape TypeORM's QueryFailedError has: the SQL, its parameters and the driver error. */
class FakeQueryFailedError extends Error {
  constructor(
    readonly query: string,
    readonly parameters: unknown[],
    readonly driverError: Record<string, unknown>,
  ) {
    super('duplicate key value violates unique constraint');
    this.name = 'QueryFailedError';
  }
}

describe('safeErrorSerializer', () => {
  it('keeps the message, stack and SQL of a failed query but never its parameters', () => {
    const secret = 'SECRET document body';
    const error = new FakeQueryFailedError('UPDATE documents SET content = $1 WHERE id = $2', [secret, 'id'], {
      code: '23505',
      parameters: [secret],
    });
    const serialized = safeErrorSerializer(error);
    expect(serialized).toMatchObject({ type: 'FakeQueryFailedError', message: 'duplicate key value violates unique constraint', query: 'UPDATE documents SET content = $1 WHERE id = $2' });
    expect(serialized.stack).toContain('QueryFailedError');
    expect(JSON.stringify(serialized)).not.toContain(secret);
    expect(serialized.parameters).toBe('[redacted]');
  });

  it('leaves an ordinary error as pino would print it', () => {
    const serialized = safeErrorSerializer(new TypeError('boom'));
    expect(serialized).toMatchObject({ type: 'TypeError', message: 'boom' });
  });
});
