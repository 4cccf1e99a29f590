import { loggableError } from './loggable-error';

describe('loggableError', () => {
  it('keeps type, message, code and stack, and drops query parameters and other properties', () => {
    const driverError = Object.assign(new Error('invalid byte sequence'), { code: '22021', detail: 'value: secret-detail' });
    const error = Object.assign(new Error('query failed'), {
      query: 'INSERT INTO users ...',
      parameters: ['alice', '$argon2id$secret-hash', 'document body'],
      driverError,
    });
    const logged = loggableError(error);
    expect(logged).toMatchObject({ type: 'Error', message: 'query failed', cause: { message: 'invalid byte sequence', code: '22021' } });
    const text = JSON.stringify(logged);
    expect(text).not.toContain('secret-hash');
    expect(text).not.toContain('document body');
    expect(text).not.toContain('secret-detail');
  });

  it('copes with thrown non-errors', () => {
    expect(loggableError('oops')).toEqual({ type: 'string', message: 'a non-Error value was thrown' });
  });
});
