import { type Budget, type Run, myersRuns } from './myers';

/**
 * Which of several equally short line alignments to take. `shortest`: the one Myers finds.
 * `unique-lines`: first pair the lines that occur exactly once in each text (as patience diff
 * does), Myers only between them — where lines repeat (blank lines, a heading used twice) this
 * is the reading a person makes, at the price of a diff that may be a little longer.
 */
export type LineAlignment = 'shortest' | 'unique-lines';

/**
 * The line pass: Myers on line ids, and when that needs more than half the budget (many
 * changed lines: Myers costs about D² for D of them), an anchored diff instead. Anchors are
 * the lines that occur exactly once in each text, kept in the longest run that appears in the
 * same order in both (as in patience diff); Myers then runs only between consecutive anchors,
 * where D is small. A 1 MB document with thousands of scattered edits thus still diffs line by
 * line, while the total work stays within the one budget.
 */
export function lineRuns(
  a: Int32Array,
  b: Int32Array,
  idCount: number,
  budget: Budget,
  alignment: LineAlignment = 'shortest',
): Run[] | null {
  if (alignment === 'unique-lines') {
    const anchored = anchoredRuns(a, b, idCount, budget);
    if (anchored !== null) return anchored;
  }
  const half: Budget = { remaining: budget.remaining / 2 };
  const plain = myersRuns(a, b, half);
  budget.remaining -= budget.remaining / 2 - half.remaining;
  if (plain !== null) return plain;
  return anchoredRuns(a, b, idCount, budget);
}

function anchoredRuns(a: Int32Array, b: Int32Array, idCount: number, budget: Budget): Run[] | null {
  const anchors = uniqueAnchors(a, b, idCount);
  if (anchors.length === 0) return null;
  const runs: Run[] = [];
  const push = (op: Run['op'], from: number, to: number): void => {
    if (to <= from) return;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.op === op && last.to === from) last.to = to;
    else runs.push({ op, from, to });
  };
  let prevA = 0;
  let prevB = 0;
  const gap = (endA: number, endB: number): void => {
    const sub = myersRuns(a.subarray(prevA, endA), b.subarray(prevB, endB), budget);
    if (sub === null) {
      push(-1, prevA, endA);
      push(1, prevB, endB);
    } else {
      for (const run of sub) {
        const offset = run.op === 1 ? prevB : prevA;
        push(run.op, run.from + offset, run.to + offset);
      }
    }
  };
  for (const [i, j] of anchors) {
    if (i < prevA || j < prevB) continue; // already inside an equal run grown from the previous anchor
    gap(i, j);
    let endA = i + 1;
    let endB = j + 1;
    while (endA < a.length && endB < b.length && a[endA] === b[endB]) {
      endA++;
      endB++;
    }
    push(0, i, endA);
    prevA = endA;
    prevB = endB;
  }
  gap(a.length, b.length);
  return runs;
}

/** Pairs (i, j) of lines unique in both texts, the longest chain increasing in both. */
function uniqueAnchors(a: Int32Array, b: Int32Array, idCount: number): [number, number][] {
  // Counts saturate at 2; positions of the (single) occurrence.
  const countA = new Uint8Array(idCount);
  const countB = new Uint8Array(idCount);
  const posB = new Int32Array(idCount);
  const key = (id: number): number => (id < 0 ? -1 - id : id);
  for (let i = 0; i < a.length; i++) if (a[i] >= 0 && countA[key(a[i])] < 2) countA[key(a[i])]++;
  for (let j = 0; j < b.length; j++) {
    if (b[j] < 0) continue;
    const k = key(b[j]);
    if (countB[k] < 2) countB[k]++;
    posB[k] = j;
  }
  const pairs: [number, number][] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] >= 0 && countA[a[i]] === 1 && countB[a[i]] === 1) pairs.push([i, posB[a[i]]]);
  }
  // Longest increasing subsequence of j (patience sorting, O(k log k)).
  const tails: number[] = [];
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let p = 0; p < pairs.length; p++) {
    const j = pairs[p][1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]][1] < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[p] = tails[lo - 1];
    tails[lo] = p;
  }
  const chain: [number, number][] = [];
  for (let p = tails.length > 0 ? tails[tails.length - 1] : -1; p !== -1; p = prev[p]) chain.push(pairs[p]);
  return chain.reverse();
}
