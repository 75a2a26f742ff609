import http from 'node:http';
import https from 'node:https';
import { UpstreamPool, type UpstreamControl, type UpstreamListener } from './upstream-pool.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and never forwarded. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

/**
 * HOP_BY_HOP.has(name.toLowerCase()), lower-casing only names of a hop-by-hop length (2, 4, 7, 10,
 * 14, 16, 17 characters): most names are passed over without a new string.
 */
export function hopByHop(name: string): boolean {
  switch (name.length) {
    case 2: case 4: case 7: case 10: case 14: case 16: case 17:
      return HOP_BY_HOP.has(name.toLowerCase());
    default:
      return false;
  }
}

/** A monitored call on its way upstream: what the proxy sends, whichever client carries it. */
export interface OutgoingCall {
  method: string;
  path: string;
  /** The client's raw header list ([name, value, …]); hop-by-hop ones are dropped here. */
  rawHeaders: string[];
  traceparent: string | undefined;
  body: Buffer;
}

/** Sends monitored calls upstream and streams the answers to a listener. Chosen once at startup. */
export interface Forwarder {
  send(call: OutgoingCall, listener: UpstreamListener): UpstreamControl;
  close(): void;
}

/**
 * Pooled raw sockets with a minimal HTTP/1.1 framing (plain-HTTP upstreams): the request head is
 * one string, written with the body in one go; the answer is parsed by UpstreamPool. Cheaper per
 * call than node:http's client (bench/sidecar/run.ts compares both sides in one run).
 */
export class RawForwarder implements Forwarder {
  private readonly pool: UpstreamPool;
  /** `\r\nhost: …\r\n`, built once. */
  private readonly hostLine: string;
  private readonly starts = new WeakMap<string[], { method: string; path: string; traced: boolean; text: string }>();

  constructor(base: URL) {
    this.pool = new UpstreamPool(base.hostname.replace(/^\[|\]$/g, ''), Number(base.port || 80));
    this.hostLine = `\r\nhost: ${base.host}\r\n`;
  }

  send(call: OutgoingCall, listener: UpstreamListener): UpstreamControl {
    const traced = call.traceparent !== undefined;
    // The request line and the forwarded fields, remembered per header list: the own server hands
    // a repeated head's list on again (fast-connection.ts), so a keep-alive client's calls build it once.
    let start = this.starts.get(call.rawHeaders);
    if (start === undefined || start.method !== call.method || start.path !== call.path || start.traced !== traced) {
      start = { method: call.method, path: call.path, traced, text: this.requestStart(call, traced) };
      this.starts.set(call.rawHeaders, start);
    }
    let head = start.text;
    if (traced) head += `traceparent: ${call.traceparent}\r\n`;
    head += `content-length: ${call.body.length}\r\n\r\n`;
    return this.pool.request(head, call.body, call.method === 'HEAD', listener);
  }

  /** Request line, host, and the client's fields but hop-by-hop ones (and its traceparent when ours replaces it). */
  private requestStart(call: OutgoingCall, traced: boolean): string {
    let head = `${call.method} ${call.path} HTTP/1.1${this.hostLine}`;
    const raw = call.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      if (hopByHop(name) || (traced && name.length === 11 && name.toLowerCase() === 'traceparent')) continue;
      head += `${name}: ${raw[i + 1]}\r\n`;
    }
    return head;
  }

  close(): void {
    this.pool.close();
  }
}

/** node:http(s) with a keep-alive agent: for https upstreams, and as the comparison side of the bench. */
export class NodeForwarder implements Forwarder {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(private readonly base: URL, agent?: http.Agent) {
    const secure = base.protocol === 'https:';
    this.agent = agent ?? (secure ? new https.Agent({ keepAlive: true, maxSockets: 512 }) : new http.Agent({ keepAlive: true, maxSockets: 512 }));
    this.request = secure ? https.request : http.request;
  }

  send(call: OutgoingCall, listener: UpstreamListener): UpstreamControl {
    const headers: http.OutgoingHttpHeaders = {};
    const raw = call.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i].toLowerCase();
      if (!HOP_BY_HOP.has(lower)) headers[lower] = raw[i + 1];
    }
    headers.host = this.base.host;
    headers['content-length'] = call.body.length;
    if (call.traceparent !== undefined) headers.traceparent = call.traceparent;
    let failed = false;
    const fail = (code: string) => {
      if (failed) return;
      failed = true;
      listener.error(code);
    };
    let response: http.IncomingMessage | undefined;
    const up = this.request({
      protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port,
      method: call.method, path: call.path, headers, agent: this.agent,
    }, (ures) => {
      response = ures;
      listener.head(ures.statusCode ?? 502, ures.rawHeaders);
      ures.on('data', (c: Buffer) => listener.data(c));
      ures.on('end', () => listener.end());
      ures.on('error', () => fail('ECONNRESET'));
    });
    up.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'error'));
    up.end(call.body);
    return {
      abort: () => {
        failed = true;
        up.destroy();
      },
      pause: () => response?.pause(),
      resume: () => response?.resume(),
    };
  }

  close(): void {
    this.agent.destroy();
  }
}
