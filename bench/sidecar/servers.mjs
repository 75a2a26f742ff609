// Server processes of the benchmark, each in its own process, running the compiled sidecar
// (`npx tsc -b` first) exactly as `modelwatch sidecar` would, with no TypeScript loader in the way:
//   node servers.mjs sidecar <config-json>   the modelwatch sidecar (proxy or embedded)
//   node servers.mjs bare <model.onnx>       a bare node:http OIP server calling the same ONNX session
//                                            (also the realistic model server behind the proxy sides)
//   node servers.mjs bare-proxy <upstream>   the floor of any node:http proxy: forward, no monitoring
//   node servers.mjs raw-proxy <upstream>    the floor of Node itself: raw net sockets, Content-Length framing only
//   node servers.mjs workers <config-json>   modelwatch sidecar --workers N (this process is the primary)
// Prints {"port": N}; answers the IPC message "cpu" with process.cpuUsage() so the runner can
// measure the CPU of exactly this process.
import http from 'node:http';
import net from 'node:net';
import * as ort from 'onnxruntime-node';
// MODELWATCH_BENCH_SIDECAR: another build of the sidecar (e.g. a copy of sidecar/dist from before a
// change) for a before/after side in the same run.
const { startSidecar, startSidecarWorkers } = await import(process.env.MODELWATCH_BENCH_SIDECAR ?? '@modelwatch/sidecar');

async function bare(modelPath) {
  const session = await ort.InferenceSession.create(modelPath);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      // Readiness probes (the sidecar's, when this serves as its upstream) and other GETs.
      if (req.method !== 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"ready":true}');
      }
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

/** Finds `content-length:` in a head (latin1, bytes 0..end) and returns its value; 0 when absent. */
function contentLength(buf, end) {
  const head = buf.toString('latin1', 0, end).toLowerCase();
  const at = head.indexOf('\r\ncontent-length:');
  return at < 0 ? 0 : parseInt(head.slice(at + 17, head.indexOf('\r', at + 17) >>> 0), 10);
}

/** Bytes from `buf` up to the end of one complete message (head + Content-Length body), or -1. */
function messageEnd(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return -1;
  const total = end + 4 + contentLength(buf, end);
  return buf.length >= total ? total : -1;
}

/**
 * What Node itself costs per proxied request: net sockets both ways, a request forwarded byte for
 * byte on a pooled keep-alive upstream connection, the answer written back as one buffer; framing
 * by Content-Length only (no header parsing, no chunked, no monitoring, no error handling beyond
 * dropping the connection). Not a product: the floor the sidecar's excess is measured from.
 */
async function rawProxy(upstream) {
  const target = new URL(upstream);
  const idle = [];
  const connect = () => {
    const up = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    let pending;
    up.on('data', (chunk) => {
      pending = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      const n = messageEnd(pending);
      if (n < 0) return;
      const answer = n === pending.length ? pending : pending.subarray(0, n);
      pending = undefined;
      const done = up.onAnswer;
      up.onAnswer = undefined;
      idle.push(up);
      done(answer);
    });
    up.on('error', () => up.destroy());
    up.on('close', () => {
      const i = idle.indexOf(up);
      if (i >= 0) idle.splice(i, 1);
      up.onAnswer?.(undefined);
    });
    return up;
  };
  const server = net.createServer({ noDelay: true }, (client) => {
    let buf;
    let busy = false;
    const pump = () => {
      if (busy || buf === undefined) return;
      const n = messageEnd(buf);
      if (n < 0) return;
      const request = n === buf.length ? buf : buf.subarray(0, n);
      buf = n === buf.length ? undefined : buf.subarray(n);
      busy = true;
      const up = idle.pop() ?? connect();
      up.onAnswer = (answer) => {
        busy = false;
        if (answer === undefined) return client.destroy();
        client.write(answer);
        pump();
      };
      up.write(request);
    };
    client.on('data', (chunk) => {
      buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
      pump();
    });
    client.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server.address().port;
}

const [kind, arg] = process.argv.slice(2);
let tapPort;
const port = kind === 'bare' ? await bare(arg)
  : kind === 'bare-proxy' ? await bareProxy(arg)
  : kind === 'raw-proxy' ? await rawProxy(arg)
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
