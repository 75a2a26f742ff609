// Load generator, run in its own process so it never shares an event loop with the server.
//   node load.mjs '{"url":..., "body":..., "rate":1000, "seconds":10}'        fixed rate (open loop)
//   node load.mjs '{"url":..., "body":..., "rate":1000, "burst":10, "seconds":10}'  fixed rate in bursts of 10
//       fired together (hey -c 10's arrivals, with µs instead of hey's 0.1 ms resolution)
//   node load.mjs '{"url":..., "body":..., "concurrency":32, "seconds":10}'   saturation (closed loop)
// Prints one JSON line: {sent, ok, errors, rps, p50Ms, p90Ms, p99Ms, maxMs}.
import http from 'node:http';

const opts = JSON.parse(process.argv[2]);
const url = new URL(opts.url);
const body = Buffer.from(opts.body);
const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 256 });
const reqOpts = {
  hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent,
  headers: { 'content-type': 'application/json', 'content-length': body.length },
};
const latencies = [];
let sent = 0;
let ok = 0;
let errors = 0;
let inFlight = 0;
const warmupUntil = performance.now() + (opts.warmupSeconds ?? 1) * 1000;
const end = warmupUntil + opts.seconds * 1000;

function fire(onDone) {
  const t0 = performance.now();
  sent++;
  inFlight++;
  const req = http.request(reqOpts, (res) => {
    res.on('data', () => {});
    res.on('end', () => {
      inFlight--;
      if (t0 >= warmupUntil) {
        if (res.statusCode === 200) {
          ok++;
          latencies.push(performance.now() - t0);
        } else errors++;
      }
      onDone?.();
    });
  });
  req.on('error', () => {
    inFlight--;
    errors++;
    onDone?.();
  });
  req.end(body);
}

function report() {
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const r = (v) => Math.round(v * 1000) / 1000;
  process.stdout.write(`${JSON.stringify({ sent, ok, errors, rps: Math.round(ok / opts.seconds), p50Ms: r(q(0.5)), p90Ms: r(q(0.9)), p99Ms: r(q(0.99)), maxMs: r(latencies.at(-1) ?? NaN) })}\n`);
  agent.destroy();
}

if (opts.rate) {
  // Open loop: requests leave on schedule whatever the latency, so queueing shows up in p99.
  const start = performance.now();
  const tick = () => {
    const now = performance.now();
    if (now >= end) {
      const wait = () => (inFlight === 0 ? report() : setTimeout(wait, 5));
      return wait();
    }
    const burst = opts.burst ?? 1;
    const due = Math.floor(((now - start) / 1000) * (opts.rate / burst)) * burst;
    while (sent < due) fire();
    // A 1 ms timer, not a setImmediate spin: a spinning generator competes with the servers for CPU.
    setTimeout(tick, 1);
  };
  tick();
} else {
  let stopped = false;
  let live = opts.concurrency;
  const loop = () => {
    if (performance.now() >= end) stopped = true;
    if (stopped) {
      if (--live === 0) report();
      return;
    }
    fire(loop);
  };
  for (let i = 0; i < opts.concurrency; i++) loop();
}
