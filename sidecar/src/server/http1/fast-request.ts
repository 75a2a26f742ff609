import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { BodyResult } from '../body.js';
import type { RequestHead } from './request-head.js';

/** What a request asks of the connection it arrived on. */
export interface RequestOwner {
  /** Starts (or continues) delivering the body; the request's `bodyArrived` / `bodyFailed` follow. */
  wantBody(req: FastRequest): void;
}

const BODY_FAILED: BodyResult = { ok: false, tooLarge: false };

/**
 * A request read by the sidecar's own HTTP/1.1 server: the head fields a handler reads from
 * node:http's IncomingMessage (method, url, headers, rawHeaders, httpVersion, socket), and the
 * body, which the connection has usually read already with the head (one small inference call
 * arrives in one segment), so reading it costs no stream, no event and no copy.
 */
export class FastRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly httpVersion: string;
  /** Bytes of the body received so far (complete once `bodyComplete`). */
  chunks: Buffer[] = [];
  received = 0;
  bodyComplete: boolean;
  /** The body crossed the connection's buffering limit: the rest is not read. */
  overLimit = false;
  private waiting: ((r: BodyResult) => void) | undefined;
  private limit = Infinity;
  private discard = false;

  constructor(
    head: RequestHead,
    readonly socket: Socket,
    private readonly owner: RequestOwner,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.headers = head.headers;
    this.rawHeaders = head.rawHeaders;
    this.httpVersion = head.httpVersion;
    this.bodyComplete = head.framing === 0;
  }

  /**
   * The body, up to `limit` bytes (BodyResult as server/body.ts gives it for node:http): a declared
   * length over the limit is refused before reading; a chunked body stops being read once over it.
   */
  readBody(limit: number, declared: number): Promise<BodyResult> {
    if (declared > limit) return Promise.resolve({ ok: false, tooLarge: true, received: declared });
    this.limit = limit;
    const now = this.settled();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.owner.wantBody(this);
    });
  }

  /** The body if it is complete and within `limit` already (read with the head), else undefined. */
  completeBody(limit: number): Buffer | undefined {
    if (!this.bodyComplete || this.overLimit || this.received > limit || this.discard) return undefined;
    const c = this.chunks;
    return c.length === 1 ? c[0] : Buffer.concat(c, this.received);
  }

  /** Discards the body (node:http's `req.resume()`): the connection skips it. */
  resume(): void {
    this.discard = true;
    this.chunks = [];
    this.owner.wantBody(this);
  }

  get discarding(): boolean {
    return this.discard;
  }

  /** Called by the connection as bytes arrive. */
  bodyArrived(chunk: Buffer): void {
    this.received += chunk.length;
    if (!this.discard) this.chunks.push(chunk);
    this.deliver();
  }

  /** Called by the connection when the body is over (complete or cut short). */
  bodyEnded(complete: boolean): void {
    if (complete) this.bodyComplete = true;
    if (this.waiting === undefined) return;
    if (!complete) {
      const w = this.waiting;
      this.waiting = undefined;
      w(BODY_FAILED);
      return;
    }
    this.deliver();
  }

  private deliver(): void {
    if (this.waiting === undefined) return;
    const r = this.settled();
    if (!r) return;
    const w = this.waiting;
    this.waiting = undefined;
    w(r);
  }

  private settled(): BodyResult | undefined {
    if (this.received > this.limit || this.overLimit) return { ok: false, tooLarge: true, received: this.received };
    if (!this.bodyComplete) return undefined;
    const c = this.chunks;
    return { ok: true, body: c.length === 1 ? c[0] : Buffer.concat(c, this.received) };
  }
}
