import type { Socket } from 'node:net';
import { FastRequest, type RequestOwner } from './fast-request.js';
import { FastResponse, type ResponseOwner } from './fast-response.js';
import { Framing, parseRequestHead, type RequestHead } from './request-head.js';

/** The server side a connection reports to (FastHttpServer); decided once per server. */
export interface ConnectionHost {
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly headersTimeoutMs: number;
  /** Headers and body together, from the first byte of the request (node:http's requestTimeout). */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly draining: boolean;
  /** True for the requests this server answers itself; the others go to node:http with their connection. */
  serves(method: string, path: string): boolean;
  dispatch(req: FastRequest, res: FastResponse): void;
  /** Gives the socket (and the bytes read from it but not yet used) to node:http for good. */
  handOff(socket: Socket, unread: Buffer | undefined): void;
  /** Writes one of the raw refusals (400 malformed, 431, 408) and closes. */
  refuse(socket: Socket, kind: 'malformed' | 'headersTooLarge' | 'timeout'): void;
  /** A request whose headers never completed in time (counted by the host's telemetry). */
  headersTimedOut(): void;
  /** The body of a dispatched request timed out: the exchange reading it answers 408. */
  bodyTimedOut(socket: Socket): void;
  forget(conn: FastConnection): void;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
/** Heads up to this size are remembered per connection for reuse (an inference call's is ~150-400 bytes). */
const REUSE_HEAD_MAX = 1024;
/** Bytes of a chunk-size line or of trailers beyond which a chunked body is refused. */
const MAX_CHUNK_LINE = 1024;

const enum State { head, body, answering, closed }
const enum Timer { none, head, body, idle }
const enum Chunk { size, data, dataEnd, trailer }

/**
 * One client connection of the sidecar's own HTTP/1.1 server. Requests are taken one at a time:
 * bytes that arrive while a request is answered (pipelining) wait in the buffer and are parsed
 * once the answer is out, so answers leave in request order. The connection reads at most a
 * bounded amount ahead (then it stops reading from the socket). Timeouts are deadlines checked by
 * the server's one sweep timer (no timer per request).
 */
export class FastConnection implements RequestOwner, ResponseOwner {
  private buf: Buffer | undefined;
  private state = State.head;
  private req: FastRequest | undefined;
  private res: FastResponse | undefined;
  timer = Timer.head;
  deadline: number;
  private requestStart = 0;
  /** Framing of the body being read. */
  private framing = Framing.none;
  private remaining = 0;
  private chunk = Chunk.size;
  private line = '';
  /** Where the search for the end of the head resumes (a trickled head is not rescanned from its start). */
  private headScan = 0;
  private continueOwed = false;
  /** The connection cannot carry another request (body not fully read, client half-closed, …). */
  private mustClose = false;
  private paused = false;
  /** The last head read on this connection (up to REUSE_HEAD_MAX bytes) and its parse. */
  private lastHead: Buffer | undefined;
  private lastParsed: RequestHead | undefined;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.deadline = Date.now() + host.headersTimeoutMs;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', noop);
  }

  /**
   * Idle between requests: close now. Making room for new clients spares connections that have not
   * sent a request yet (the newest client among them); shutdown closes those too.
   */
  closeIfIdle(evenUnused: boolean): boolean {
    if (this.state !== State.head || this.buf !== undefined) return false;
    if (!evenUnused && this.timer !== Timer.idle) return false;
    this.socket.destroy();
    return true;
  }

  get draining(): boolean {
    return this.host.draining;
  }

  /** Called by the server's sweep timer. */
  check(now: number): void {
    if (this.timer === Timer.none || now < this.deadline) return;
    const timer = this.timer;
    this.timer = Timer.none;
    if (timer === Timer.idle) {
      this.socket.destroy();
    } else if (timer === Timer.head) {
      this.host.headersTimedOut();
      this.finishWith('timeout');
    } else {
      this.host.bodyTimedOut(this.socket);
      const req = this.req;
      if (this.res !== undefined && !this.res.headersSent) this.finishWith('timeout');
      else this.socket.destroy();
      req?.bodyEnded(false);
    }
  }

  wantBody(req: FastRequest): void {
    if (req !== this.req) return;
    if (this.continueOwed) {
      this.continueOwed = false;
      this.socket.write(CONTINUE);
    }
  }

  responseFinished(res: FastResponse, close: boolean): void {
    if (res !== this.res || this.state === State.closed) return;
    if (close || this.mustClose || this.state === State.body || this.host.draining) {
      this.state = State.closed;
      this.timer = Timer.none;
      this.socket.end();
      return;
    }
    this.req = undefined;
    this.res = undefined;
    this.state = State.head;
    this.timer = Timer.idle;
    this.deadline = Date.now() + this.host.keepAliveTimeoutMs;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    // Pipelined requests already read: parsed on the next tick, after the handler that answered returns.
    if (this.buf !== undefined) process.nextTick(this.parseNext);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === State.closed) return;
    this.buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.state === State.head) this.parse();
    else if (this.state === State.body) this.pumpBody();
    else if (this.buf.length > this.host.maxHeaderBytes + 65_536) {
      // Reading ahead of the answer: stop until it is out (bounded memory per connection).
      this.paused = true;
      this.socket.pause();
    }
  };

  private readonly parseNext = (): void => {
    if (this.state === State.head) this.parse();
  };

  /**
   * The client closed its side: as node:http does (httpAllowHalfOpen false), the exchange is over,
   * the socket is ended, and a call still waiting for its answer is recorded as abandoned (499)
   * when the socket has closed.
   */
  private readonly onEnd = (): void => {
    this.mustClose = true;
    this.timer = Timer.none;
    if (this.state === State.body) {
      this.state = State.answering;
      this.req?.bodyEnded(false);
    }
    this.socket.end();
  };

  private readonly onClose = (): void => {
    const wasBody = this.state === State.body;
    this.state = State.closed;
    this.timer = Timer.none;
    if (wasBody) this.req?.bodyEnded(false);
    this.res?.aborted();
    this.host.forget(this);
  };

  private parse(): void {
    while (this.state === State.head && this.buf !== undefined) {
      let buf = this.buf;
      // Empty lines before a request line are allowed (RFC 9112 §2.2).
      let start = 0;
      while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
      if (start > 0) {
        if (start === buf.length) {
          this.buf = undefined;
          return;
        }
        buf = buf.subarray(start);
        this.buf = buf;
        this.headScan = 0;
      }
      if (this.timer !== Timer.head) {
        this.timer = Timer.head;
        this.requestStart = Date.now();
        this.deadline = this.requestStart + this.host.headersTimeoutMs;
      } else if (this.requestStart === 0) this.requestStart = Date.now();
      const end = buf.indexOf(CRLF_CRLF, this.headScan);
      if (end < 0) {
        if (buf.length > this.host.maxHeaderBytes) this.finishWith('headersTooLarge');
        else this.headScan = Math.max(0, buf.length - 3);
        return;
      }
      this.headScan = 0;
      if (end > this.host.maxHeaderBytes) {
        this.finishWith('headersTooLarge');
        return;
      }
      // A keep-alive client sends the same head call after call (same method, path and fields, and
      // the same Content-Length for same-size bodies): the same bytes as the last head read here
      // reuse its parse, which is a pure function of them (handlers read a head, never change it).
      let head: RequestHead | undefined;
      const last = this.lastHead;
      if (last !== undefined && last.length === end && buf.compare(last, 0, end, 0, end) === 0) head = this.lastParsed;
      else {
        head = parseRequestHead(buf.toString('latin1', 0, end));
        if (head !== undefined && end <= REUSE_HEAD_MAX) {
          // A copy: the read buffer is not kept alive by it. Bounded per connection.
          const copy = Buffer.allocUnsafe(end);
          buf.copy(copy, 0, 0, end);
          this.lastHead = copy;
          this.lastParsed = head;
        }
      }
      if (head === undefined) {
        this.finishWith('malformed');
        return;
      }
      const q = head.url.indexOf('?');
      if (head.unusual || !this.host.serves(head.method, q < 0 ? head.url : head.url.slice(0, q))) {
        this.handOff();
        return;
      }
      this.buf = end + 4 === buf.length ? undefined : buf.subarray(end + 4);
      const req = new FastRequest(head, this.socket, this);
      const res = new FastResponse(this, head.method === 'HEAD', head.httpVersion === '1.1', !head.keepAlive || this.host.draining);
      this.req = req;
      this.res = res;
      this.framing = head.framing;
      this.continueOwed = head.expectContinue;
      if (head.framing === Framing.none) {
        this.state = State.answering;
        this.timer = Timer.none;
      } else if (head.framing === Framing.length && head.contentLength > this.host.maxBodyBytes) {
        // Refused by the handler (413) without reading it; the connection cannot be reused.
        req.overLimit = true;
        req.received = head.contentLength;
        this.mustClose = true;
        this.state = State.answering;
        this.timer = Timer.none;
      } else {
        this.state = State.body;
        this.timer = Timer.body;
        this.deadline = this.requestStart + this.host.requestTimeoutMs;
        this.remaining = head.contentLength;
        this.chunk = Chunk.size;
        this.line = '';
        // The usual inference call arrives with its head: its body is complete before the handler runs.
        if (this.buf !== undefined) this.pumpBody();
      }
      this.requestStart = 0;
      this.host.dispatch(req, res);
    }
  }

  private handOff(): void {
    const unread = this.buf;
    this.buf = undefined;
    this.state = State.closed;
    this.timer = Timer.none;
    const s = this.socket;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onClose);
    s.off('error', noop);
    this.host.forget(this);
    this.host.handOff(s, unread);
  }

  /** Raw refusal (malformed, headers too large, timeout) and close: nothing more is read. */
  private finishWith(kind: 'malformed' | 'headersTooLarge' | 'timeout'): void {
    this.state = State.closed;
    this.timer = Timer.none;
    this.buf = undefined;
    this.host.refuse(this.socket, kind);
  }

  private pumpBody(): void {
    while (this.state === State.body && this.buf !== undefined) {
      const buf = this.buf;
      if (this.framing === Framing.length) {
        const take = Math.min(this.remaining, buf.length);
        this.buf = take === buf.length ? undefined : buf.subarray(take);
        this.remaining -= take;
        if (!this.bodyBytes(take === buf.length ? buf : buf.subarray(0, take))) return;
        if (this.remaining === 0) this.bodyDone();
      } else if (!this.chunked(buf)) return;
    }
  }

  /** Hands body bytes to the request; false when the body went over the limit (reading stops). */
  private bodyBytes(piece: Buffer): boolean {
    const req = this.req!;
    req.bodyArrived(piece);
    if (req.received > this.host.maxBodyBytes && !req.discarding) {
      req.overLimit = true;
      this.mustClose = true;
      this.state = State.answering;
      this.timer = Timer.none;
      this.buf = undefined;
      req.bodyEnded(false);
      return false;
    }
    return true;
  }

  private bodyDone(): void {
    this.state = State.answering;
    this.timer = Timer.none;
    this.req!.bodyEnded(true);
  }

  /** One step of chunked decoding over `buf`; false when it cannot go on (needs bytes, or failed). */
  private chunked(buf: Buffer): boolean {
    if (this.chunk === Chunk.data) {
      const take = Math.min(this.remaining, buf.length);
      this.buf = take === buf.length ? undefined : buf.subarray(take);
      this.remaining -= take;
      if (this.remaining === 0) this.chunk = Chunk.dataEnd;
      return this.bodyBytes(take === buf.length ? buf : buf.subarray(0, take));
    }
    if (this.chunk === Chunk.dataEnd) {
      if (buf.length < 2) return false;
      if (buf[0] !== 13 || buf[1] !== 10) return this.badBody();
      this.buf = buf.length === 2 ? undefined : buf.subarray(2);
      this.chunk = Chunk.size;
      return true;
    }
    const nl = buf.indexOf(10);
    if (nl < 0) {
      this.line += buf.toString('latin1');
      this.buf = undefined;
      return this.line.length <= MAX_CHUNK_LINE || this.badBody();
    }
    const text = this.line + buf.toString('latin1', 0, nl);
    this.line = '';
    this.buf = nl + 1 === buf.length ? undefined : buf.subarray(nl + 1);
    if (text.length > MAX_CHUNK_LINE || !text.endsWith('\r')) return this.badBody();
    const line = text.slice(0, -1);
    if (this.chunk === Chunk.trailer) {
      if (line === '') this.bodyDone();
      return true;
    }
    // chunk-size [; extensions]: the extensions are ignored, the size must be plain hex.
    const semi = line.indexOf(';');
    const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) return this.badBody();
    const size = parseInt(hex, 16);
    if (size === 0) this.chunk = Chunk.trailer;
    else {
      this.chunk = Chunk.data;
      this.remaining = size;
    }
    return true;
  }

  /** A malformed chunked body: 400 (when nothing was answered yet) and close; the handler sees a failed read. */
  private badBody(): false {
    const req = this.req;
    if (this.res !== undefined && !this.res.headersSent) this.finishWith('malformed');
    else {
      this.state = State.closed;
      this.socket.destroy();
    }
    req?.bodyEnded(false);
    return false;
  }
}

function noop(): void {}
