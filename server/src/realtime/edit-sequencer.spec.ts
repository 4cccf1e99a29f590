import { EditSequencer, type SequencedEdit } from './edit-sequencer';

const edit = (version: number, documentId = 'd'): SequencedEdit => ({
  documentId,
  baseVersion: version - 1,
  version,
});

describe('EditSequencer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function harness(holdMs = 25) {
    const sent: string[] = [];
    const sequencer = new EditSequencer<SequencedEdit>(
      (e) => sent.push(`${e.documentId}:${e.version}`),
      holdMs,
    );
    return { sent, sequencer };
  }

  it('sends edits that arrive in order at once', () => {
    const { sent, sequencer } = harness();
    [2, 3, 4].forEach((v) => sequencer.push(edit(v)));
    expect(sent).toEqual(['d:2', 'd:3', 'd:4']);
  });

  it('holds an edit that overtook its predecessor until the predecessor arrives', () => {
    const { sent, sequencer } = harness();
    sequencer.push(edit(2));
    sequencer.push(edit(4));
    sequencer.push(edit(5));
    expect(sent).toEqual(['d:2']);
    sequencer.push(edit(3));
    expect(sent).toEqual(['d:2', 'd:3', 'd:4', 'd:5']);
    jest.advanceTimersByTime(100);
    expect(sent).toHaveLength(4);
  });

  it('sends held edits in order after holdMs when the gap is another instance’s write', () => {
    const { sent, sequencer } = harness(25);
    sequencer.push(edit(2));
    sequencer.push(edit(5));
    sequencer.push(edit(4));
    jest.advanceTimersByTime(24);
    expect(sent).toEqual(['d:2']);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual(['d:2', 'd:4', 'd:5']);
    sequencer.push(edit(6));
    expect(sent).toEqual(['d:2', 'd:4', 'd:5', 'd:6']);
  });

  it('keeps documents independent', () => {
    const { sent, sequencer } = harness();
    sequencer.push(edit(2, 'a'));
    sequencer.push(edit(7, 'b'));
    sequencer.push(edit(4, 'a'));
    sequencer.push(edit(8, 'b'));
    expect(sent).toEqual(['a:2', 'b:7', 'b:8']);
    sequencer.push(edit(3, 'a'));
    expect(sent).toEqual(['a:2', 'b:7', 'b:8', 'a:3', 'a:4']);
  });
});
