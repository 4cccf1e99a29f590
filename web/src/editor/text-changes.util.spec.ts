import { ChangeSet, Text } from '@codemirror/state';
import { applyChanges, diffChanges } from './text-changes.util';

describe('text changes', () => {
  it('apply byte for byte, CRLF and several changes included', () => {
    const from = 'one\r\ntwo\nthree\n';
    const changes = ChangeSet.of([{ from: 0, to: 3, insert: 'ONE' }, { from: 9, insert: 'and\nthen ' }, { from: 14, to: 15 }], from.length, '\n');
    expect(applyChanges(changes, from)).toBe('ONE\r\ntwo\nand\nthen three');
    expect(applyChanges(diffChanges(from, 'x\r\ny'), from)).toBe('x\r\ny');
    expect(() => applyChanges(changes, 'short')).toThrow(RangeError);
  });

  it('gives what a round trip through a CodeMirror Text gives, keystroke after keystroke in a megabyte', () => {
    // Equivalence only: the speed-up (≈ 8× at 1 MiB, docs/web.md) is measured in a browser, not asserted here.
    const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n';
    let text = line.repeat(Math.ceil((1024 * 1024) / line.length));
    let viaText = text;
    for (let i = 0; i < 40; i++) {
      const keystroke = ChangeSet.of({ from: 500_000 + i, insert: 'x' }, text.length);
      viaText = keystroke.apply(Text.of(viaText.split('\n'))).toString();
      text = applyChanges(keystroke, text);
    }
    expect(text).toBe(viaText);
  });
});
