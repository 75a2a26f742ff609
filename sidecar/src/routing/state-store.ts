import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelwatchError, RolloutErrors } from '@modelwatch/core';
import type { RoutingSpec } from '../config/types.js';
import { initialState, type RolloutEvent, type RoutingState } from './routing-state.js';

/** Events kept in memory for the admin API; the file keeps them all. */
const RECENT_EVENTS = 500;
/** Only the tail of a long event log is read back at startup. */
const MAX_EVENT_LOG_READ = 4 * 1024 * 1024;

/**
 * The routing and its events on disk, so a restarted sidecar comes back with the same routing:
 * `routing.json` (replaced atomically: write, then rename) and `events.jsonl` (appended). Without a
 * directory everything stays in memory. Writes happen on admin changes and analysis decisions,
 * never on the request path.
 */
export class RolloutStateStore {
  private state: RoutingState;
  private readonly recent: RolloutEvent[] = [];
  private writes: Promise<void> = Promise.resolve();
  /** True when the routing was read back from disk rather than taken from the configuration. */
  readonly restored: boolean;

  constructor(
    private readonly dir: string | undefined,
    initial: RoutingSpec,
    variants: readonly string[],
  ) {
    const loaded = dir ? this.load(dir, variants) : undefined;
    this.state = loaded ?? initialState(initial);
    this.restored = loaded !== undefined;
  }

  private load(dir: string, variants: readonly string[]): RoutingState | undefined {
    const fail = (path: string, detail: string): never => {
      throw new ModelwatchError(RolloutErrors.stateUnreadable, { path, detail });
    };
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      fail(dir, `cannot create the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const file = join(dir, 'routing.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return fail(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    let s: RoutingState;
    try {
      s = JSON.parse(text) as RoutingState;
    } catch {
      return fail(file, 'not valid JSON; fix or delete it to start from the configured routing');
    }
    const names = [s.primary, s.canary?.variant, s.shadow?.variant].filter((v): v is string => typeof v === 'string');
    const unknown = names.find((n) => !variants.includes(n));
    if (typeof s.primary !== 'string' || typeof s.revision !== 'number') fail(file, 'missing primary or revision');
    if (unknown !== undefined) fail(file, `names variant "${unknown}", which is not configured (configured: ${variants.join(', ')})`);
    this.readEvents(join(dir, 'events.jsonl'));
    return s;
  }

  private readEvents(file: string): void {
    try {
      const size = statSync(file).size;
      const text = readFileSync(file, 'utf8');
      const tail = size > MAX_EVENT_LOG_READ ? text.slice(text.length - MAX_EVENT_LOG_READ) : text;
      for (const line of tail.split('\n')) {
        if (line.trim() === '') continue;
        try {
          this.recent.push(JSON.parse(line) as RolloutEvent);
        } catch {
          // A torn last line (crash mid-append) is skipped; the routing file is the source of truth.
        }
      }
      if (this.recent.length > RECENT_EVENTS) this.recent.splice(0, this.recent.length - RECENT_EVENTS);
    } catch {
      // No event log yet.
    }
  }

  get current(): RoutingState {
    return this.state;
  }

  events(limit = RECENT_EVENTS): RolloutEvent[] {
    return this.recent.slice(-limit);
  }

  /** Makes `event.after` the routing in force and persists both; resolves once on disk. */
  commit(event: RolloutEvent): Promise<void> {
    this.state = event.after;
    this.recent.push(event);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    const dir = this.dir;
    if (!dir) return Promise.resolve();
    const routing = JSON.stringify(event.after, null, 2);
    const line = `${JSON.stringify(event)}\n`;
    // Serialised so a later change can never be overwritten by an earlier, slower write.
    // A failed write (disk full) fails its own commit only; the next change is still written.
    this.writes = this.writes.catch(() => undefined).then(async () => {
      const tmp = join(dir, `routing.json.${process.pid}.tmp`);
      await writeFile(tmp, routing);
      await rename(tmp, join(dir, 'routing.json'));
      await appendFile(join(dir, 'events.jsonl'), line);
    });
    return this.writes;
  }

  async flush(): Promise<void> {
    await this.writes.catch(() => undefined);
  }
}
