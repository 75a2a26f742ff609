// Generic JSON model server for the soak benchmark: answers one prediction per instance of
// `{"instances": [...]}` with a class name and a score. Prints {"port": N} once listening.
import http from 'node:http';

const CLASSES = ['low', 'mid', 'high'];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let n = 1;
    try {
      n = JSON.parse(Buffer.concat(chunks).toString()).instances.length;
    } catch {
      // a bad body still gets an answer: the sidecar is what is measured
    }
    const predictions = Array.from({ length: n }, (_, i) => CLASSES[i % 3]);
    const out = JSON.stringify({ predictions });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => process.exit(0));
