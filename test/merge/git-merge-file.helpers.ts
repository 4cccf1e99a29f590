import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const hasGit = spawnSync('git', ['--version']).status === 0;

/** `describe` when git is installed; otherwise a loud skip, or a failure under CI=true. */
export function describeWithGit(name: string, body: () => void): void {
  if (hasGit) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs git', () => {
        throw new Error(
          'git is required for the merge comparison suites (CI=true: a missing tool fails the run)',
        );
      });
    });
  } else {
    console.warn(`WARNING: git not found; "${name}" is SKIPPED`);
    describe.skip(name, body);
  }
}

/** Write base, mine and theirs into `dir`; returns their paths in that order. */
export function writeTriple(
  dir: string,
  base: string,
  mine: string,
  theirs: string,
): [string, string, string] {
  const files: [string, string, string] = [
    join(dir, 'base.md'),
    join(dir, 'mine.md'),
    join(dir, 'theirs.md'),
  ];
  writeFileSync(files[0], base);
  writeFileSync(files[1], mine);
  writeFileSync(files[2], theirs);
  return files;
}

/** `git merge-file -p` with Concord's marker labels; status = number of conflicts. */
export function gitMergeFile(files: [string, string, string]): { status: number; text: string } {
  const [base, mine, theirs] = files;
  const result = spawnSync(
    'git',
    ['merge-file', '-p', '-L', 'mine', '-L', 'base', '-L', 'theirs', mine, base, theirs],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status === null || result.status < 0 || result.status > 127) {
    throw new Error(`git merge-file failed: ${result.stderr}`);
  }
  return { status: result.status, text: result.stdout };
}
