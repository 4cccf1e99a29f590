import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConcordDocument } from '../protocol';
import { FIXTURE_ID, fixtureDocument, staleVersionBody } from '../sdk/testing/document-fixture';
import { baseFileFor, runCli } from './run-cli';

const ID = FIXTURE_ID;
const doc = fixtureDocument;

const ok = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200 });
const stale = (current: ConcordDocument): Response =>
  new Response(JSON.stringify(staleVersionBody(current, 1)), { status: 409 });

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Answers in order; a function is called when its request arrives (to change files meanwhile). */
function run(argv: string[], answers: (Response | (() => Response))[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: { url: string; init: RequestInit }[] = [];
  const code = runCli(argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { CONCORD_URL: 'http://concord.test', CONCORD_TOKEN: 'tok' },
    fetch: (url, init) => {
      requests.push({ url, init });
      const answer = answers.shift();
      if (answer === undefined) return Promise.reject(new Error('unexpected request'));
      return Promise.resolve(typeof answer === 'function' ? answer() : answer);
    },
  });
  return code.then((status) => ({ status, stdout: out.join(''), stderr: err.join(''), requests }));
}

function files(base: string, mine: string, theirs: string): string[] {
  return Object.entries({ base, mine, theirs }).map(([name, content]) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  });
}

describe('concord merge', () => {
  it('prints a clean merge and exits 0', async () => {
    const result = await run(['merge', ...files('a b c\n', 'A b c\n', 'a b C\n')]);
    expect(result).toMatchObject({ status: 0, stdout: 'A b C\n' });
  });

  it('exits with the number of conflicts', async () => {
    const result = await run([
      'merge',
      ...files('1\nx\n2\ny\n3\n', '1\nX1\n2\nY1\n3\n', '1\nX2\n2\nY2\n3\n'),
    ]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe(
      '1\n<<<<<<< mine\nX1\n=======\nX2\n>>>>>>> theirs\n2\n<<<<<<< mine\nY1\n=======\nY2\n>>>>>>> theirs\n3\n',
    );
  });

  it('exits 255 on a binary file, like git merge-file, and on one that is not UTF-8', async () => {
    const [base, mine, theirs] = files('a\n', 'a\n', 'b\n');
    writeFileSync(mine, Buffer.from('a\n\0b\n'));
    const binary = await run(['merge', base, mine, theirs]);
    expect(binary).toMatchObject({ status: 255, stdout: '' });
    expect(binary.stderr).toContain(`cannot merge binary file ${mine}`);

    // Decoding would print U+FFFD where the byte was.
    writeFileSync(mine, Buffer.from('caf\xe9\n', 'latin1'));
    const latin1 = await run(['merge', base, mine, theirs]);
    expect(latin1).toMatchObject({ status: 255, stdout: '' });
    expect(latin1.stderr).toContain(`${mine} is not UTF-8 text`);
  });

  it('exits 255 when a file cannot be read, like git merge-file', async () => {
    const result = await run(['merge', join(dir, 'nope'), join(dir, 'nope'), join(dir, 'nope')]);
    expect(result.status).toBe(255);
    expect(result.stderr).toContain('ENOENT');
  });
});

describe('concord get and save', () => {
  it('get prints the content with the bearer token from CONCORD_TOKEN', async () => {
    const result = await run(['get', ID], [ok(doc(3, 'hello\n'))]);
    expect(result).toMatchObject({ status: 0, stdout: 'hello\n' });
    expect(result.requests[0].url).toBe(`http://concord.test/api/documents/${ID}`);
    expect((result.requests[0].init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('get -o writes the file and its base record; save then saves over that version', async () => {
    const file = join(dir, 'notes.md');
    expect((await run(['get', ID, '-o', file], [ok(doc(1, 'a\nb\n'))])).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('a\nb\n');
    expect(JSON.parse(readFileSync(baseFileFor(file), 'utf8'))).toMatchObject({ id: ID, version: 1 });

    writeFileSync(file, 'a\nB\n');
    const saved = await run(['save', ID, file], [ok(doc(2, 'a\nB\n'))]);
    expect(saved.status).toBe(0);
    expect((saved.requests[0].init.headers as Record<string, string>)['If-Match']).toBe(doc(1, '').etag);
    expect(JSON.parse(readFileSync(baseFileFor(file), 'utf8'))).toMatchObject({ version: 2 });
  });

  it('save merges with a concurrent change and updates FILE', async () => {
    const file = join(dir, 'notes.md');
    await run(['get', ID, '-o', file], [ok(doc(1, 'a\nb\nc\n'))]);
    writeFileSync(file, 'A\nb\nc\n');
    const result = await run(['save', ID, file], [stale(doc(2, 'a\nb\nC\n')), ok(doc(3, 'A\nb\nC\n'))]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.requests[1].init.body as string)).toEqual({ content: 'A\nb\nC\n' });
    expect(readFileSync(file, 'utf8')).toBe('A\nb\nC\n');
  });

  it('save exits 1 with markers in FILE when a human must decide, and the next save goes over current', async () => {
    const file = join(dir, 'notes.md');
    await run(['get', ID, '-o', file], [ok(doc(1, 'a\nb\nc\n'))]);
    writeFileSync(file, 'a\nmine\nc\n');
    const result = await run(['save', ID, file], [stale(doc(2, 'a\ntheirs\nc\n'))]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('1 conflict(s) with version 2 by Bob');
    expect(readFileSync(file, 'utf8')).toBe('a\n<<<<<<< mine\nmine\n=======\ntheirs\n>>>>>>> theirs\nc\n');

    const refused = await run(['save', ID, file]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('conflict markers');

    writeFileSync(file, 'a\nmine and theirs\nc\n');
    const resolved = await run(['save', ID, file], [ok(doc(3, 'a\nmine and theirs\nc\n'))]);
    expect(resolved.status).toBe(0);
    expect((resolved.requests[0].init.headers as Record<string, string>)['If-Match']).toBe(doc(2, '').etag);
  });

  it('save refuses a file that is not UTF-8 instead of sending U+FFFD for its bytes', async () => {
    const file = join(dir, 'notes.md');
    await run(['get', ID, '-o', file], [ok(doc(1, 'cafe\n'))]);
    const latin1 = Buffer.from('caf\xe9\n', 'latin1');
    writeFileSync(file, latin1);
    const result = await run(['save', ID, file]);
    expect(result).toMatchObject({ status: 2, requests: [] });
    expect(result.stderr).toContain(`${file} is not UTF-8 text`);
    expect(readFileSync(file)).toEqual(latin1);
  });

  it('save keeps a byte order mark', async () => {
    const file = join(dir, 'notes.md');
    await run(['get', ID, '-o', file], [ok(doc(1, '\uFEFFa\n'))]);
    writeFileSync(file, '\uFEFFb\n');
    const result = await run(['save', ID, file], [ok(doc(2, '\uFEFFb\n'))]);
    expect(JSON.parse(result.requests[0].init.body as string)).toEqual({ content: '\uFEFFb\n' });
  });

  it('save names an unreadable FILE', async () => {
    const result = await run(['save', ID, dir]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`cannot read ${dir}: EISDIR`);
  });

  it('get -o does not overwrite edits not saved yet (nor conflict markers)', async () => {
    const file = join(dir, 'notes.md');
    await run(['get', ID, '-o', file], [ok(doc(1, 'a\n'))]);
    writeFileSync(file, 'a\nmy unsaved line\n');
    const refused = await run(['get', ID, '-o', file]);
    expect(refused).toMatchObject({ status: 2, requests: [] });
    expect(refused.stderr).toContain(`${file} has changes that are not saved`);
    expect(readFileSync(file, 'utf8')).toBe('a\nmy unsaved line\n');

    // A file as fetched is refreshed.
    writeFileSync(file, 'a\n');
    expect((await run(['get', ID, '-o', file], [ok(doc(2, 'a\nb\n'))])).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('a\nb\n');
  });

  it('a write that fails leaves no temporary file behind', async () => {
    const target = join(dir, 'folder');
    mkdirSync(target);
    const result = await run(['get', ID, '-o', target], [ok(doc(1, 'a\n'))]);
    expect(result.status).toBe(2);
    expect(readdirSync(dir)).toEqual(['folder']);
  });

  it('after a merged save whose FILE cannot be rewritten, the sidecar stays at the old base', async () => {
    const file = join(dir, 'notes.md');
    await run(['get', ID, '-o', file], [ok(doc(1, 'a\nb\nc\n'))]);
    writeFileSync(file, 'A\nb\nc\n');
    const result = await run(
      ['save', ID, file],
      [
        stale(doc(2, 'a\nb\nC\n')),
        () => {
          // FILE becomes a directory while the retry is on the wire: the rewrite fails.
          rmSync(file);
          mkdirSync(file);
          return ok(doc(3, 'A\nb\nC\n'));
        },
      ],
    );
    expect(result.status).toBe(2);
    // Had it moved to version 3, the next save would send the unmerged text over version 3.
    expect(JSON.parse(readFileSync(baseFileFor(file), 'utf8'))).toMatchObject({ version: 1 });
  });

  it('a merged save names the FILE it rewrote', async () => {
    const file = join(dir, 'notes.md');
    await run(['get', ID, '-o', file], [ok(doc(1, 'a\nb\nc\n'))]);
    writeFileSync(file, 'A\nb\nc\n');
    const result = await run(['save', ID, file], [stale(doc(2, 'a\nb\nC\n')), ok(doc(3, 'A\nb\nC\n'))]);
    expect(result.stderr).toContain(`(${file} updated)`);
  });

  it('a sidecar that is not JSON is reported as such, not as a parse error', async () => {
    const file = join(dir, 'notes.md');
    writeFileSync(file, 'x');
    writeFileSync(baseFileFor(file), '{"id": "trunc');
    const result = await run(['save', ID, file]);
    expect(result).toMatchObject({ status: 2, requests: [] });
    expect(result.stderr).toContain(`${baseFileFor(file)} does not describe document ${ID}`);
  });

  it('save without a base record explains how to get one', async () => {
    const file = join(dir, 'loose.md');
    writeFileSync(file, 'x');
    const result = await run(['save', ID, file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`concord get ${ID} -o`);
    expect(existsSync(baseFileFor(file))).toBe(false);
  });

  it('save --base-version N fetches that version as the base', async () => {
    const file = join(dir, 'loose.md');
    writeFileSync(file, 'x2');
    const result = await run(['save', ID, file, '--base-version', '4'], [ok(doc(4, 'x')), ok(doc(5, 'x2'))]);
    expect(result.status).toBe(0);
    expect(result.requests[0].url).toBe(`http://concord.test/api/documents/${ID}/versions/4`);
  });

  it('reports server errors and usage errors with exit 2', async () => {
    const notFound = new Response(
      JSON.stringify({
        type: 't',
        title: 'Not found',
        status: 404,
        detail: 'No such document.',
        instance: '/x',
        code: 'not_found',
      }),
      { status: 404 },
    );
    const missing = await run(['get', ID], [notFound]);
    expect(missing).toMatchObject({ status: 2 });
    expect(missing.stderr).toContain('404 not_found: No such document.');
    expect((await run(['frobnicate'])).status).toBe(2);
    expect((await run(['get'])).status).toBe(2);
    // An empty ID would GET the document list.
    expect(await run(['get', ''])).toMatchObject({ status: 2, requests: [] });
    writeFileSync(join(dir, 'f'), 'x');
    expect(await run(['save', '', join(dir, 'f'), '--base-version', '1'])).toMatchObject({
      status: 2,
      requests: [],
    });
    for (const version of ['0x10', '1e3', ' 7', '']) {
      const result = await run(['save', ID, join(dir, 'f'), '--base-version', version]);
      expect(result).toMatchObject({ status: 2, requests: [] });
      expect(result.stderr).toContain('--base-version needs a version number');
    }
    expect((await run(['--help'])).status).toBe(0);
  });

  it('a 401 says where the token comes from', async () => {
    const unauthorized = new Response(
      JSON.stringify({
        type: 't',
        title: 'Unauthorized',
        status: 401,
        detail: 'A valid bearer token is required.',
        instance: '/x',
        code: 'unauthorized',
      }),
      { status: 401 },
    );
    const result = await run(['get', ID], [unauthorized]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('pass --token or set CONCORD_TOKEN');
  });
});
