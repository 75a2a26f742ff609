import { FEATURE_NAMES, loadNewYork, loadSeattle } from '@modelwatch/examples/seattle-weather';

/**
 * The demo's human in the loop: works the collector's review queue through the same API as the
 * reviewer page (claim the next item, decide it), answering with the day's real weather, found by
 * the day's features. It decides a few items a second, so the queue, the agreement by confidence
 * band and the automation report have data while the demo runs.
 */
export interface DemoReviewerOptions {
  collectorUrl: string;
  model: string;
  /** Decisions per round and the pause between rounds (a person's pace, compressed). */
  perRound?: number;
  everyMs?: number;
  log?: (line: string) => void;
}

export interface DemoReviewer {
  decided(): number;
  stop(): Promise<void>;
}

/** Features as the sidecar records them (FP32 on the wire), rounded so both sides give the same key. */
function key(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'number' ? Math.fround(v).toFixed(3) : String(v))).join('|');
}

export function startDemoReviewer(o: DemoReviewerOptions): DemoReviewer {
  const truth = new Map<string, string>();
  for (const row of [...loadSeattle(), ...loadNewYork()]) if (!truth.has(key(row.features))) truth.set(key(row.features), row.label);
  const skip: string[] = [];
  let decided = 0;
  let stopped = false;
  const api = async (path: string, body: unknown) =>
    fetch(`${o.collectorUrl}/api/v1/review${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function round(): Promise<void> {
    for (let i = 0; i < (o.perRound ?? 3) && !stopped; i++) {
      const res = await api('/claims', { model: o.model, reviewer: 'demo-reviewer', skip: skip.slice(-100) });
      if (res.status !== 200) {
        await res.arrayBuffer();
        return;
      }
      const { item } = (await res.json()) as { item: { predictionId: string; record: { inputs?: Record<string, unknown> } } };
      const inputs = item.record.inputs ?? {};
      const label = truth.get(key(FEATURE_NAMES.map((n) => inputs[n])));
      if (label === undefined) {
        skip.push(item.predictionId);
        continue;
      }
      const done = await api(`/${encodeURIComponent(item.predictionId)}`, { model: o.model, reviewer: 'demo-reviewer', label });
      await done.arrayBuffer();
      if (done.ok) decided++;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = round()
      .catch((err) => o.log?.(`demo reviewer: ${(err as Error).message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.everyMs ?? 1000);
      });
  };
  tick();
  return {
    decided: () => decided,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
