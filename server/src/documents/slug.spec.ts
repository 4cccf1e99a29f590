import { SLUG_PATTERN } from '@concord/shared';
import { firstFreeSlug, isValidSlug, slugify } from './slug';

describe('slugify', () => {
  it.each([
    ['Meeting Notes', 'meeting-notes'],
    ['  Ünïcödé   café — Überblick! ', 'unicode-cafe-uberblick'],
    ['Straße 42', 'strasse-42'],
    ['--a--b--', 'a-b'],
    ['🎉🎉', 'document'],
    ['日本語', 'document'],
  ])('turns %j into %j', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('always yields a valid slug, short enough to take a suffix', () => {
    const long = slugify('word '.repeat(100));
    expect(SLUG_PATTERN.test(long)).toBe(true);
    expect(long.length).toBeLessThanOrEqual(112);
    expect(isValidSlug(`${long}-9999`)).toBe(true);
  });
});

describe('firstFreeSlug', () => {
  it('keeps the base when it is free', () => {
    expect(firstFreeSlug('notes', ['notes-2'])).toBe('notes');
  });
  it('numbers from 2 and fills gaps', () => {
    expect(firstFreeSlug('notes', ['notes'])).toBe('notes-2');
    expect(firstFreeSlug('notes', ['notes', 'notes-2', 'notes-4'])).toBe('notes-3');
  });
});
