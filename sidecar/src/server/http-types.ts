import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A request as the sidecar's handlers read it: node:http's IncomingMessage, or a FastRequest
 * from the sidecar's own HTTP/1.1 server (server/http1/). Bodies are read with server/body.ts.
 */
export interface ServerRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly httpVersion: string;
  readonly socket: Socket;
  /** Discards the body. */
  resume(): unknown;
}

/** An answer as the sidecar's handlers write it: node:http's ServerResponse, or a FastResponse. */
export interface ServerReply {
  statusCode: number;
  readonly headersSent: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders | string[]): unknown;
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): unknown;
  destroy(): unknown;
  once(event: 'finish' | 'close' | 'drain', listener: () => void): unknown;
}
