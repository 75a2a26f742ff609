// An OTLP/HTTP endpoint for the benchmarks, in its own process so that receiving spans is not
// counted as the sender's CPU: drains each request, answers 200 with an empty body of the same
// content type (an empty ExportTraceServiceResponse in protobuf, `{}` in JSON).
//   node otlp-sink.mjs      prints {"port": N}; answers the IPC message "stats" with {requests, bytes, cpuMicros}
// (cpuMicros: this process's CPU since start, user + system: what receiving spans takes from the machine)
import http from 'node:http';

let requests = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  req.on('data', (c) => (bytes += c.length));
  req.on('end', () => {
    requests++;
    const json = (req.headers['content-type'] ?? '').includes('json');
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
    res.end(json ? '{}' : '');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('message', (m) => {
  if (m === 'stats') {
    const cpu = process.cpuUsage();
    process.send({ requests, bytes, cpuMicros: cpu.user + cpu.system });
  }
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
