import { Worker } from 'node:worker_threads';
import type { BatchPoster, PostDone, PosterOptions } from './otlp-http-poster.js';

/**
 * Hands batches to the export thread (otlp-export-thread.ts): the body's ArrayBuffer is
 * transferred there and back, the request thread only encodes. The thread never holds the process
 * open (unref'ed); if it dies, what it held is reported as failed.
 */
export class ThreadPoster implements BatchPoster {
  private readonly worker: Worker;
  private readonly pending = new Map<number, PostDone>();
  private nextId = 0;
  private stopped: Error | undefined;

  constructor(options: PosterOptions) {
    this.worker = new Worker(new URL('./otlp-export-thread.js', import.meta.url), { workerData: options });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; error: string | undefined; body: ArrayBuffer | undefined }) => {
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      done?.(m.error === undefined ? undefined : new Error(m.error), m.body);
    });
    const fail = (err: Error) => {
      this.stopped ??= err;
      for (const done of this.pending.values()) done(err, undefined);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the OTLP export thread stopped')));
  }

  post(head: Uint8Array, body: Uint8Array, done: PostDone): void {
    // A thread that died takes no more batches: each is reported failed at once, never left hanging.
    if (this.stopped) {
      done(this.stopped, undefined);
      return;
    }
    const id = this.nextId++;
    this.pending.set(id, done);
    // The whole buffer moves (a writer's buffer is its own ArrayBuffer, from offset 0); the head is copied.
    const buffer = body.buffer as ArrayBuffer;
    this.worker.postMessage({ id, head: Uint8Array.prototype.slice.call(head), body: buffer, length: body.byteOffset + body.length }, [buffer]);
  }

  close(): void {
    this.worker.postMessage('close');
  }
}
