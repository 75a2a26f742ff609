import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSidecar, startSidecar as StartSidecar } from '@modelwatch/sidecar';
import { post, until } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';

/**
 * MODELWATCH_TRACE_EXPORT_THREAD=1: batches are posted from a worker thread. The thread runs the
 * compiled module (a worker cannot load TypeScript), so this test starts the built sidecar
 * (`sidecar/dist`, made by `npm test`'s build step) rather than the sources.
 */
const tmp = tempDir();
let sc: RunningSidecar | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await sc?.close();
  sc = undefined;
  await receiver?.close();
  tmp.cleanup();
});

describe('the OTLP export thread', () => {
  it('posts every batch from the worker thread, batch after batch, and flushes what is left on close', async () => {
    const dist = '../../dist/index.js';
    const { startSidecar } = (await import(/* @vite-ignore */ dist)) as { startSidecar: typeof StartSidecar };
    receiver = await startOtlpReceiver();
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0 }, {
      log: () => {},
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, MODELWATCH_TRACE_EXPORT_THREAD: '1', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2', OTEL_BSP_SCHEDULE_DELAY: '60000' },
    });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
      ids.push(r.headers.get('x-modelwatch-trace-id')!);
    }
    // Three full batches leave at once; the seventh span on close.
    await until(() => receiver!.received.length === 3);
    await sc.close();
    sc = undefined;
    expect(receiver.received.map((r) => r.decoded.spans.length)).toEqual([2, 2, 2, 1]);
    expect(receiver.received.every((r) => r.contentType === 'application/x-protobuf')).toBe(true);
    expect(receiver.spans().map((s) => s.traceId).sort()).toEqual([...ids].sort());
  });
});
