import net from 'node:net';

/** What the pool reports about one upstream answer, as it arrives. */
export interface UpstreamListener {
  /** Status and headers as a flat [name, value, …] list (names as sent). */
  head(status: number, headers: string[]): void;
  data(chunk: Buffer): void;
  end(): void;
  /** Connection failed, or closed before the answer was complete. */
  error(code: string): void;
}

export interface UpstreamControl {
  abort(): void;
  pause(): void;
  resume(): void;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
/** Response heads over this are refused (a misbehaving upstream cannot grow our memory). */
const MAX_HEAD_BYTES = 64 * 1024;
/** Requests up to this size are copied into one buffer and sent with one write (no writev). */
const ONE_BUFFER_MAX = 64 * 1024;
/** The buffer every pooled socket reads into (reads are synchronous: one buffer serves them all). */
const READ_BUFFER_BYTES = 64 * 1024;

const enum Body { length, chunked, untilClose, none }

/** An answer's head, as far as the pool reads it. */
export interface ResponseHead {
  /** 1xx: an interim answer; its header fields are not read (headers empty). */
  status: number;
  /** Every field line with a name, as [name, trimmed value, …]; lines without a colon are skipped. */
  headers: string[];
  /** The last Content-Length as a number (NaN when not one), -1 when none. */
  length: number;
  /** The last Transfer-Encoding names chunked. */
  chunked: boolean;
  keepAlive: boolean;
}

const NO_HEADERS: string[] = [];

/**
 * Parses an answer's head (status line and fields, latin1, without the blank line): undefined when
 * it does not start with `HTTP/1.0` or `HTTP/1.1`, a space and a three-digit code. Fields are cut
 * from the text by index (no split into lines, no regular expression); only the three names that
 * decide the framing and the connection are lower-cased, recognised by their length first.
 */
export function parseResponseHead(text: string): ResponseHead | undefined {
  if (text.length < 12 || !text.startsWith('HTTP/1.')) return undefined;
  const minor = text.charCodeAt(7);
  const d0 = text.charCodeAt(9) - 48;
  const d1 = text.charCodeAt(10) - 48;
  const d2 = text.charCodeAt(11) - 48;
  if ((minor !== 48 && minor !== 49) || text.charCodeAt(8) !== 32 || !(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) return undefined;
  const status = d0 * 100 + d1 * 10 + d2;
  const v11 = minor === 49;
  // 100 Continue and friends: an interim answer, the real one follows.
  if (status >= 100 && status < 200) return { status, headers: NO_HEADERS, length: -1, chunked: false, keepAlive: v11 };
  const headers: string[] = [];
  let length = -1;
  let chunked = false;
  let keepAlive = v11;
  let eol = text.indexOf('\r\n');
  while (eol >= 0) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    const end = eol < 0 ? text.length : eol;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon >= end) continue;
    const name = text.slice(start, colon);
    const value = text.slice(colon + 1, end).trim();
    headers.push(name, value);
    switch (colon - start) {
      case 14:
        if (name.toLowerCase() === 'content-length') length = Number(value);
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
        break;
      case 10:
        if (name.toLowerCase() === 'connection') {
          const v = value.toLowerCase();
          keepAlive = v === 'keep-alive' || (v11 && v !== 'close');
        }
        break;
    }
  }
  return { status, headers, length, chunked, keepAlive };
}

/**
 * One HTTP/1.1 exchange on a pooled socket: a minimal response parser (status line, headers,
 * Content-Length, chunked, or until close) written for the upstream hop of the proxy, where
 * node:http's ClientRequest/IncomingMessage/Agent machinery is a large share of the per-request
 * CPU (bench/sidecar: compare `--raw-upstream` sides). Requests are written by the caller in one
 * piece; answers are streamed to the listener. The exchange is also the caller's control (abort,
 * pause, resume) and the pool's entry in its wait queue: one object per call, no closures.
 */
class Exchange implements UpstreamControl {
  socket: PooledSocket | undefined;
  private aborted = false;
  private pending: Buffer | undefined;
  private headDone = false;
  private mode: Body = Body.none;
  private remaining = 0;
  /** Chunked decoding: the size line seen so far, bytes left in the chunk (-2/-1: its CRLF), trailer. */
  private line = '';
  private inChunk = 0;
  private trailer = false;
  private done = false;
  keepAlive = true;

  constructor(
    private readonly pool: UpstreamPool,
    private readonly requestHead: string,
    private readonly requestBody: Buffer,
    private readonly listener: UpstreamListener,
    private readonly noBody: boolean,
  ) {}

  /** Takes a socket from the pool and writes the request on it; false when the call was aborted meanwhile. */
  start(): boolean {
    if (this.aborted) return false;
    const s = this.pool.take();
    this.socket = s;
    s.exchange = this;
    const head = this.requestHead;
    const body = this.requestBody;
    // One write: a small request is copied into one buffer (a plain send, measured cheaper than a
    // two-part writev); a large one goes as head + body in one corked writev.
    if (head.length + body.length <= ONE_BUFFER_MAX) {
      const out = Buffer.allocUnsafe(head.length + body.length);
      out.write(head, 0, 'latin1');
      body.copy(out, head.length);
      s.write(out);
    } else {
      s.cork();
      s.write(head, 'latin1');
      s.write(body);
      s.uncork();
    }
    return true;
  }

  /** Destroys the socket (for time-outs); the listener is told EABORTED. */
  abort(): void {
    this.aborted = true;
    const s = this.socket;
    // Still queued: leave the queue now (its slot is free for another call).
    if (s === undefined) this.pool.unqueue(this);
    if (s !== undefined && s.exchange === this) {
      s.exchange = undefined;
      this.fail('EABORTED');
      s.destroy();
    }
  }

  // Only while this call owns its socket: a late 'drain' of this call's client must not pause or
  // resume the socket another call now uses.
  pause(): void {
    if (this.socket?.exchange === this) this.socket.pause();
  }

  resume(): void {
    if (this.socket?.exchange === this) this.socket.resume();
  }

  private finish(reuse: boolean): void {
    const s = this.socket;
    if (s === undefined) return;
    if (s.exchange === this) s.exchange = undefined;
    this.pool.finished(s, reuse);
  }

  /** Feeds bytes from the socket. */
  feed(buf: Buffer): void {
    if (this.done) return;
    if (this.headDone) {
      this.body(buf);
      return;
    }
    let all = this.pending ? Buffer.concat([this.pending, buf]) : buf;
    for (;;) {
      const at = all.indexOf(CRLF_CRLF);
      if (at < 0) {
        if (all.length > MAX_HEAD_BYTES) this.fail('EHEADTOOLARGE');
        else this.pending = all;
        return;
      }
      const rest = all.subarray(at + 4);
      const next = this.parseHead(all.toString('latin1', 0, at));
      if (next === 'interim') {
        all = rest;
        continue;
      }
      this.pending = undefined;
      if (next !== 'body') return;
      this.headDone = true;
      if (this.mode === Body.length && this.remaining === 0) this.complete();
      else if (rest.length > 0) this.body(rest);
      return;
    }
  }

  /** The socket closed: fine when reading until close, else the answer was cut short. */
  closed(): void {
    if (this.done) return;
    if (this.mode === Body.untilClose) {
      this.done = true;
      this.listener.end();
      this.finish(false);
    } else this.fail('ECONNRESET');
  }

  fail(code: string): void {
    if (this.done) return;
    this.done = true;
    this.listener.error(code);
    this.finish(false);
  }

  private parseHead(text: string): 'interim' | 'body' | 'complete' | 'failed' {
    const h = parseResponseHead(text);
    if (h === undefined) {
      this.fail('EBADRESPONSE');
      return 'failed';
    }
    const code = h.status;
    if (code >= 100 && code < 200) return 'interim';
    this.keepAlive = h.keepAlive;
    this.listener.head(code, h.headers);
    if (this.noBody || code === 204 || code === 304) {
      this.complete();
      return 'complete';
    }
    if (h.chunked) this.mode = Body.chunked;
    else if (h.length >= 0) {
      this.mode = Body.length;
      this.remaining = h.length;
    } else {
      this.mode = Body.untilClose;
      this.keepAlive = false;
    }
    return 'body';
  }

  private body(buf: Buffer): void {
    if (this.mode === Body.length) {
      const take = Math.min(buf.length, this.remaining);
      this.remaining -= take;
      if (take > 0) this.listener.data(take === buf.length ? buf : buf.subarray(0, take));
      if (this.remaining === 0) this.complete();
    } else if (this.mode === Body.untilClose) this.listener.data(buf);
    else this.chunked(buf);
  }

  private chunked(buf: Buffer): void {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.inChunk > 0) {
        const take = Math.min(this.inChunk, buf.length - i);
        this.listener.data(buf.subarray(i, i + take));
        this.inChunk -= take;
        i += take;
        if (this.inChunk === 0) this.inChunk = -2; // the CRLF after the data
        continue;
      }
      if (this.inChunk < 0) {
        // Skip the CRLF that ends a chunk's data.
        this.inChunk++;
        i++;
        continue;
      }
      const nl = buf.indexOf(10, i);
      if (nl < 0) {
        this.line += buf.toString('latin1', i);
        if (this.line.length > 1024) this.fail('EBADCHUNK');
        return;
      }
      const line = (this.line + buf.toString('latin1', i, nl)).replace(/\r$/, '');
      this.line = '';
      i = nl + 1;
      if (this.trailer) {
        if (line === '') this.complete();
        continue;
      }
      const size = parseInt(line, 16);
      if (!Number.isFinite(size) || size < 0) {
        this.fail('EBADCHUNK');
        return;
      }
      if (size === 0) this.trailer = true;
      else this.inChunk = size;
    }
  }

  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.listener.end();
    this.finish(this.keepAlive);
  }
}

interface PooledSocket extends net.Socket {
  exchange?: Exchange;
}

/**
 * Keep-alive connections to one plain-HTTP upstream, reused LIFO (the most recently used socket
 * is the least likely to have been closed by the upstream's idle timeout). At most `maxSockets`
 * open; further requests wait in a bounded queue and are refused (ETOOMANY) beyond it.
 */
export class UpstreamPool {
  private readonly idle: PooledSocket[] = [];
  private readonly sockets = new Set<PooledSocket>();
  private readonly waiting: Exchange[] = [];
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets = 512,
    private readonly maxWaiting = 4096,
  ) {}

  /**
   * Sends `head` (request line + headers + blank line, latin1) and `body` on a pooled connection.
   * Returns its control: abort (destroys the socket, for time-outs), pause/resume (backpressure).
   */
  request(head: string, body: Buffer, noBody: boolean, listener: UpstreamListener): UpstreamControl {
    const ex = new Exchange(this, head, body, listener, noBody);
    if (this.idle.length > 0 || this.sockets.size < this.maxSockets) ex.start();
    else if (this.waiting.length < this.maxWaiting) this.waiting.push(ex);
    else listener.error('ETOOMANY');
    return ex;
  }

  /** A socket for an exchange: the most recently used idle one, else a new connection. */
  take(): PooledSocket {
    return this.idle.pop() ?? this.connect();
  }

  /** An exchange is over: its socket goes back to the pool, or is dropped. */
  finished(s: PooledSocket, reuse: boolean): void {
    if (reuse && !this.closed && !s.destroyed) {
      // Paused for a slow client when the answer's end came in the same read: the next call on
      // this socket must be read (review finding, test/regression/upstream-pool-paused-socket).
      if (s.isPaused()) s.resume();
      this.release(s);
    } else this.drop(s);
  }

  /** An aborted call leaves the wait queue. */
  unqueue(ex: Exchange): void {
    const i = this.waiting.indexOf(ex);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.idle.length = 0;
  }

  private connect(): PooledSocket {
    // `onread`: answers are read into one buffer and handed over directly, without the Readable
    // stream's push/emit per read; the bytes are copied out (they outlive the read).
    const s: PooledSocket = net.connect({
      host: this.host, port: this.port, noDelay: true,
      onread: {
        buffer: this.readBuffer,
        callback: (n: number, buf: Uint8Array) => {
          if (s.exchange) s.exchange.feed(Buffer.from(buf.subarray(0, n)));
          else s.destroy(); // bytes nobody asked for: the connection is out of step, drop it
          return true;
        },
      },
    });
    this.sockets.add(s);
    s.setKeepAlive(true, 60_000);
    s.on('error', (err: NodeJS.ErrnoException) => s.exchange?.fail(err.code ?? 'ECONNRESET'));
    s.on('close', () => {
      s.exchange?.closed();
      this.drop(s);
    });
    // The upstream closed an idle keep-alive connection: forget it before anyone picks it.
    s.on('end', () => {
      if (!s.exchange) s.destroy();
    });
    return s;
  }

  private release(s: PooledSocket): void {
    this.idle.push(s);
    this.startNext();
  }

  /** Starts the first queued call that is still wanted (an aborted one must not take the turn). */
  private startNext(): void {
    for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
      if (next.start()) return;
    }
  }

  private drop(s: PooledSocket): void {
    if (!this.sockets.delete(s)) return;
    const i = this.idle.indexOf(s);
    if (i >= 0) this.idle.splice(i, 1);
    if (!s.destroyed) s.destroy();
    this.startNext();
  }
}
