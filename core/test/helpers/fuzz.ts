import fc from 'fast-check';

/**
 * Property-based fuzzing on every `npm test`: a fixed seed so a run is reproducible, bounded runs
 * so the whole fuzz suite stays well under a minute. fast-check's failure message carries the seed
 * and the shrunk counterexample; MW_FUZZ_SEED=<n> replays another seed, MW_FUZZ_RUNS=<n> runs more.
 */
export const FUZZ_SEED = Number(process.env.MW_FUZZ_SEED ?? 20261129);
const RUNS_FACTOR = Number(process.env.MW_FUZZ_RUNS_FACTOR ?? 1);

export function fuzzParams(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS_FACTOR)), endOnFailure: false };
}

/** Runs a property, printing the seed with any failure (fast-check includes it in the message). */
export async function fuzz<T>(what: string, arb: fc.Arbitrary<T>, check: (value: T) => void | Promise<void>, numRuns = 200): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arb, async (v) => {
      await check(v);
    }), fuzzParams(numRuns) as fc.Parameters<[T]>);
  } catch (err) {
    (err as Error).message = `fuzz "${what}" failed with seed ${FUZZ_SEED} (replay: MW_FUZZ_SEED=${FUZZ_SEED}):\n${(err as Error).message}`;
    throw err;
  }
}

/** JSON nested `depth` levels deep, as text (JSON.parse handles it; naive recursion does not). */
export function deepJson(depth: number, open = '[', close = ']', leaf = '1'): string {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

const hostileStrings = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '__proto__', 'constructor', 'prototype', 'NaN', 'Infinity', '-0', '1e999', '%', '%zz', '../../etc/passwd', '\u0000', '\ud800', 'x'.repeat(5000)),
);

const hostileNumbers = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 1e15, Number.MAX_SAFE_INTEGER, -1, 0.5),
);

/** Any JSON value, with the strings and numbers an attacker would pick. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileStrings,
    hostileNumbers,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(hostileStrings, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/**
 * Replaces one field of a valid document (found by walking it) with a hostile value, or deletes it:
 * most generated inputs are then "almost valid", which reaches the deep checks of a parser.
 */
export function mutate<T>(valid: T): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(valid, []);
  return fc.tuple(fc.constantFrom(...paths), fc.option(hostileJsonValue, { nil: undefined }), fc.boolean()).map(([path, replacement, remove]) => {
    if (path.length === 0) return replacement;
    const copy = structuredClone(valid) as Record<string | number, unknown>;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (remove && !Array.isArray(parent)) delete parent[last];
    else parent[last] = replacement;
    return copy;
  });
}

/** Bodies as bytes: mutated valid documents, arbitrary JSON, deep nesting, text, raw bytes. */
export function hostileBody(valid: unknown): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 5, arbitrary: mutate(valid).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 2, arbitrary: hostileJsonValue.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: fc.constantFrom(deepJson(5000), deepJson(5000, '{"a":', '}'), deepJson(100_000)).map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  );
}
