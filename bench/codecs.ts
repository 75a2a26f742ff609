/**
 * Codec cost on the request path: parsing 20-feature requests and their responses with each
 * protocol codec, side by side with a bare JSON.parse of the same bytes (the floor any JSON
 * codec pays). Run: `npx tsx bench/codecs.ts` (after `npx tsc -b`).
 */
import { createProtocolCodec } from '../sidecar/src/protocols/registry.js';
import type { ProtocolCodec } from '../sidecar/src/protocols/codec.js';

const FEATURES = 20;
const names = Array.from({ length: FEATURES }, (_, j) => `f${j}`);

function rows(n: number): number[][] {
  return Array.from({ length: n }, (_, r) => names.map((_, j) => Math.round(((r + 1) * (j + 3) * 7919) % 10_000) / 100));
}

function probs(n: number): number[][] {
  return Array.from({ length: n }, () => [0.1, 0.2, 0.3, 0.15, 0.25]);
}

function payloads(batch: number): Record<string, { codec: ProtocolCodec; req: Buffer; res: Buffer; headers: Record<string, string> }> {
  const data = rows(batch);
  const j = (v: unknown) => Buffer.from(JSON.stringify(v));
  return {
    oip: {
      codec: createProtocolCodec({ protocol: 'oip', featureNames: names }),
      req: j({ inputs: [{ name: 'input', shape: [batch, FEATURES], datatype: 'FP32', data: data.flat() }] }),
      res: j({ model_name: 'm', outputs: [{ name: 'probabilities', shape: [batch, 5], datatype: 'FP32', data: probs(batch).flat() }] }),
      headers: {},
    },
    tfserving: {
      codec: createProtocolCodec({ protocol: 'tfserving', featureNames: names }),
      req: j({ instances: data }),
      res: j({ predictions: probs(batch) }),
      headers: {},
    },
    mlflow: {
      codec: createProtocolCodec({ protocol: 'mlflow' }),
      req: j({ dataframe_split: { columns: names, data } }),
      res: j({ predictions: probs(batch) }),
      headers: { 'content-type': 'application/json' },
    },
    json: {
      codec: createProtocolCodec({ protocol: 'json', path: '/predict', inputs: '/rows', outputs: '/scores', featureNames: names }),
      req: j({ rows: data }),
      res: j({ scores: probs(batch) }),
      headers: {},
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function once(fn: () => unknown, iterations: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / iterations;
}

/**
 * µs per call, median of 9 rounds; the candidates are timed alternately within each round so a
 * busy machine slows them alike, and the ratio is the median of per-round ratios.
 */
function compare(fns: (() => unknown)[], iterations: number): { us: number[]; ratio: number } {
  for (const fn of fns) once(fn, iterations / 10);
  const per: number[][] = fns.map(() => []);
  const ratios: number[] = [];
  for (let k = 0; k < 9; k++) {
    const t = fns.map((fn) => once(fn, iterations));
    t.forEach((v, i) => per[i].push(v));
    ratios.push(t[1] / t[0]);
  }
  return { us: per.map(median), ratio: median(ratios) };
}

const out: string[] = ['| protocol | batch | JSON.parse µs | parse request µs | ratio | parse response µs |', '|---|---:|---:|---:|---:|---:|'];
for (const batch of [1, 32]) {
  const iterations = batch === 1 ? 50_000 : 5_000;
  for (const [name, p] of Object.entries(payloads(batch))) {
    const check = p.codec.parseRequest(p.req, p.headers);
    if (!check.ok || check.value.columns.size !== FEATURES) throw new Error(`${name}: payload did not parse to ${FEATURES} features`);
    const { us: [base, req, res], ratio } = compare([
      () => JSON.parse(p.req.toString('utf8')),
      () => p.codec.parseRequest(p.req, p.headers),
      () => p.codec.parseResponse(p.res, p.headers),
    ], iterations);
    out.push(`| ${name} | ${batch} | ${base.toFixed(2)} | ${req.toFixed(2)} | ${ratio.toFixed(2)}× | ${res.toFixed(2)} |`);
  }
}
console.log(`Codec cost, ${FEATURES} features, Node ${process.version}\n`);
console.log(out.join('\n'));
