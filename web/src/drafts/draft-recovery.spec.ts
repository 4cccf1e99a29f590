import { makePatch, type Draft } from '@concord/shared';
import { draftText, GONE, mergeBase, needsBase, planRecovery, previewOf } from './draft-recovery';

const BASE = 'The first line.\nThe second line.\nThe third line.\n';

function draft(fields: Partial<Draft>): Draft {
  return {
    id: '3f0e8a52-7d0e-4a8e-9d53-3f1f2b6f4a11',
    documentId: '0b7c5a52-7d0e-4a8e-9d53-3f1f2b6f4a11',
    baseVersion: 3,
    title: null,
    content: null,
    patch: null,
    createdAt: '2026-11-25T10:00:00.000Z',
    ...fields,
  };
}

describe('draftText', () => {
  it('is the body of a REST PUT as it was sent, whatever the base', () => {
    const put = draft({ content: 'Mine entirely.' });
    expect(needsBase(put)).toBe(false);
    expect(draftText(put, null)).toEqual({ ok: true, text: 'Mine entirely.' });
    expect(draftText({ ...put, baseVersion: null }, null)).toEqual({ ok: true, text: 'Mine entirely.' });
  });

  it('applies a socket edit’s patch to its base version', () => {
    const edit = draft({ patch: makePatch(BASE, BASE.replace('second', 'middle')) });
    expect(needsBase(edit)).toBe(true);
    expect(draftText(edit, BASE)).toEqual({ ok: true, text: BASE.replace('second', 'middle') });
  });

  it('has no text when the patch does not apply, its base is gone or unknown, or it only renamed', () => {
    const patch = makePatch(BASE, BASE.replace('second', 'middle'));
    expect(draftText(draft({ patch }), 'Something else entirely.')).toEqual({
      ok: false,
      reason: 'does-not-apply',
    });
    expect(draftText(draft({ patch: 'not a patch' }), BASE)).toEqual({ ok: false, reason: 'does-not-apply' });
    expect(draftText(draft({ patch }), GONE)).toEqual({ ok: false, reason: 'base-gone' });
    expect(draftText(draft({ patch, baseVersion: null }), null)).toEqual({
      ok: false,
      reason: 'unknown-base',
    });
    expect(needsBase(draft({ patch, baseVersion: null }))).toBe(false);
    expect(draftText(draft({ title: 'New title' }), BASE)).toEqual({ ok: false, reason: 'no-text' });
  });
});

describe('mergeBase', () => {
  it('needs the base version’s text: without it the draft can only be copied', () => {
    expect(mergeBase(draft({ content: 'x' }), BASE)).toEqual({ ok: true, base: BASE });
    expect(mergeBase(draft({ content: 'x', baseVersion: null }), null)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/which version/),
    });
    expect(mergeBase(draft({ content: 'x' }), GONE)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no longer available/),
    });
  });
});

describe('planRecovery', () => {
  it('merges a draft into a document changed elsewhere since', () => {
    const mine = BASE.replace('first', 'opening');
    const current = `${BASE.replace('third', 'last')}A line typed since.\n`;
    expect(planRecovery(BASE, mine, current)).toEqual({
      kind: 'merged',
      text: 'The opening line.\nThe second line.\nThe last line.\nA line typed since.\n',
    });
  });

  it('leaves the document alone when the draft overlaps changes made since', () => {
    const mine = BASE.replace('second', 'middle');
    const current = BASE.replace('second', 'centre');
    expect(planRecovery(BASE, mine, current)).toEqual({ kind: 'overlap', conflicts: 1 });
  });

  it('says so when the document already holds every change of the draft', () => {
    const mine = BASE.replace('second', 'middle');
    expect(planRecovery(BASE, mine, `${mine}More.\n`)).toEqual({ kind: 'present' });
    expect(planRecovery(BASE, BASE, BASE.replace('first', 'top'))).toEqual({ kind: 'present' });
  });
});

describe('previewOf', () => {
  it('keeps a short text whole and cuts a long one without splitting a surrogate pair', () => {
    expect(previewOf('short', 10)).toEqual({ text: 'short', cut: false });
    expect(previewOf('abcdefghijkl', 10)).toEqual({ text: 'abcdefghij', cut: true });
    expect(previewOf('abcdefghi😀xyz', 10)).toEqual({ text: 'abcdefghi', cut: true });
  });
});
