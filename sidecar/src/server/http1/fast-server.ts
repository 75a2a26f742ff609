import http from 'node:http';
import type { Socket } from 'node:net';
import type { Limits } from '../../config/types.js';
import { FastConnection, type ConnectionHost } from './fast-connection.js';
import type { FastRequest } from './fast-request.js';
import type { FastResponse } from './fast-response.js';

/** Raw refusals written on the socket (the same bytes node:http's clientError handler writes). */
export interface RawRefusals {
  malformed: string;
  headersTooLarge: string;
  timeout: string;
}

export interface FastServerOptions {
  limits: Limits;
  keepAliveTimeoutMs: number;
  /** How often deadlines are checked (node:http's connectionsCheckingInterval). */
  checkIntervalMs: number;
  refusals: RawRefusals;
  /** True for the requests answered here (inference calls of a proxy or an embedded model, health, metrics). */
  serves(method: string, path: string): boolean;
  onRequest(req: FastRequest, res: FastResponse): void;
  /** Headers that never completed in time: counted like node:http's early timeouts. */
  onHeadersTimeout(): void;
  /** The body of a dispatched request timed out: marks the socket so the exchange answers 408. */
  onBodyTimeout(socket: Socket): void;
}

/**
 * The sidecar's own HTTP/1.1 server for the inference hot path, proxy and embedded (docs/performance.md, "Data path"):
 * it takes every connection of a node:http Server before node:http does, parses request heads by
 * hand, and answers the requests `serves` accepts with FastRequest/FastResponse: no
 * IncomingMessage, ServerResponse, header object building in C++ and JS twice, or per-request
 * timers. The first request it does not serve (another route, CONNECT, an unusual Expect) hands
 * the connection, with the bytes not yet used, to node:http for the rest of its life, so every
 * other behaviour stays exactly node:http's. TLS is not handled here (node:https serves it whole).
 */
export class FastHttpServer implements ConnectionHost {
  readonly maxHeaderBytes = http.maxHeaderSize;
  readonly maxBodyBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  draining = false;
  private readonly connections = new Set<FastConnection>();
  private nodeConnection: ((socket: Socket) => void) | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: FastServerOptions) {
    this.maxBodyBytes = options.limits.maxBodyBytes;
    this.headersTimeoutMs = options.limits.headersTimeoutMs;
    this.requestTimeoutMs = options.limits.headersTimeoutMs + options.limits.bodyTimeoutMs;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs;
  }

  /**
   * Puts this server in front of node:http's connection handling on `server` (which keeps
   * listening, counting connections, its maxConnections and its own timeouts for the connections
   * it is handed).
   */
  attach(server: http.Server): void {
    const nodeListener = server.listeners('connection')[0] as (socket: Socket) => void;
    server.off('connection', nodeListener);
    // node:http's Server sets noDelay on accepted sockets already (its default).
    server.prependListener('connection', (socket: Socket) => {
      this.connections.add(new FastConnection(socket, this));
    });
    this.nodeConnection = (socket) => nodeListener.call(server, socket);
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const c of this.connections) c.check(now);
    }, this.options.checkIntervalMs);
    sweep.unref();
    this.sweep = sweep;
  }

  serves(method: string, path: string): boolean {
    return this.options.serves(method, path);
  }

  dispatch(req: FastRequest, res: FastResponse): void {
    this.options.onRequest(req, res);
  }

  handOff(socket: Socket, unread: Buffer | undefined): void {
    if (unread !== undefined) socket.unshift(unread);
    this.nodeConnection!(socket);
    if (socket.isPaused()) socket.resume();
  }

  refuse(socket: Socket, kind: 'malformed' | 'headersTooLarge' | 'timeout'): void {
    if (socket.writable) socket.end(this.options.refusals[kind]);
    else socket.destroy();
  }

  headersTimedOut(): void {
    this.options.onHeadersTimeout();
  }

  bodyTimedOut(socket: Socket): void {
    this.options.onBodyTimeout(socket);
  }

  forget(conn: FastConnection): void {
    this.connections.delete(conn);
  }

  /** Closes the connections idle between requests (to make room for new clients). */
  closeIdle(): void {
    for (const c of this.connections) c.closeIfIdle(false);
  }

  /** Shutdown: idle connections close now, busy ones after their answer (which says `connection: close`). */
  drain(): void {
    this.draining = true;
    for (const c of this.connections) c.closeIfIdle(true);
  }

  /** End of the grace period: whatever is still open is dropped. */
  destroyAll(): void {
    for (const c of this.connections) c.socket.destroy();
  }

  close(): void {
    clearInterval(this.sweep);
  }
}
