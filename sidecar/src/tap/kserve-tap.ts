import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { ModelwatchError, TapErrors, TapOutcome } from '@modelwatch/core';
import { headerValue } from '../protocols/codec.js';
import type { CallMonitor } from '../proxy/call-monitor.js';
import { readBody } from '../server/body.js';
import { sendJson } from '../server/respond.js';
import { PendingTable, type Eviction, type PendingLimits } from './pending-table.js';
import { TapCounters } from './tap-counters.js';
import type { TapRecorder } from './tap-recorder.js';

/** CloudEvent types of KServe's payload logger (binary content mode). */
export const KSERVE_REQUEST = 'org.kubeflow.serving.inference.request';
export const KSERVE_RESPONSE = 'org.kubeflow.serving.inference.response';

interface Half {
  body: Buffer;
  headers: IncomingHttpHeaders;
  /** performance.now() at arrival, and the event's own ce-time when it parses. */
  arrived: number;
  time: number | undefined;
}
interface Pair {
  request?: Half;
  response?: Half;
}

/** Picks the codec of a logged payload: a v2 (OIP) one, or v1 (TF Serving `instances`/`predictions`). */
export type MonitorChooser = (requestBody: Buffer) => CallMonitor;

/**
 * Receives KServe payload-logger CloudEvents (binary mode: `ce-*` headers, the v1 or v2 payload as
 * the body), answers 202 at once, and pairs request and response by `ce-id` in a bounded table.
 * Halves may come in either order; a repeated (id, type) is a duplicate and ignored; a half
 * whose partner does not come within the time-out, or that is pushed out of a full table, is
 * dropped and counted. Complete pairs are recorded like inline calls.
 */
export class KServeTap {
  readonly counters: TapCounters;
  private readonly table: PendingTable<Pair>;

  constructor(
    private readonly recorder: TapRecorder,
    private readonly choose: MonitorChooser,
    identity: string,
    private readonly maxBodyBytes: number,
    limits: PendingLimits,
  ) {
    this.table = new PendingTable<Pair>(limits, (_pair, why: Eviction) => this.counters.count(why === 'overflow' ? TapOutcome.overflow : TapOutcome.timedOut));
    this.counters = new TapCounters(identity, () => this.table.size);
    this.table.start();
  }

  close(): void {
    this.table.stop();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const id = headerValue(req.headers, 'ce-id');
    const type = headerValue(req.headers, 'ce-type');
    const problem = req.method !== 'POST'
      ? `method ${req.method}; KServe's logger POSTs its events`
      : !id
        ? 'missing ce-id header (binary-mode CloudEvents carry their attributes as ce-* headers)'
        : type !== KSERVE_REQUEST && type !== KSERVE_RESPONSE
          ? `ce-type ${JSON.stringify(type ?? '')}, expected ${KSERVE_REQUEST} or ${KSERVE_RESPONSE}`
          : undefined;
    if (problem) {
      req.resume();
      this.refuse(res, problem);
      return;
    }
    readBody(req, this.maxBodyBytes).then((r) => {
      if (!r.ok) {
        this.refuse(res, r.tooLarge ? `body larger than ${this.maxBodyBytes} bytes` : 'unreadable body', r.tooLarge ? 413 : 400);
        if (r.tooLarge) res.once('finish', () => req.socket.destroySoon());
        return;
      }
      // Acknowledge first: the logger must never wait on monitoring.
      res.writeHead(202, { 'content-length': '0' });
      res.end();
      this.accept(id!, type === KSERVE_REQUEST, { body: r.body, headers: req.headers, arrived: performance.now(), time: eventTime(req.headers) });
    }, () => this.refuse(res, 'unreadable body'));
  }

  private refuse(res: ServerResponse, detail: string, status?: number): void {
    this.counters.count(TapOutcome.invalid);
    const err = new ModelwatchError(TapErrors.invalidEvent, { detail });
    sendJson(res, status ?? err.status, JSON.stringify(err.body()));
  }

  private accept(id: string, isRequest: boolean, half: Half): void {
    if (this.table.completed(id)) {
      this.counters.count(TapOutcome.duplicate);
      return;
    }
    const pair = this.table.get(id) ?? {};
    if (isRequest ? pair.request : pair.response) {
      this.counters.count(TapOutcome.duplicate);
      return;
    }
    if (isRequest) pair.request = half;
    else pair.response = half;
    if (!pair.request || !pair.response) {
      this.table.put(id, pair);
      return;
    }
    this.table.complete(id);
    this.counters.count(TapOutcome.paired);
    const { request, response } = pair;
    const seconds = request.time !== undefined && response.time !== undefined
      ? Math.max(0, response.time - request.time) / 1000
      : Math.max(0, response.arrived - request.arrived) / 1000;
    this.recorder.record({
      monitor: this.choose(request.body),
      requestBody: request.body,
      requestHeaders: request.headers,
      status: 200,
      responseBody: response.body,
      responseBytes: response.body.length,
      responseHeaders: response.headers,
      seconds,
    });
  }
}

/** ce-time (RFC 3339) in ms, when present and valid. */
function eventTime(headers: IncomingHttpHeaders): number | undefined {
  const t = headerValue(headers, 'ce-time');
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** v2 payloads describe their tensors with `datatype`; v1 ones never do. */
export function chooseByPayload(v2: CallMonitor, v1: CallMonitor): MonitorChooser {
  return (body) => (body.indexOf('"datatype"') >= 0 ? v2 : v1);
}
