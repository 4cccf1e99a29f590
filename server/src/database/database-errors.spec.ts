import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { isDatabaseUnavailableError, isForeignKeyViolation, isUniqueViolation } from './database-errors';

function pgError(code: string, message = 'boom'): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailableError', () => {
  it.each([
    ['a refused connection', pgError('ECONNREFUSED')],
    ['an admin shutdown (57P01)', pgError('57P01')],
    ['a connection exception class (08006)', pgError('08006')],
    ['a pg "Connection terminated" error', new Error('Connection terminated unexpectedly')],
    ['a pg Client connect timeout (a server that accepts but never answers)', new Error('timeout expired')],
    ['a query on a runner TypeORM released when its connection died', new QueryRunnerAlreadyReleasedError()],
    ['a query through a manager whose runner was released', new QueryRunnerProviderAlreadyReleasedError()],
    ['a QueryFailedError wrapping a shutdown', new QueryFailedError('SELECT 1', [], pgError('57P01'))],
  ])('is true for %s', (_name, error) => {
    expect(isDatabaseUnavailableError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a syntax error', pgError('42601')],
    ['a plain bug', new TypeError('x is undefined')],
    ['a string', 'ECONNREFUSED'],
  ])('is false for %s', (_name, error) => {
    expect(isDatabaseUnavailableError(error)).toBe(false);
  });
});

describe('constraint violations', () => {
  it('tells a foreign key violation (23503) from a unique one (23505)', () => {
    const wrapped = new QueryFailedError('DELETE', [], pgError('23503'));
    expect(isForeignKeyViolation(wrapped)).toBe(true);
    expect(isUniqueViolation(wrapped)).toBe(false);
    expect(isForeignKeyViolation(pgError('23505'))).toBe(false);
  });
});
