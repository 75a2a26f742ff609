import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/** What a response tells the connection it is written on. */
export interface ResponseOwner {
  readonly socket: Socket;
  /** The server is shutting down: this answer is the connection's last. */
  readonly draining: boolean;
  /** The response is complete (its last byte handed to the socket). */
  responseFinished(res: FastResponse, close: boolean): void;
}

const enum Body { unsent, length, chunked, untilClose, none }

/** Answers up to this size are copied into one buffer and written at once (one send, no writev). */
const ONE_BUFFER_MAX = 64 * 1024;

let dateSecond = 0;
let dateLine = '';
/** The Date header, rendered once a second (as node:http does). */
function date(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateLine = `date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}

type Listener = () => void;

/**
 * The answer to a FastRequest: the subset of node:http's ServerResponse the sidecar's handlers use
 * (writeHead with an object or a flat list, write, end, headersSent, statusCode, destroy, and the
 * finish / close / drain events). The head is held until the first byte of the body, so a small
 * answer goes out as one buffer in one write; Content-Length is added when the whole body is
 * given to end(), chunked encoding otherwise (HTTP/1.0: until close).
 */
export class FastResponse {
  statusCode = 200;
  headersSent = false;
  finished = false;
  private head = '';
  private mode: Body = Body.unsent;
  private hasLength = false;
  private hasConnection = false;
  private close: boolean;
  private onFinish: Listener[] | undefined;
  private onClose: Listener[] | undefined;

  constructor(
    private readonly owner: ResponseOwner,
    /** HEAD: the head is sent, the body is not. */
    private readonly headOnly: boolean,
    private readonly v11: boolean,
    /** The connection closes after this answer (the client asked, or the server is draining). */
    closeAfter: boolean,
  ) {
    this.close = closeAfter;
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders | readonly string[]): this {
    if (this.headersSent) return this;
    this.statusCode = status;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    if (headers !== undefined) {
      if (Array.isArray(headers)) {
        for (let i = 0; i < headers.length; i += 2) head += this.field(headers[i] as string, headers[i + 1] as string);
      } else {
        const obj = headers as OutgoingHttpHeaders;
        for (const name in obj) {
          const v = obj[name];
          if (v === undefined) continue;
          if (Array.isArray(v)) for (const one of v) head += this.field(name, one);
          else head += this.field(name, String(v));
        }
      }
    }
    this.head = head;
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer | string): boolean {
    if (this.finished) return false;
    if (this.mode === Body.unsent) {
      if (!this.headersSent) this.writeHead(this.statusCode);
      this.startBody(false, 0);
      return this.send(chunk);
    }
    return this.send(chunk);
  }

  end(chunk?: Buffer | string): this {
    if (this.finished) return this;
    if (this.mode === Body.unsent) {
      if (!this.headersSent) this.writeHead(this.statusCode);
      this.startBody(true, chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    }
    if (chunk !== undefined && chunk.length > 0) this.send(chunk);
    else if (this.head !== '') this.flushHead();
    if (this.mode === Body.chunked && this.owner.socket.writable) this.owner.socket.write('0\r\n\r\n');
    this.finished = true;
    if (this.onFinish !== undefined) for (const f of this.onFinish) f();
    this.owner.responseFinished(this, this.close || this.mode === Body.untilClose);
    return this;
  }

  /** Drops the connection; 'close' listeners run when the socket has closed, as with node:http. */
  destroy(): void {
    this.owner.socket.destroy();
  }

  once(event: 'finish' | 'close' | 'drain', listener: Listener): this {
    if (event === 'finish') (this.onFinish ??= []).push(listener);
    else if (event === 'close') (this.onClose ??= []).push(listener);
    else this.owner.socket.once('drain', listener);
    return this;
  }

  /** The socket closed before this answer was complete (the client went away): 'close' listeners run. */
  aborted(): void {
    if (this.finished) return;
    this.finished = true;
    const l = this.onClose;
    this.onClose = undefined;
    if (l !== undefined) for (const f of l) f();
  }

  /** A field line; a value with CR or LF would split the response (node:http refuses these too). */
  private field(name: string, value: string): string {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 13 || c === 10) throw new TypeError(`invalid character in header "${name}"`);
    }
    switch (name.length) {
      case 10:
        if (name.toLowerCase() === 'connection') {
          this.hasConnection = true;
          if (value.toLowerCase().includes('close')) this.close = true;
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') this.hasLength = true;
        break;
      case 17:
        // A handler's own transfer-encoding is node:http's business; here the body is framed once, below.
        if (name.toLowerCase() === 'transfer-encoding') return '';
        break;
    }
    return `${name}: ${value}\r\n`;
  }

  /** Decides the framing once the first body byte (or the end) is known; completes the head. */
  private startBody(whole: boolean, size: number): void {
    const s = this.statusCode;
    let extra = date();
    if (this.headOnly || s === 204 || s === 304 || (s >= 100 && s < 200)) {
      this.mode = Body.none;
      // HEAD: the length the GET would have, when the handler gave the whole body.
      if (this.headOnly && whole && !this.hasLength) extra += `content-length: ${size}\r\n`;
    } else if (this.hasLength) this.mode = Body.length;
    else if (whole) {
      this.mode = Body.length;
      extra += `content-length: ${size}\r\n`;
    } else if (this.v11) {
      this.mode = Body.chunked;
      extra += 'transfer-encoding: chunked\r\n';
    } else this.mode = Body.untilClose;
    if (this.mode === Body.untilClose || this.owner.draining) this.close = true;
    if (!this.hasConnection) {
      if (this.close) extra += 'connection: close\r\n';
      else if (!this.v11) extra += 'connection: keep-alive\r\n';
    }
    this.head += `${extra}\r\n`;
  }

  private flushHead(): void {
    if (!this.owner.socket.writable) return;
    this.owner.socket.write(this.head, 'latin1');
    this.head = '';
  }

  /** Writes a body chunk, with the head in front of it the first time (one buffer, one write). */
  private send(chunk: Buffer | string): boolean {
    const socket = this.owner.socket;
    // The connection was refused (timeout, malformed body) or dropped under the handler: nothing to write to.
    if (!socket.writable) return false;
    if (this.mode === Body.none) {
      if (this.head !== '') this.flushHead();
      return true;
    }
    if (this.mode === Body.chunked) {
      const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (len === 0) return true;
      this.head += `${len.toString(16)}\r\n`;
      socket.cork();
      this.flushHead();
      socket.write(chunk);
      const ok = socket.write('\r\n');
      socket.uncork();
      return ok;
    }
    const head = this.head;
    if (head === '') return socket.write(chunk);
    this.head = '';
    const bodyLen = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (head.length + bodyLen <= ONE_BUFFER_MAX) {
      // One allocation from the pool and one send: cheaper than a two-part writev for small answers.
      const out = Buffer.allocUnsafe(head.length + bodyLen);
      out.write(head, 0, 'latin1');
      if (typeof chunk === 'string') out.write(chunk, head.length, 'utf8');
      else chunk.copy(out, head.length);
      return socket.write(out);
    }
    socket.cork();
    socket.write(head, 'latin1');
    const ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }
}
