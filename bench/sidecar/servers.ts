/**
 * Server processes of the benchmark, each in its own process (run with `node --import tsx`):
 *   sidecar <config-json>        the modelwatch sidecar (proxy or embedded)
 *   bare <model.onnx>            a bare node:http OIP server calling the same ONNX session
 * Prints {"port": N}; answers the IPC message "cpu" with process.cpuUsage() so the runner can
 * measure the CPU of exactly this process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';
import { startSidecar } from '../../sidecar/src/index.js';

async function bare(modelPath: string): Promise<number> {
  const session = await ort.InferenceSession.create(modelPath);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { inputs: { name: string; shape: number[]; data: number[] }[] };
      const input = body.inputs[0];
      const result = await session.run({ [input.name]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) });
      const out = Object.entries(result).map(([name, t]) => ({ name, shape: t.dims, datatype: 'FP32', data: Array.from(t.data as Float32Array) }));
      const text = JSON.stringify({ model_name: 'bench', outputs: out });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

const [kind, arg] = process.argv.slice(2);
const port = kind === 'bare' ? await bare(arg) : (await startSidecar(JSON.parse(arg), { log: () => {} })).port;
process.on('message', (m) => {
  if (m === 'cpu') process.send!(process.cpuUsage());
});
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => process.exit(0));
