/** What a delivery came to, after every attempt it was allowed. */
export interface Delivery {
  delivered: boolean;
  attempts: number;
  /** HTTP status of the last attempt, when there was an answer. */
  status?: number;
  error?: string;
}

export interface WebhookOptions {
  url: string;
  headers: Record<string, string>;
  attempts: number;
  retryDelayMs: number;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** A status worth retrying: the receiver may take it next time (server errors, throttling, timeouts). */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/**
 * POSTs the payload as JSON until a 2xx, with exponential backoff between attempts. A 4xx other
 * than throttling is final (the receiver refused this payload; repeating it changes nothing).
 * The same idempotency key goes with every attempt, so a receiver can drop a retried duplicate.
 */
export async function deliver(o: WebhookOptions, payload: unknown, idempotencyKey: string): Promise<Delivery> {
  const body = JSON.stringify(payload);
  let last: Delivery = { delivered: false, attempts: 0 };
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (attempt > 1) await sleep(o.retryDelayMs * 2 ** (attempt - 2));
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...o.headers },
        body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts: attempt, status: res.status };
      last = { delivered: false, attempts: attempt, status: res.status, error: `HTTP ${res.status}` };
      if (!retryable(res.status)) return last;
    } catch (err) {
      last = { delivered: false, attempts: attempt, error: (err as Error).message };
    }
  }
  return last;
}
