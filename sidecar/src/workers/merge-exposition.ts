/**
 * Combines the Prometheus text expositions of several worker processes into one (unlike
 * routing/exposition-merge.ts, which joins the distinct series of variants, this adds up the
 * same series across processes), so a scrape of any
 * worker sees the whole sidecar. Series with the same name and labels are combined: counters,
 * histogram buckets/sums/counts and most gauges add up (requests in flight, memory, handles);
 * the gauges that describe a state rather than an amount take the largest value (info metrics,
 * baseline loaded, event-loop lag) or the smallest (process start time). Families keep the order
 * in which they first appear; HELP/TYPE lines are written once.
 */
const MAX_GAUGES = [/_info$/, /^modelwatch_baseline_loaded$/, /^nodejs_eventloop_lag/, /^nodejs_version_info$/];
const MIN_GAUGES = [/^process_start_time_seconds$/];

type Combine = 'sum' | 'max' | 'min';

interface Family {
  meta: string[];
  samples: Map<string, number>;
}

function combineOf(family: string, type: string): Combine {
  if (type !== 'gauge') return 'sum';
  if (MAX_GAUGES.some((r) => r.test(family))) return 'max';
  if (MIN_GAUGES.some((r) => r.test(family))) return 'min';
  return 'sum';
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

export function combineWorkerExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const combines = new Map<string, Combine>();
  for (const text of texts) {
    let current: Family | undefined;
    let currentName = '';
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        const [, kind, name, ...rest] = line.split(' ');
        if (kind !== 'HELP' && kind !== 'TYPE') continue;
        currentName = name;
        let f = families.get(name);
        if (!f) {
          f = { meta: [], samples: new Map() };
          families.set(name, f);
        }
        if (!f.meta.some((m) => m.startsWith(`# ${kind} `))) f.meta.push(line);
        if (kind === 'TYPE') combines.set(name, combineOf(name, rest[0] ?? 'untyped'));
        current = f;
        continue;
      }
      const space = line.lastIndexOf(' ');
      const key = line.slice(0, space);
      const value = parseValue(line.slice(space + 1));
      if (!current) {
        current = { meta: [], samples: new Map() };
        families.set(key, current);
      }
      const combine = combines.get(currentName) ?? 'sum';
      const prev = current.samples.get(key);
      current.samples.set(key, prev === undefined ? value
        : combine === 'max' ? Math.max(prev, value)
          : combine === 'min' ? Math.min(prev, value)
            : prev + value);
    }
  }
  const out: string[] = [];
  for (const f of families.values()) {
    out.push(...f.meta);
    for (const [k, v] of f.samples) out.push(`${k} ${formatValue(v)}`);
  }
  return `${out.join('\n')}\n`;
}
