/**
 * The drifted-feature rule's source: polls the collector's latest drift reports of the model and
 * hands the names of the input features currently flagged as drifted (in any window) to the
 * marker. Off the request path; a failed poll keeps the last known set and retries next time.
 */
export interface DriftWatchOptions {
  collectorUrl: string;
  model: string;
  token?: string;
  fetchOptions?: Record<string, unknown>;
  everyMs?: number;
  onDrifted(features: ReadonlySet<string>): void;
  onError?(message: string): void;
}

interface DriftBody {
  reports?: { report?: { features?: { feature?: unknown; kind?: unknown; verdict?: unknown }[] } }[];
}

/** Feature names flagged as drifted in a GET /api/v1/models/{model}/drift answer (inputs only). */
export function driftedFeatures(body: unknown): Set<string> {
  const out = new Set<string>();
  for (const r of (body as DriftBody | null)?.reports ?? []) {
    for (const f of r.report?.features ?? []) {
      if (f.kind === 'input' && f.verdict === 'drift' && typeof f.feature === 'string') out.add(f.feature);
    }
  }
  return out;
}

export class DriftWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly url: URL;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: DriftWatchOptions) {
    const base = o.collectorUrl.endsWith('/') ? o.collectorUrl : `${o.collectorUrl}/`;
    this.url = new URL(`api/v1/models/${encodeURIComponent(o.model)}/drift`, base);
    this.headers = o.token ? { authorization: `Bearer ${o.token}` } : {};
  }

  /** One poll now. */
  poll(): Promise<void> {
    this.running = this.running.then(async () => {
      try {
        const res = await fetch(this.url, { ...this.o.fetchOptions, headers: this.headers, signal: AbortSignal.timeout(10_000) });
        if (res.status === 404) {
          // No baseline at the collector yet: nothing can be drifted.
          await res.arrayBuffer();
          this.o.onDrifted(new Set());
          return;
        }
        if (!res.ok) {
          await res.arrayBuffer();
          this.o.onError?.(`review: drift poll answered HTTP ${res.status}`);
          return;
        }
        this.o.onDrifted(driftedFeatures(await res.json()));
      } catch (err) {
        this.o.onError?.(`review: drift poll failed: ${(err as Error).message}`);
      }
    });
    return this.running;
  }

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.o.everyMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
