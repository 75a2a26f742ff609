import { WindowError } from './window-source.js';

export interface LeSample {
  le: string;
  value: number;
}

function sameEdge(a: number, b: number): boolean {
  // Both sides print the shortest round-tripping decimal, so equal edges parse equal; the tiny
  // relative slack only absorbs exporters that print a digit more or less.
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Turns cumulative Prometheus `le` buckets (already summed across replicas) into per-bin counts
 * aligned to the baseline edges: bin 0 = (-inf, e0], bin i = (e(i-1), e(i)], last = (e(n-1), +inf).
 * The bucket bounds must be exactly the baseline edges plus +Inf; anything else means the sidecar
 * binned with other edges, and the caller counts an evaluation error rather than guessing.
 * `increase()` extrapolates, so cumulative values can dip by rounding: negative bins clamp to 0.
 */
export function bucketsToCounts(edges: readonly number[], samples: readonly LeSample[], what: string): number[] {
  const finite: { bound: number; value: number }[] = [];
  let inf: number | undefined;
  for (const s of samples) {
    const bound = s.le === '+Inf' ? Infinity : Number(s.le);
    if (Number.isNaN(bound)) throw new WindowError('bucket_mismatch', `${what}: bucket le="${s.le}" is not a number`);
    const value = Number.isFinite(s.value) ? s.value : 0;
    if (bound === Infinity) inf = value;
    else finite.push({ bound, value });
  }
  finite.sort((a, b) => a.bound - b.bound);
  if (inf === undefined || finite.length !== edges.length || finite.some((f, i) => !sameEdge(f.bound, edges[i]))) {
    const got = finite.map((f) => f.bound).join(',');
    throw new WindowError(
      'bucket_mismatch',
      `${what}: live buckets [${got}${inf === undefined ? '' : ',+Inf'}] do not match the baseline edges [${edges.join(',')},+Inf]`,
    );
  }
  const counts = new Array<number>(edges.length + 1);
  let previous = 0;
  for (let i = 0; i < finite.length; i++) {
    counts[i] = Math.max(0, finite[i].value - previous);
    previous = Math.max(previous, finite[i].value);
  }
  counts[edges.length] = Math.max(0, inf - previous);
  return counts;
}
