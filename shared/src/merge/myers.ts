/** One diff run, in diff-match-patch's shape: -1 delete, 0 equal, 1 insert. */
export type DiffOp = -1 | 0 | 1;
export type Diff = [DiffOp, string];

/** A shared, deterministic allowance of diff steps for one operation. */
export interface Budget {
  remaining: number;
}

/** A run of a diff by index: equal and delete runs index `a`, insert runs index `b`. */
export interface Run {
  op: DiffOp;
  from: number;
  to: number;
}

/**
 * Myers' O((N+M)·D) greedy diff of two sequences, with a deterministic work budget.
 *
 * Why not diff-match-patch's `diff_main`: its only guard against quadratic inputs is
 * `Diff_Timeout`, a wall-clock deadline. That makes results depend on machine load (not
 * deterministic, not pure) and silently degrades the diff. Counting steps instead gives the
 * same answer on every machine; when the budget runs out we return `null` and the caller
 * falls back to a coarser but still exact answer (one replace run).
 */
export function myersRuns(a: Int32Array, b: Int32Array, budget: Budget): Run[] | null {
  // Both sequences are Int32Array (line ids or code units) so this hot loop stays monomorphic:
  // a comparison callback, shared by the line and the character pass, made it 10× slower.
  const n = a.length;
  const m = b.length;
  if (n === 0) return m === 0 ? [] : [{ op: 1, from: 0, to: m }];
  if (m === 0) return [{ op: -1, from: 0, to: n }];
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    // Remember V as it was before step d; the backtrack needs it.
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) x = v[offset + k + 1];
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      const startX = x;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      budget.remaining -= x - startX + 1;
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m);
    }
    // The trace copy of this step costs 2d units too.
    budget.remaining -= 2 * d;
    if (budget.remaining < 0) return null;
  }
  return null;
}

function backtrack(trace: Int32Array[], n: number, m: number): Run[] {
  const reversed: Run[] = [];
  const push = (op: DiffOp, from: number, to: number): void => {
    if (to <= from) return;
    const last = reversed[reversed.length - 1];
    // Built back to front: a run that continues the last one extends it to the left.
    if (last !== undefined && last.op === op && last.from === to) last.from = from;
    else reversed.push({ op, from, to });
  };
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const vd = trace[d];
    const at = (k: number): number => vd[k + d + 1];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    push(0, down ? prevX : prevX + 1, x);
    if (down) push(1, prevY, prevY + 1);
    else push(-1, prevX, prevX + 1);
    x = prevX;
    y = prevY;
  }
  push(0, 0, x);
  return reversed.reverse();
}

/** Character-level Myers diff of two strings in diff-match-patch's shape, or null over budget. */
export function myersDiff(a: string, b: string, budget: Budget): Diff[] | null {
  const runs = myersRuns(codeUnits(a), codeUnits(b), budget);
  if (runs === null) return null;
  return runs.map(({ op, from, to }): Diff => [op, (op === 1 ? b : a).slice(from, to)]);
}

function codeUnits(text: string): Int32Array {
  const out = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
