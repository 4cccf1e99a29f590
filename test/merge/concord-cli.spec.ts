import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithGit, gitMergeFile, writeTriple } from './git-merge-file.helpers';

// `npx concord merge` (the built bin) against `git merge-file -p` on a few files.

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'shared', 'bin', 'concord.js');
let dir = '';
beforeAll(() => {
  // The bin runs the library's build output; build it when this run has not.
  if (!existsSync(join(ROOT, 'shared', 'dist', 'cli', 'main.js'))) {
    const build = spawnSync('npx', ['tsc', '-p', 'shared/tsconfig.lib.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`building shared failed: ${build.stdout}${build.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), 'concord-cli-merge-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function both(base: string, mine: string, theirs: string) {
  const files = writeTriple(dir, base, mine, theirs);
  const concord = spawnSync(process.execPath, [BIN, 'merge', ...files], { encoding: 'utf8' });
  return { concord: { status: concord.status, text: concord.stdout }, git: gitMergeFile(files) };
}

describeWithGit('concord merge (built CLI) vs git merge-file -p', () => {
  const doc = '# Plan\n\n- design\n- build\n- test\n\nShip it on Friday.\n';

  it.each([
    ['edits in different sections', doc.replace('design', 'design the API'), doc.replace('Friday', 'Monday')],
    ['one side only', doc, doc.replace('- test\n', '- test\n- document\n')],
    ['identical changes', doc.replace('build', 'make'), doc.replace('build', 'make')],
    [
      'CRLF file',
      doc.replace(/\n/g, '\r\n').replace('design', 'DESIGN'),
      doc.replace(/\n/g, '\r\n').replace('Ship', 'SHIP'),
    ],
  ])('%s: same text, both clean', (_name, mine, theirs) => {
    const base = _name === 'CRLF file' ? doc.replace(/\n/g, '\r\n') : doc;
    const { concord, git } = both(base, mine, theirs);
    expect(git.status).toBe(0);
    expect(concord).toEqual(git);
  });

  it('same line changed differently: same markers, exit status 1 on both', () => {
    const { concord, git } = both(doc, doc.replace('Friday', 'Monday'), doc.replace('Friday', 'Sunday'));
    expect(git.status).toBe(1);
    expect(concord).toEqual(git);
  });

  it('two conflicts: exit status 2 on both', () => {
    // Far enough apart: git folds conflicts only a few lines apart into one.
    const long = `${doc}\n## Notes\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n\nThe end.\n`;
    const { concord, git } = both(
      long,
      long.replace('design', 'DESIGN').replace('The end', 'Fin'),
      long.replace('design', 'Design!').replace('The end', 'Ende'),
    );
    expect(git.status).toBe(2);
    expect(concord).toEqual(git);
  });

  it('a binary file: refused with 255 on both', () => {
    const files = writeTriple(dir, doc, `${doc}\0\n`, doc.replace('Friday', 'Monday'));
    const [base, mine, theirs] = files;
    const git = spawnSync('git', ['merge-file', '-p', mine, base, theirs], { encoding: 'utf8' });
    const concord = spawnSync(process.execPath, [BIN, 'merge', ...files], { encoding: 'utf8' });
    expect(git.status).toBe(255);
    expect(concord).toMatchObject({ status: 255, stdout: '' });
    expect(concord.stderr).toContain(`cannot merge binary file ${mine}`);
  });

  it('edits to different words of one line: clean where git conflicts', () => {
    const { concord, git } = both(doc, doc.replace('Ship it', 'Release it'), doc.replace('Friday', 'Monday'));
    expect(git.status).toBe(1);
    expect(concord).toEqual({
      status: 0,
      text: doc.replace('Ship it', 'Release it').replace('Friday', 'Monday'),
    });
  });
});
