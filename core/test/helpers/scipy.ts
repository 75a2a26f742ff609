/**
 * Runs a Python snippet with Debian's python3 (which has SciPy 1.10) on JSON input and returns
 * its JSON output. The snippet reads `data` and assigns `out`. One process per call: batch cases.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export function scipy<T>(snippet: string, data: unknown): T {
  const program = `import json, sys, math\nimport numpy as np\nimport scipy.stats as st\nfrom scipy.spatial import distance\ndata = json.load(sys.stdin)\n${snippet}\ndef clean(v):\n  if isinstance(v, float) and not math.isfinite(v): return None\n  if isinstance(v, (list, tuple)): return [clean(x) for x in v]\n  if isinstance(v, dict): return {k: clean(x) for k, x in v.items()}\n  if hasattr(v, 'item'): return clean(v.item())\n  return v\nprint(json.dumps(clean(out)))\n`;
  const r = spawnSync(PYTHON, ['-c', program], { input: JSON.stringify(data), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Deterministic generator (mulberry32) so SciPy and TypeScript see the same inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller). */
export function normals(n: number, seed: number, mean = 0, sd = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

export const TOL = 1e-9;

/** |a − b| ≤ TOL, treating null (non-finite on the Python side) as NaN. */
export function close(a: number, b: number | null, tol = TOL): boolean {
  if (b === null) return !Number.isFinite(a);
  return Math.abs(a - b) <= tol;
}
