// Summarises a V8 CPU profile (node --cpu-prof; bench/sidecar/run.ts --cpu-prof writes them):
//   node bench/sidecar/profile-top.mjs <file.cpuprofile> [rows]
// Prints the share of samples per function, self time and inclusive (each function counted once
// per sample, however deep it recurses), largest first; "(idle)" is the event loop waiting.
import { readFileSync } from 'node:fs';

const [file, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;

const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const self = new Map();
const inclusive = new Map();
for (const [id, count] of hits) {
  const key = name(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + count);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + count);
  }
}
const total = profile.samples.length;
const pct = (v) => `${((v / total) * 100).toFixed(2).padStart(6)}%`;
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, rows);
console.log(`${total} samples`);
console.log('--- self');
for (const [k, v] of top(self)) console.log(pct(v), k);
console.log('--- inclusive');
for (const [k, v] of top(inclusive)) console.log(pct(v), k);
