/** One diff run, in diff-match-patch's shape: -1 delete, 0 equal, 1 insert. */
export type DiffOp = -1 | 0 | 1;
export type Diff = [DiffOp, string];

/**
 * Myers' O((N+M)·D) greedy diff over UTF-16 code units, with a deterministic work budget.
 *
 * Why not diff-match-patch's `diff_main`: its only guard against quadratic inputs is
 * `Diff_Timeout`, a wall-clock deadline. That makes results depend on machine load (not
 * deterministic, not pure) and silently degrades the diff. Counting steps instead gives the
 * same answer on every machine; when the budget runs out we return `null` and the caller
 * falls back to a coarser but still exact answer (one replace run).
 */
export function myersDiff(a: string, b: string, budget: Budget): Diff[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m === 0 ? [] : [[1, b]];
  if (m === 0) return [[-1, a]];
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
      while (x < n && y < m && a.charCodeAt(x) === b.charCodeAt(y)) {
        x++;
        y++;
      }
      budget.remaining -= x - startX + 1;
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, n, m);
    }
    if (budget.remaining < 0) return null;
  }
  return null;
}

/** A shared, deterministic allowance of diff steps for one operation. */
export interface Budget {
  remaining: number;
}

function backtrack(a: string, b: string, trace: Int32Array[], n: number, m: number): Diff[] {
  const reversed: Diff[] = [];
  const push = (op: DiffOp, text: string): void => {
    if (text.length === 0) return;
    const last = reversed[reversed.length - 1];
    // Built back to front, so a run's earlier text goes in front.
    if (last !== undefined && last[0] === op) last[1] = text + last[1];
    else reversed.push([op, text]);
  };
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const vd = trace[d];
    const at = (k: number): number => vd[k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const snakeX = prevK === k + 1 ? prevX : prevX + 1;
    push(0, a.slice(snakeX, x));
    if (prevK === k + 1) push(1, b.charAt(prevY));
    else push(-1, a.charAt(prevX));
    x = prevX;
    y = prevY;
  }
  push(0, a.slice(0, x));
  return reversed.reverse();
}
