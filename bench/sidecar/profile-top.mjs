// Summarises a V8 CPU profile (node --cpu-prof; bench/sidecar/run.ts --cpu-prof writes them):
//   node bench/sidecar/profile-top.mjs <file.cpuprofile> [rows]
//   node bench/sidecar/profile-top.mjs <file.cpuprofile> [rows] --requests N [--skip-ms 1500]
//       µs of main-thread time per request instead of shares: sample time (timeDeltas) after the first
//       `skip-ms` (start-up), idle left out, divided by N (the requests the server handled).
// Prints the share of samples per function, self time and inclusive (each function counted once
// per sample, however deep it recurses), largest first; "(idle)" is the event loop waiting.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const flag = (name) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : undefined);
const requests = flag('--requests');
const skipUs = (flag('--skip-ms') ?? 1500) * 1000;
const [file, rowsArg] = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;

// Weight of each sample: 1 (shares), or the time up to it (µs per request, start-up and idle left out).
const weights = new Map();
let elapsed = 0;
profile.samples.forEach((id, i) => {
  elapsed += profile.timeDeltas[i] ?? 0;
  if (requests !== undefined && (elapsed < skipUs || byId.get(id).callFrame.functionName === '(idle)')) return;
  weights.set(id, (weights.get(id) ?? 0) + (requests !== undefined ? profile.timeDeltas[i] ?? 0 : 1));
});
const self = new Map();
const inclusive = new Map();
for (const [id, w] of weights) {
  const key = name(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + w);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + w);
  }
}
const total = [...weights.values()].reduce((a, b) => a + b, 0);
const show = requests !== undefined
  ? (v) => `${(v / requests).toFixed(2).padStart(7)} µs`
  : (v) => `${((v / total) * 100).toFixed(2).padStart(6)}%`;
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, rows);
console.log(requests !== undefined ? `busy main thread ${show(total)} per request (${requests} requests)` : `${total} samples`);
console.log('--- self');
for (const [k, v] of top(self)) console.log(show(v), k);
console.log('--- inclusive');
for (const [k, v] of top(inclusive)) console.log(show(v), k);
