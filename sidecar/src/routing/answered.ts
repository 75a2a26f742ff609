import type { IncomingHttpHeaders } from 'node:http';
import type { InputBatch, OutputBatch } from '../protocols/types.js';

/**
 * One inference call after its answer was written to the client: what the variant layer needs to
 * copy it to a shadow, compare outputs and judge a canary. Handlers build it only when an observer
 * is installed, so a sidecar without variants pays nothing for it.
 */
export interface AnsweredExchange {
  readonly method: string;
  /** Request target as the client sent it (path and query), replayed to shadows. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly status: number;
  /** Parsed outputs of a successful answer; undefined when not monitorable or not 2xx. */
  readonly outputs: OutputBatch | undefined;
  /** The request's parsed inputs when the handler has them: a shadow reuses them instead of parsing again. */
  readonly inputs?: InputBatch;
}

/** Called synchronously after `res.end()`; must not throw and must defer any real work. */
export type ExchangeObserver = (exchange: AnsweredExchange) => void;
