import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { sample, until } from '../../runtime/fixtures/http.js';
import { inferBody } from '../../runtime/fixtures/model.js';
import { RawClient, type Answer } from './fixtures/raw-client.js';

/**
 * The sidecar's own HTTP/1.1 server (sidecar/src/server/http1/), which carries the proxy's
 * inference calls, against real sockets: malformed and oversized heads, slow clients, chunked and
 * pipelined requests, clients that go away, and the hand-over of other requests to node:http.
 */
const ANSWER = JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', shape: [1, 2], datatype: 'FP32', data: [0.8, 0.2] }] });
let upstream: Server;
/** Bodies (and content-length) the model server received, in order. */
const received: { url: string; body: string; length: string | undefined; connection: string | undefined; upgrade: string | undefined }[] = [];
let holdNext = false;
const held: (() => void)[] = [];
let sc: RunningSidecar;
let nodeSc: RunningSidecar;

beforeAll(async () => {
  upstream = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: Buffer.concat(chunks).toString(), length: req.headers['content-length'], connection: req.headers.connection, upgrade: req.headers.upgrade });
      const answer = () => {
        if (req.url?.includes('/chunked')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(ANSWER.slice(0, 10));
          res.end(ANSWER.slice(10));
        } else if (req.url?.includes('/infer')) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
          res.end(ANSWER);
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'x-pass': 'through' });
          res.end(JSON.stringify({ name: 'm', url: req.url }));
        }
      };
      if (holdNext && req.url?.includes('/infer')) {
        holdNext = false;
        held.push(answer);
      } else answer();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  const config = { upstream: url, protocol: 'oip' as const, name: 'm', port: 0, limits: { headersTimeoutMs: 300, bodyTimeoutMs: 400, maxBodyBytes: 4096 } };
  sc = await startSidecar(config, { log: () => {}, defaultMetrics: false });
  nodeSc = await startSidecar(config, { log: () => {}, defaultMetrics: false, env: { ...process.env, MODELWATCH_HTTP_SERVER: 'node' } });
});
afterAll(async () => {
  for (const a of held.splice(0)) a();
  await sc.close();
  await nodeSc.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const BODY = inferBody([[1, 2, 3]]);
const inferRequest = (extra = '', body = BODY) =>
  `POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const metrics = () => sc.telemetry.metrics();
const code = (a: Answer) => (JSON.parse(a.body) as { code: string }).code;

describe('the sidecar\'s own HTTP/1.1 server', () => {
  it('forwards an inference call and answers with head and body framed by Content-Length', async () => {
    const c = new RawClient(sc.port);
    await c.send(inferRequest());
    const a = await c.answer();
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual(JSON.parse(ANSWER));
    expect(a.headers['content-length']).toBe(String(Buffer.byteLength(ANSWER)));
    expect(a.headers['x-modelwatch-prediction-id']).toBeTruthy();
    expect(received.at(-1)!.length).toBe(String(received.at(-1)!.body.length));
    c.destroy();
  });

  it('streams an answer the model server sends in chunks back chunked', async () => {
    const c = new RawClient(sc.port);
    await c.send(inferRequest().replace('/v2/models/m/infer', '/v2/models/m/versions/chunked/infer'));
    const a = await c.answer();
    expect(a.status).toBe(200);
    expect(a.headers['transfer-encoding']).toBe('chunked');
    expect(JSON.parse(a.body)).toEqual(JSON.parse(ANSWER));
    // The next call on the same connection is read after the terminating chunk.
    await c.send(inferRequest());
    expect((await c.answer()).status).toBe(200);
    c.destroy();
  });

  it('answers 400 with a catalogue error to a malformed request line and closes', async () => {
    const c = new RawClient(sc.port);
    await c.send('POST /v2/models/m/infer HTTP/9\r\nHost: x\r\n\r\n');
    const a = await c.answer();
    expect(a.status).toBe(400);
    expect(code(a)).toBe('MW_ERR_REQUEST_MALFORMED_HTTP');
    await c.closedByServer();
  });

  it('answers 400 to a header line without a colon, and to Content-Length with Transfer-Encoding', async () => {
    for (const text of ['POST /v2/models/m/infer HTTP/1.1\r\nHost x\r\n\r\n', 'POST /v2/models/m/infer HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']) {
      const c = new RawClient(sc.port);
      await c.send(text);
      expect((await c.answer()).status).toBe(400);
      await c.closedByServer();
    }
  });

  it('answers 431 to headers over the size limit, complete or not', async () => {
    const big = `X-Big: ${'a'.repeat(20_000)}\r\n`;
    const complete = new RawClient(sc.port);
    await complete.send(inferRequest(big));
    expect((await complete.answer()).status).toBe(431);
    await complete.closedByServer();
    const endless = new RawClient(sc.port);
    await endless.send(`POST /v2/models/m/infer HTTP/1.1\r\n${big}`);
    expect((await endless.answer()).status).toBe(431);
    await endless.closedByServer();
  });

  it('answers 408 to a client trickling its headers (slowloris) and counts the timeout', async () => {
    const before = sample(await metrics(), 'modelwatch_request_errors_total', { reason: 'request_timeout' }) ?? 0;
    const c = new RawClient(sc.port);
    const t0 = Date.now();
    await c.send('POST /v2/models/m/infer HTTP/1.1\r\n');
    const trickle = setInterval(() => {
      if (!c.closed) c.socket.write('X-Slow: a\r\n');
    }, 50);
    try {
      const a = await c.answer();
      expect(a.status).toBe(408);
      expect(code(a)).toBe('MW_ERR_REQUEST_TIMEOUT');
      // headersTimeoutMs is 300: answered by the deadline sweep, not after the client gave up.
      expect(Date.now() - t0).toBeLessThan(3_000);
      await c.closedByServer();
    } finally {
      clearInterval(trickle);
    }
    await until(async () => (sample(await metrics(), 'modelwatch_request_errors_total', { reason: 'request_timeout' }) ?? 0) === before + 1);
  });

  it('answers 408 to a body that stops half way, and the call is counted once', async () => {
    const errors = async () => sample(await metrics(), 'modelwatch_request_errors_total', { reason: 'request_timeout' }) ?? 0;
    const calls = async () => sample(await metrics(), 'modelwatch_requests_total', { status_class: '4xx' }) ?? 0;
    const [errorsBefore, callsBefore] = [await errors(), await calls()];
    const c = new RawClient(sc.port);
    await c.send('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"inp');
    expect((await c.answer()).status).toBe(408);
    await c.closedByServer();
    await until(async () => sample(await metrics(), 'modelwatch_requests_in_flight') === 0);
    expect(await errors()).toBe(errorsBefore + 1);
    expect(await calls()).toBe(callsBefore + 1);
  });

  it('reads a chunked request body (extensions, split across writes, trailers) and forwards it with a Content-Length', async () => {
    const c = new RawClient(sc.port);
    const half = Math.floor(BODY.length / 2);
    const [a, b] = [BODY.slice(0, half), BODY.slice(half)];
    await c.send(`POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${a.length.toString(16)};ext=1\r\n${a}\r\n`);
    await new Promise((r) => setTimeout(r, 30));
    await c.send(`${b.length.toString(16)}\r\n${b.slice(0, 5)}`);
    await new Promise((r) => setTimeout(r, 30));
    await c.send(`${b.slice(5)}\r\n0\r\nX-Trailer: t\r\n\r\n`);
    const answer = await c.answer();
    expect(answer.status).toBe(200);
    const last = received.at(-1)!;
    expect(JSON.parse(last.body).inputs).toEqual(JSON.parse(BODY).inputs);
    expect(last.length).toBe(String(Buffer.byteLength(last.body)));
    // The connection stays usable.
    await c.send(inferRequest());
    expect((await c.answer()).status).toBe(200);
    c.destroy();
  });

  it('answers 400 to a malformed chunk size and 413 to a chunked body over the limit', async () => {
    const bad = new RawClient(sc.port);
    await bad.send('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n');
    const a = await bad.answer();
    expect(a.status).toBe(400);
    expect(code(a)).toBe('MW_ERR_REQUEST_MALFORMED_HTTP');
    await bad.closedByServer();
    const big = new RawClient(sc.port);
    const chunk = 'a'.repeat(3000);
    await big.send(`POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const b = await big.answer();
    expect(b.status).toBe(413);
    expect(code(b)).toBe('MW_ERR_REQUEST_BODY_TOO_LARGE');
    await big.closedByServer();
  });

  it('answers 413 to a declared Content-Length over the limit without reading the body', async () => {
    const c = new RawClient(sc.port);
    await c.send('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{');
    const a = await c.answer();
    expect(a.status).toBe(413);
    expect(a.headers.connection).toBe('close');
    await c.closedByServer();
  });

  it('answers pipelined requests in order, including ones handed to node:http', async () => {
    const c = new RawClient(sc.port);
    const n = received.length;
    await c.send(inferRequest() + 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' + inferRequest() + 'GET /v2/models/m HTTP/1.1\r\nHost: x\r\n\r\n' + inferRequest());
    const answers = [await c.answer(), await c.answer(), await c.answer(), await c.answer(), await c.answer()];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(JSON.parse(answers[1].body)).toEqual({ status: 'ok' });
    expect(JSON.parse(answers[2].body)).toEqual(JSON.parse(ANSWER));
    // The metadata call is not monitored: node:http streamed it through, and kept the connection.
    expect(answers[3].headers['x-pass']).toBe('through');
    expect(JSON.parse(answers[4].body)).toEqual(JSON.parse(ANSWER));
    // node:http works on the requests it was handed concurrently (answers stay in order): compare as a set.
    expect(received.slice(n).map((r) => r.url).sort()).toEqual(['/v2/models/m', '/v2/models/m/infer', '/v2/models/m/infer', '/v2/models/m/infer']);
    c.destroy();
  });

  it('records a client that goes away in the middle of its body, and serves the next one', async () => {
    const c = new RawClient(sc.port);
    const n = received.length;
    await c.send('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n{"inputs": [');
    await until(async () => (sample(await metrics(), 'modelwatch_requests_in_flight') ?? 0) === 1);
    c.destroy();
    await until(async () => sample(await metrics(), 'modelwatch_requests_in_flight') === 0);
    expect(received.length).toBe(n);
    const next = new RawClient(sc.port);
    await next.send(inferRequest());
    expect((await next.answer()).status).toBe(200);
    next.destroy();
  });

  it('records a client that goes away while the model works as 499, and drops the late answer', async () => {
    const calls = async () => sample(await metrics(), 'modelwatch_requests_total', { status_class: '4xx' }) ?? 0;
    const before = await calls();
    holdNext = true;
    const c = new RawClient(sc.port);
    await c.send(inferRequest());
    await until(() => held.length === 1);
    c.destroy();
    await until(async () => (await calls()) === before + 1);
    held.shift()!();
    await until(async () => sample(await metrics(), 'modelwatch_requests_in_flight') === 0);
  });

  it('sends 100 Continue before reading a body the client holds back', async () => {
    const c = new RawClient(sc.port);
    await c.send(`POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${BODY.length}\r\n\r\n`);
    expect((await c.answer()).status).toBe(100);
    await c.send(BODY);
    expect((await c.answer()).status).toBe(200);
    c.destroy();
  });

  it('closes after the answer when the client says Connection: close, and for HTTP/1.0 by default', async () => {
    const c = new RawClient(sc.port);
    await c.send(inferRequest('Connection: close\r\n'));
    const a = await c.answer();
    expect(a.status).toBe(200);
    expect(a.headers.connection).toBe('close');
    await c.closedByServer();
    const old = new RawClient(sc.port);
    await old.send(`POST /v2/models/m/infer HTTP/1.0\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`);
    expect((await old.answer()).status).toBe(200);
    await old.closedByServer();
    // "Connection: close" is hop-by-hop: the model server's connection stays pooled.
    expect(received.at(-1)!.connection).not.toBe('close');
  });

  it('answers HEAD with the head only', async () => {
    const c = new RawClient(sc.port);
    await c.send('HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const head = await c.answer(true);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('15');
    // Had the HEAD answer carried a body, this would read it as the next answer's status line.
    const get = await c.answer();
    expect(get.status).toBe(200);
    expect(JSON.parse(get.body)).toEqual({ status: 'ok' });
    c.destroy();
  });

  it('refuses to switch protocols: an Upgrade request is answered as plain HTTP and not passed on', async () => {
    const c = new RawClient(sc.port);
    await c.send(inferRequest('Connection: Upgrade\r\nUpgrade: websocket\r\n'));
    const a = await c.answer();
    expect(a.status).toBe(200);
    expect(received.at(-1)!.upgrade).toBeUndefined();
    c.destroy();
  });

  it('keeps node:http\'s header timeout on a connection it was handed', async () => {
    const c = new RawClient(sc.port);
    await c.send('GET /v2/models/m HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.answer()).headers['x-pass']).toBe('through');
    await c.send('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\n');
    const a = await c.answer();
    expect(a.status).toBe(408);
    expect(code(a)).toBe('MW_ERR_REQUEST_TIMEOUT');
    await c.closedByServer();
  });

  it('hands CONNECT to node:http, which answers 405', async () => {
    const c = new RawClient(sc.port);
    await c.send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    const a = await c.answer();
    expect(a.status).toBe(405);
    expect(code(a)).toBe('MW_ERR_REQUEST_CONNECT');
  });

  it('keeps node:http as the server with MODELWATCH_HTTP_SERVER=node, answering the same way', async () => {
    const fast = new RawClient(sc.port);
    const node = new RawClient(nodeSc.port);
    await fast.send(inferRequest());
    await node.send(inferRequest());
    const [a, b] = [await fast.answer(), await node.answer()];
    expect(b.status).toBe(a.status);
    expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
    // node:http announces its keep-alive timeout; the own server leaves HTTP/1.1's default implicit.
    expect(b.headers['keep-alive']).toBe('timeout=65');
    expect(a.headers['keep-alive']).toBeUndefined();
    fast.destroy();
    node.destroy();
  });
});

describe('the sidecar\'s own HTTP/1.1 server at shutdown', () => {
  it('closes idle connections at once and lets a call in flight finish, saying connection: close', async () => {
    const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const draining = await startSidecar({ upstream: url, protocol: 'oip', name: 'm', port: 0 }, { log: () => {}, defaultMetrics: false });
    const idle = new RawClient(draining.port);
    await idle.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await idle.answer()).status).toBe(200);
    holdNext = true;
    const busy = new RawClient(draining.port);
    await busy.send(inferRequest());
    await until(() => held.length === 1);
    const closed = draining.close();
    await idle.closedByServer();
    expect(busy.closed).toBe(false);
    held.shift()!();
    const a = await busy.answer();
    expect(a.status).toBe(200);
    expect(a.headers.connection).toBe('close');
    await busy.closedByServer();
    await closed;
  });
});
