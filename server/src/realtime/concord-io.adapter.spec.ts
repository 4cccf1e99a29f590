import { makePatch } from '@concord/shared';
import { isOriginAllowed, maxMessageBytes } from './concord-io.adapter';

describe('isOriginAllowed', () => {
  it('lets non-browser clients (no Origin) and same-origin pages through', () => {
    expect(isOriginAllowed(undefined, 'concord.test:3000', [])).toBe(true);
    expect(isOriginAllowed('http://concord.test:3000', 'concord.test:3000', [])).toBe(true);
  });

  it('admits listed origins and refuses the rest, unless the list is *', () => {
    expect(isOriginAllowed('https://app.example', 'api.example', ['https://app.example'])).toBe(true);
    expect(isOriginAllowed('https://evil.example', 'api.example', ['https://app.example'])).toBe(false);
    expect(isOriginAllowed('https://any.example', 'api.example', ['*'])).toBe(true);
    expect(isOriginAllowed('not a url', 'api.example', [])).toBe(false);
  });
});

describe('maxMessageBytes', () => {
  it('fits a patch replacing a whole maximum-size non-ASCII document by another', () => {
    const max = 64 * 1024;
    const before = '中'.repeat(max / 3);
    const after = '文'.repeat(max / 3);
    const patch = makePatch(before, after);
    expect(Buffer.byteLength(JSON.stringify(['edit', { patch }]))).toBeLessThan(maxMessageBytes(max));
  });
});
