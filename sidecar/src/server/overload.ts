import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorReason, ModelwatchError, RequestErrors } from '@modelwatch/core';
import type { Limits } from '../config/types.js';
import type { SidecarTelemetry } from '../metrics/telemetry.js';

/**
 * Protection of the sidecar against slow and greedy clients (issue 12, item 7): header and body
 * timeouts answered 408, CONNECT answered 405, a cap on open connections (idle keep-alive ones
 * are closed first), and the in-flight cap checked per inference call (see `overloaded`).
 * Everything here is set up once; the request path only compares one integer.
 */
const TIMED_OUT = Symbol('modelwatch.timedOut');

/** True once the server answered 408 on this socket (the exchange then records a 408, not a 400). */
export function timedOut(socket: Duplex | null | undefined): boolean {
  return socket !== null && socket !== undefined && (socket as unknown as Record<symbol, unknown>)[TIMED_OUT] === true;
}

function rawAnswer(status: number, reason: string, err: ModelwatchError, extra = ''): string {
  const body = JSON.stringify(err.body());
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`;
}

/** Marks a socket as answered 408 (the exchange reading its body then records a 408, not a 400). */
export function markTimedOut(socket: Duplex): void {
  (socket as unknown as Record<symbol, unknown>)[TIMED_OUT] = true;
}

/** The raw answers written on a socket when no handler is involved (built once per server). */
export function rawRefusals(limits: Limits): { timeout: string; malformed: string; headersTooLarge: string; connect: string } {
  const timeout = new ModelwatchError(RequestErrors.timeout, { ms: limits.headersTimeoutMs + limits.bodyTimeoutMs });
  return {
    timeout: rawAnswer(408, 'Request Timeout', timeout),
    malformed: rawAnswer(400, 'Bad Request', new ModelwatchError(RequestErrors.malformedHttp)),
    headersTooLarge: rawAnswer(431, 'Request Header Fields Too Large', new ModelwatchError(RequestErrors.invalid, { detail: 'request headers are too large' })),
    connect: rawAnswer(405, 'Method Not Allowed', new ModelwatchError(RequestErrors.connectNotSupported), 'allow: GET, POST, PUT, DELETE, HEAD, OPTIONS\r\n'),
  };
}

export interface OverloadOptions {
  limits: Limits;
  telemetry: SidecarTelemetry;
  /** Closes the idle connections node:http does not know of (the sidecar's own HTTP/1.1 server). */
  closeIdle?: () => void;
}

/** Server options for node:http derived from the limits (timeouts are enforced by Node itself). */
export function serverTimeouts(limits: Limits): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // Node's requestTimeout covers headers and body together.
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs,
    // How often Node checks those timeouts: a tenth of the shortest, within 100 ms..1 s.
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 10))),
  };
}

export function protect(server: Server, { limits, telemetry, closeIdle }: OverloadOptions): void {
  const answers = rawRefusals(limits);

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      markTimedOut(socket);
      // A timeout before any handler saw the request is counted here; one during the body is
      // counted by the exchange that was reading it.
      if (!(socket as unknown as { _httpMessage?: unknown })._httpMessage) telemetry.error(ErrorReason.requestTimeout);
      if (socket.writable) socket.end(answers.timeout);
      else socket.destroy();
      return;
    }
    // Malformed HTTP (bad request line, oversized headers): answered without involving handlers.
    if (!socket.writable || err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE') {
      socket.destroy();
      return;
    }
    socket.end(err.code === 'HPE_HEADER_OVERFLOW' ? answers.headersTooLarge : answers.malformed);
  });

  // Without a listener Node drops a CONNECT without a word: this is not a forward proxy, say so.
  server.on('connect', (_req, socket: Duplex) => {
    telemetry.error(ErrorReason.unknownRoute);
    socket.end(answers.connect);
  });

  let open = 0;
  server.on('connection', (socket) => {
    open++;
    if (open > limits.maxConnections) {
      // Make room from idle keep-alive connections before refusing a new client.
      server.closeIdleConnections();
      closeIdle?.();
    }
    telemetry.setConnections(open);
    socket.once('close', () => {
      open--;
      telemetry.setConnections(open);
    });
  });
  // Node refuses (closes) connections beyond this; idle ones were closed above first.
  server.maxConnections = limits.maxConnections + 1;
}

/** The 503 answered when the in-flight cap is reached (built once). */
export function overloadAnswer(limits: Limits): { body: string; headers: Record<string, string> } {
  const err = new ModelwatchError(RequestErrors.overloaded, { limit: limits.maxInFlight });
  return { body: JSON.stringify(err.body()), headers: { 'retry-after': '1', connection: 'close' } };
}
