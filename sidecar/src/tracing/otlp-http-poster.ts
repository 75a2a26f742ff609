import http from 'node:http';
import https from 'node:https';

export interface PosterOptions {
  url: string;
  /** Content type included. */
  headers: Record<string, string>;
  timeoutMs: number;
  maxConcurrent: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

/** Called once per post: the error when the endpoint did not take the batch, and the body's buffer when it travelled to another thread and back. */
export type PostDone = (error: Error | undefined, returned: ArrayBuffer | undefined) => void;

/** Where a finished batch goes: this thread's sockets, or the export thread's. */
export interface BatchPoster {
  post(head: Uint8Array, body: Uint8Array, done: PostDone): void;
  close(): void;
}

/** POSTs batches over keep-alive sockets on the calling thread. */
export class HttpPoster implements BatchPoster {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(private readonly options: PosterOptions) {
    const secure = new URL(options.url).protocol === 'https:';
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: options.maxConcurrent, ...options.tls })
      : new http.Agent({ keepAlive: true, maxSockets: options.maxConcurrent });
    this.request = secure ? https.request : http.request;
  }

  post(head: Uint8Array, body: Uint8Array, done: PostDone): void {
    let finished = false;
    const finish = (error: Error | undefined) => {
      if (finished) return;
      finished = true;
      done(error, undefined);
    };
    const length = head.length + body.length;
    const req = this.request(this.options.url, {
      method: 'POST',
      agent: this.agent,
      headers: { ...this.options.headers, 'content-length': length },
      timeout: this.options.timeoutMs,
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', (err) => finish(err));
      res.on('end', () => finish(status >= 200 && status < 300 ? undefined : new Error(`OTLP endpoint answered HTTP ${status}`)));
      res.resume();
    });
    req.on('timeout', () => req.destroy(new Error(`OTLP export timed out after ${this.options.timeoutMs} ms`)));
    req.on('error', (err) => finish(err));
    // The head may come from a shared writer: copied (a few dozen bytes) before the next batch reuses it.
    req.write(Buffer.from(head));
    req.end(body);
  }

  close(): void {
    this.agent.destroy();
  }
}
