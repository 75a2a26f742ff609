// Bare OIP model server for the proxy benchmark: parses the request and answers a fixed
// 5-class probability tensor per row. Prints {"port": N} once listening.
import http from 'node:http';

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"ready":true}');
    }
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const n = body.inputs[0].shape[0];
    const data = [];
    for (let i = 0; i < n; i++) data.push(0.1, 0.1, 0.6, 0.1, 0.1);
    const out = JSON.stringify({ model_name: 'bench', outputs: [{ name: 'probabilities', shape: [n, 5], datatype: 'FP32', data }] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => process.exit(0));
