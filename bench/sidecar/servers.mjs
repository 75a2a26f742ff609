// Server processes of the benchmark, each in its own process, running the compiled sidecar
// (`npx tsc -b` first) exactly as `modelwatch sidecar` would, with no TypeScript loader in the way:
//   node servers.mjs sidecar <config-json>   the modelwatch sidecar (proxy or embedded)
//   node servers.mjs bare <model.onnx>       a bare node:http OIP server calling the same ONNX session
//   node servers.mjs bare-proxy <upstream>   the floor of any node:http proxy: forward, no monitoring
//   node servers.mjs workers <config-json>   modelwatch sidecar --workers N (this process is the primary)
// Prints {"port": N}; answers the IPC message "cpu" with process.cpuUsage() so the runner can
// measure the CPU of exactly this process.
import http from 'node:http';
import * as ort from 'onnxruntime-node';
import { startSidecar, startSidecarWorkers } from '@modelwatch/sidecar';

async function bare(modelPath) {
  const session = await ort.InferenceSession.create(modelPath);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const input = JSON.parse(Buffer.concat(chunks).toString()).inputs[0];
      const result = await session.run({ [input.name]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) });
      const outputs = Object.entries(result).map(([name, t]) => ({ name, shape: t.dims, datatype: 'FP32', data: Array.from(t.data) }));
      const text = JSON.stringify({ model_name: 'bench', outputs });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server.address().port;
}

/** Keep-alive forwarding with node:http and nothing else: what the sidecar's monitoring is added to. */
async function bareProxy(upstream) {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length } }, (ures) => {
        const rc = [];
        ures.on('data', (c) => rc.push(c));
        ures.on('end', () => {
          const b = Buffer.concat(rc);
          res.writeHead(ures.statusCode, { 'content-type': 'application/json', 'content-length': b.length });
          res.end(b);
        });
      });
      up.on('error', () => { res.writeHead(502); res.end(); });
      up.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server.address().port;
}

const [kind, arg] = process.argv.slice(2);
let tapPort;
const port = kind === 'bare' ? await bare(arg)
  : kind === 'bare-proxy' ? await bareProxy(arg)
  : kind === 'workers' ? (await startSidecarWorkers(JSON.parse(arg), () => {})).port
  : await startSidecar(JSON.parse(arg), { log: () => {} }).then((sc) => {
    tapPort = sc.tapPort;
    return sc.port;
  });
process.on('message', (m) => {
  if (m === 'cpu') process.send(process.cpuUsage());
});
process.stdout.write(`${JSON.stringify({ port, tapPort })}\n`);
process.on('SIGTERM', () => process.exit(0));
