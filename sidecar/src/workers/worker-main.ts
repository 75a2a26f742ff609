/**
 * Entry point of one sidecar worker process (forked by startSidecarWorkers). Serves the shared
 * port like a single sidecar; its /metrics asks the primary, which gathers every worker's metrics
 * and merges them. Signals go to the primary, which closes the workers in order.
 */
import { startSidecar } from '../server/sidecar-server.js';
import { WORKER_INPUT_ENV, type ToPrimary, type ToWorker } from './worker-protocol.js';

const send = (m: ToPrimary) => process.send?.(m);
let nextId = 0;
const waiting = new Map<number, (text: string) => void>();

// Ctrl-C reaches the whole process group: the primary decides when workers stop.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

try {
  const input = JSON.parse(process.env[WORKER_INPUT_ENV] ?? '{}');
  const sc = await startSidecar(input, {
    aggregateMetrics: () => new Promise<string>((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      send({ t: 'scrape', id });
    }),
  });
  process.on('message', (m: ToWorker) => {
    if (m.t === 'render') sc.telemetry.metrics().then((text) => send({ t: 'rendered', id: m.id, text }), () => send({ t: 'rendered', id: m.id, text: '' }));
    else if (m.t === 'scraped') {
      waiting.get(m.id)?.(m.text);
      waiting.delete(m.id);
    } else if (m.t === 'close') void sc.close().then(() => process.exit(0));
  });
  // The primary is gone: nobody can stop or scrape us any more.
  process.on('disconnect', () => void sc.close().then(() => process.exit(0)));
  send({ t: 'ready', url: sc.url, port: sc.port });
} catch (err) {
  send({ t: 'failed', message: (err as Error).message });
  process.exit(2);
}
