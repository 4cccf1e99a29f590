import { ProblemError } from '../common/problem.error';
import { canonicalJson, IdempotencyService } from './idempotency.service';

describe('Idempotency-Key request hashing', () => {
  it('hashes bodies independently of key order', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 'x' }] })).toBe('{"a":[1,{"c":"x","d":2}],"b":1}');
    expect(IdempotencyService.hashBody({ title: 'x', content: '' })).toBe(
      IdempotencyService.hashBody({ content: '', title: 'x' }),
    );
    expect(IdempotencyService.hashBody({ title: 'x' })).not.toBe(IdempotencyService.hashBody({ title: 'y' }));
  });

  it('accepts 1-255 visible ASCII characters as a key and rejects others with 400', () => {
    expect(() => IdempotencyService.validateKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).not.toThrow();
    for (const bad of ['', 'has space', 'ключ', 'x'.repeat(256)]) {
      expect(() => IdempotencyService.validateKey(bad)).toThrow(ProblemError);
    }
  });
});
