/**
 * A plain model server for the example model: Open Inference Protocol v2 REST over an
 * onnxruntime session, with no monitoring at all. It stands for the model server a team already
 * runs; the modelwatch sidecar goes in front of it (docker-compose.yml, the end-to-end tests).
 *   npx tsx examples/seattle-weather/serve.ts [--port 8000] [--host 127.0.0.1] [--delay-ms 0]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';

export const MODEL_PATH = fileURLToPath(new URL('model.onnx', import.meta.url));
const MAX_BODY = 1024 * 1024;

export interface ModelServerOptions {
  port?: number;
  host?: string;
  modelPath?: string;
  modelName?: string;
  /** Added before every answer: lets tests and demos slow the model down on purpose. */
  delayMs?: number;
}

export interface RunningModelServer {
  url: string;
  port: number;
  /** Changes the artificial delay while running. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

interface OipInput {
  name: string;
  shape: number[];
  datatype: string;
  data: number[] | number[][];
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<RunningModelServer> {
  const session = await ort.InferenceSession.create(options.modelPath ?? MODEL_PATH);
  const name = options.modelName ?? 'seattle-weather';
  const [inputName] = session.inputNames;
  let delayMs = options.delayMs ?? 0;
  // Inferences still running when close() is called finish before the session is released.
  const running = new Set<Promise<unknown>>();

  async function infer(body: { inputs?: OipInput[] }) {
    const input = body.inputs?.find((i) => i.name === inputName) ?? body.inputs?.[0];
    if (!input || !Array.isArray(input.shape) || input.shape.length !== 2) {
      return { status: 400, body: { error: `expected one input "${inputName}" of shape [batch, features]` } };
    }
    const data = Float32Array.from((input.data as number[]).flat());
    if (data.length !== input.shape[0] * input.shape[1]) {
      return { status: 400, body: { error: `input data has ${data.length} values, shape says ${input.shape[0] * input.shape[1]}` } };
    }
    const out = await session.run({ [inputName]: new ort.Tensor('float32', data, input.shape) });
    const outputs = session.outputNames.map((n) => ({
      name: n,
      shape: out[n].dims,
      datatype: 'FP32',
      data: Array.from(out[n].data as Float32Array),
    }));
    return { status: 200, body: { model_name: name, outputs } };
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/v2/health/ready' || url === '/v2/health/live' || url === `/v2/models/${name}/ready`)) {
      return send(res, 200, { ready: true });
    }
    if (req.method === 'GET' && url === `/v2/models/${name}`) {
      return send(res, 200, { name, platform: 'onnxruntime', inputs: [{ name: inputName, datatype: 'FP32', shape: [-1, 4] }] });
    }
    if (req.method !== 'POST' || url !== `/v2/models/${name}/infer`) return send(res, 404, { error: `no route ${req.method} ${url}` });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(res, 413, { error: 'body too large' });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', async () => {
      if (res.headersSent) return;
      try {
        const pending = infer(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        running.add(pending);
        const result = await pending.finally(() => running.delete(pending));
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        send(res, result.status, result.body);
      } catch (err) {
        send(res, 400, { error: `cannot run inference: ${(err as Error).message}` });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, options.host ?? '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    setDelay(ms) {
      delayMs = ms;
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await Promise.allSettled([...running]);
        await session.release();
      })();
      return closing;
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8000' }, host: { type: 'string', default: '127.0.0.1' }, 'delay-ms': { type: 'string', default: '0' } },
  });
  const running = await startModelServer({ port: Number(values.port), host: values.host, delayMs: Number(values['delay-ms']) });
  console.log(`seattle-weather model server (OIP v2) on ${running.url}/v2/models/seattle-weather/infer`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
