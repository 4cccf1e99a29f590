import { makePatch } from '@concord/shared';
import {
  BrokenHistoryError,
  isKeyframe,
  KEYFRAME_INTERVAL,
  replayVersions,
  type StoredVersion,
} from './version-history';

/** Rows as the write path stores them: text on keyframes, the patch from the previous version always. */
function stored(texts: string[]): StoredVersion[] {
  return texts.map((text, index) => ({
    version: index + 1,
    content: isKeyframe(index + 1) ? text : null,
    patch: makePatch(texts[index - 1] ?? '', text),
  }));
}

describe('version history (keyframes and patches)', () => {
  const texts = Array.from({ length: 3 * KEYFRAME_INTERVAL + 5 }, (_, i) =>
    Array.from(
      { length: (i % 7) + 2 },
      (_, line) => `line ${line} of v${i + 1} ${'é🎉'.repeat(line % 3)}`,
    ).join('\n'),
  );

  it('keeps the text of version 1 and every KEYFRAME_INTERVAL-th version only', () => {
    const keyframes = stored(texts)
      .filter((row) => row.content !== null)
      .map((row) => row.version);
    expect(keyframes).toEqual([1, KEYFRAME_INTERVAL, 2 * KEYFRAME_INTERVAL, 3 * KEYFRAME_INTERVAL]);
  });

  it('replays every version exactly, from whichever keyframe the rows start at', () => {
    const rows = stored(texts);
    const all = replayVersions(
      rows,
      texts.map((_, index) => index + 1),
    );
    expect([...all.values()]).toEqual(texts);
    const fromSecondKeyframe = rows.slice(KEYFRAME_INTERVAL - 1);
    const some = replayVersions(fromSecondKeyframe, [KEYFRAME_INTERVAL + 3, 2 * KEYFRAME_INTERVAL + 1]);
    expect(some).toEqual(
      new Map([
        [KEYFRAME_INTERVAL + 3, texts[KEYFRAME_INTERVAL + 2]],
        [2 * KEYFRAME_INTERVAL + 1, texts[2 * KEYFRAME_INTERVAL]],
      ]),
    );
  });

  it('replays versions whose text did not change (a rename, archive or restore: an empty patch)', () => {
    const same = ['a\n', 'a\n', 'a\nb\n', 'a\nb\n', 'a\nb\n'];
    expect([...replayVersions(stored(same), [1, 2, 3, 4, 5]).values()]).toEqual(same);
  });

  it('leaves out versions the rows do not reach', () => {
    expect(replayVersions(stored(texts.slice(0, 3)), [2, 7])).toEqual(new Map([[2, texts[1]]]));
    expect(replayVersions([], [1])).toEqual(new Map());
  });

  it('refuses a broken chain instead of answering a wrong text', () => {
    const rows = stored(texts.slice(0, 6));
    expect(() => replayVersions([...rows.slice(0, 2), ...rows.slice(3)], [6])).toThrow(BrokenHistoryError);
    expect(() => replayVersions(rows.slice(1), [3])).toThrow(/version 2 has no text/);
    const wrongPatch = rows.map((row) =>
      row.version === 4 ? { ...row, patch: makePatch('other', 'text') } : row,
    );
    expect(() => replayVersions(wrongPatch, [5])).toThrow(/the patch of version 4/);
    const noPatch = rows.map((row) => (row.version === 4 ? { ...row, patch: null } : row));
    expect(() => replayVersions(noPatch, [5])).toThrow(/neither text nor patch/);
  });
});
