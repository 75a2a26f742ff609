import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { Label, SidecarTap } from '@modelwatch/core';
import { resolveConfig } from '../config/resolve.js';
import type { SidecarConfig, SidecarConfigInput } from '../config/types.js';
import { header, renderLabels } from '../metrics/exposition.js';
import { combineWorkerExpositions } from './merge-exposition.js';
import { WORKER_INPUT_ENV, workerInput, type ToPrimary, type ToWorker } from './worker-protocol.js';

export interface RunningWorkers {
  url: string;
  port: number;
  config: SidecarConfig;
  workers: number;
  close(): Promise<void>;
}

/** How long a scrape waits for every worker before answering with those that did answer. */
const SCRAPE_TIMEOUT_MS = 5_000;

/**
 * `--workers N`: N sidecar processes (node:cluster) sharing one port. The primary serves no
 * traffic: it starts the workers, replaces one that dies, and answers their /metrics requests by
 * gathering every worker's exposition and merging them (combineWorkerExpositions), so any worker's
 * /metrics shows the whole sidecar. Connections are spread round-robin by the primary.
 */
export async function startSidecarWorkers(input: SidecarConfigInput, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<RunningWorkers> {
  const config = resolveConfig(input); // fails fast in the primary, with the usual coded message
  const n = config.workers ?? 1;
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker-main.js', import.meta.url)), args: [], silent: false });
  const env = { [WORKER_INPUT_ENV]: JSON.stringify(workerInput(input)) };
  const live = new Set<Worker>();
  let closing = false;
  let firstPort = 0;
  const identity = renderLabels({
    [Label.model]: config.name, [Label.modelVersion]: config.modelVersion, [Label.pipeline]: config.pipeline,
    [Label.stage]: config.stage, [Label.variant]: config.variant,
  });
  const workersGauge = () => `${header(SidecarTap.workers.name, 'gauge', SidecarTap.workers.help)}${SidecarTap.workers.name}{${identity}} ${live.size}\n`;

  let nextScrape = 0;
  const pendingScrapes = new Map<number, { texts: string[]; expected: number; done: () => void }>();
  const scrapeAll = (requester: Worker, requestId: number) => {
    const id = ++nextScrape;
    const workers = [...live];
    const texts: string[] = [];
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      pendingScrapes.delete(id);
      const text = combineWorkerExpositions(texts) + workersGauge();
      if (requester.isConnected()) requester.send({ t: 'scraped', id: requestId, text } satisfies ToWorker);
    };
    const timer = setTimeout(done, SCRAPE_TIMEOUT_MS);
    pendingScrapes.set(id, { texts, expected: workers.length, done });
    for (const w of workers) w.send({ t: 'render', id } satisfies ToWorker);
  };

  const fork = (): Promise<{ port: number; url: string }> => new Promise((resolve, reject) => {
    const w = cluster.fork(env);
    w.on('message', (m: ToPrimary) => {
      if (m.t === 'ready') {
        live.add(w);
        resolve({ port: m.port, url: m.url });
      } else if (m.t === 'failed') reject(new Error(m.message));
      else if (m.t === 'scrape') scrapeAll(w, m.id);
      else if (m.t === 'rendered') {
        const s = pendingScrapes.get(m.id);
        if (!s) return;
        s.texts.push(m.text);
        if (s.texts.length >= s.expected) s.done();
      }
    });
    w.once('exit', (code) => {
      const wasLive = live.delete(w);
      if (!wasLive) reject(new Error(`worker exited with ${code} before listening`));
      else if (!closing) {
        log(`modelwatch sidecar: worker ${w.process.pid} exited with ${code}; starting a replacement`);
        // A worker that dies right after starting would otherwise be replaced in a tight loop.
        setTimeout(() => void fork().catch((err: Error) => log(`modelwatch sidecar: replacement worker failed: ${err.message}`)), 1_000).unref();
      }
    });
  });

  // The first worker binds; the others share its listening handle through the primary (with port
  // 0 too: cluster keys the handle by address and requested port, so every worker gets the same one).
  const first = await fork();
  firstPort = first.port;
  await Promise.all(Array.from({ length: n - 1 }, () => fork()));
  return {
    url: first.url,
    port: firstPort,
    config,
    workers: n,
    async close() {
      closing = true;
      await Promise.all([...live].map((w) => new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.send({ t: 'close' } satisfies ToWorker);
      })));
    },
  };
}
