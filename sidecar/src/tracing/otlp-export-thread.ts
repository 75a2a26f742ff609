import { parentPort, workerData } from 'node:worker_threads';
import { HttpPoster, type PosterOptions } from './otlp-http-poster.js';

/**
 * The export thread (MODELWATCH_TRACE_EXPORT_THREAD=1): posts the batches the main thread encoded,
 * so the socket writes of about 300 KB per batch leave the request thread. A batch's buffer comes
 * in transferred (no copy) and goes back the same way for reuse.
 */
interface PostMessage { id: number; head: Uint8Array; body: ArrayBuffer; length: number }

const poster = new HttpPoster(workerData as PosterOptions);
parentPort!.on('message', (m: PostMessage | 'close') => {
  if (m === 'close') {
    poster.close();
    parentPort!.close();
    return;
  }
  poster.post(m.head, new Uint8Array(m.body, 0, m.length), (error) => {
    parentPort!.postMessage({ id: m.id, error: error?.message, body: m.body }, [m.body]);
  });
});
