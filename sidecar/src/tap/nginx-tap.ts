import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { TapOutcome } from '@modelwatch/core';
import type { CallMonitor } from '../proxy/call-monitor.js';
import { TapCounters } from './tap-counters.js';
import type { TapRecorder } from './tap-recorder.js';

/**
 * One nginx access-log record of deploy/nginx/modelwatch-tap.conf (`log_format modelwatch_tap
 * escape=json`), sent as syslog over UDP after the response went out: the client never waits.
 */
interface NginxRecord {
  m: string;
  u: string;
  s: number | string;
  /** $request_time and $upstream_response_time, seconds. */
  t?: number | string;
  ut?: number | string;
  /** $request_body, the captured response body (njs), and whether the capture was cut short. */
  req: string;
  res: string;
  cut?: string;
  ct?: string;
  rct?: string;
  /** $body_bytes_sent: the answer's real size even when the capture was cut short. */
  rb?: number | string;
}

/** Kernel receive buffer asked for: bursts queue here, not in the process. */
const RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * Tap mode for nginx: a UDP socket receiving syslog lines whose message is one JSON record per
 * call (request and response together, so no pairing is needed). Inference calls, as the codec
 * recognises them from method and URI, are recorded like inline calls; others are counted as
 * ignored. A record that is not one of ours (truncated datagram, other log format) is counted as
 * invalid. UDP on loopback drops only when the receive buffer overflows; the kernel counts those
 * drops (`/proc/net/udp`), see docs/tap-mode.md.
 */
export class NginxTap {
  readonly counters: TapCounters;
  private readonly socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });

  constructor(
    private readonly recorder: TapRecorder,
    private readonly monitor: CallMonitor,
    identity: string,
  ) {
    this.counters = new TapCounters(identity, () => 0);
    this.socket.on('message', (msg) => this.receive(msg));
    // A socket error (e.g. an oversized datagram) must not end the process.
    this.socket.on('error', () => this.counters.count(TapOutcome.invalid));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.socket.off('error', reject);
        resolve((this.socket.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  receive(msg: Buffer): void {
    const start = msg.indexOf(0x7b); // the JSON record after the syslog header `<PRI>date host tag: `
    let rec: NginxRecord;
    try {
      if (start < 0) throw new Error('no record');
      rec = JSON.parse(msg.toString('utf8', start)) as NginxRecord;
      if (typeof rec.m !== 'string' || typeof rec.u !== 'string' || typeof rec.req !== 'string' || typeof rec.res !== 'string') throw new Error('not ours');
    } catch {
      this.counters.count(TapOutcome.invalid);
      return;
    }
    if (!this.monitor.codec.matchInference(rec.m, rec.u)) {
      this.counters.count(TapOutcome.ignored);
      return;
    }
    this.counters.count(TapOutcome.paired);
    const status = Number(rec.s) || 0;
    const seconds = Number(rec.t) || 0;
    const upstream = Number(rec.ut);
    const responseBody = Buffer.from(rec.res, 'utf8');
    const cut = rec.cut === '1';
    this.recorder.record({
      monitor: this.monitor,
      requestBody: Buffer.from(rec.req, 'utf8'),
      requestHeaders: rec.rct ? { 'content-type': rec.rct } : {},
      status,
      responseBody: cut ? undefined : responseBody,
      responseBytes: Number(rec.rb) || responseBody.length,
      responseHeaders: rec.ct ? { 'content-type': rec.ct } : {},
      seconds,
      inferenceSeconds: Number.isFinite(upstream) ? upstream : seconds,
    });
  }
}
