import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import type { ModelSource, Protocol } from '../config/types.js';
import { createProtocolCodec } from '../protocols/registry.js';
import { CallMonitor } from '../proxy/call-monitor.js';
import type { Runtime } from '../server/runtime.js';
import { KServeTap, chooseByPayload } from './kserve-tap.js';
import { NginxTap } from './nginx-tap.js';
import { TapRecorder } from './tap-recorder.js';

export interface RunningTap {
  /** tap kserve: handles the CloudEvents POSTed to the sidecar's HTTP port. */
  handle?: (req: IncomingMessage, res: ServerResponse) => void;
  /** tap nginx: the UDP port of the syslog listener. */
  port?: number;
  close(): Promise<void>;
}

/** Starts the configured tap; its counters join /metrics. Codecs are built once, here. */
export async function startTap(rt: Runtime, source: Extract<ModelSource, { kind: 'tap' }>, featureNames: string[] | undefined): Promise<RunningTap> {
  const options = featureNames ? { featureNames } : {};
  const monitor = (protocol: Protocol) => {
    try {
      return new CallMonitor(rt.telemetry, protocol === 'json'
        ? createProtocolCodec({ protocol: 'json', ...options, ...source.json! })
        : createProtocolCodec({ protocol, ...options }));
    } catch (err) {
      throw new ConfigError(ConfigErrorCode.notAllowed, 'json', (err as Error).message);
    }
  };
  const recorder = new TapRecorder(rt.telemetry);
  const identity = rt.telemetry.identityLabels;
  if (source.format === 'kserve') {
    const choose = source.protocol ? ((m: CallMonitor) => () => m)(monitor(source.protocol)) : chooseByPayload(monitor('oip'), monitor('tfserving'));
    const { maxBodyBytes, tapMaxPending, tapPendingTimeoutMs } = rt.config.limits;
    const tap = new KServeTap(recorder, choose, identity, maxBodyBytes, { maxPending: tapMaxPending, timeoutMs: tapPendingTimeoutMs });
    rt.telemetry.addRenderer((out) => tap.counters.render(out));
    return {
      handle: (req, res) => tap.handle(req, res),
      close: async () => tap.close(),
    };
  }
  const tap = new NginxTap(recorder, monitor(source.protocol ?? 'oip'), identity);
  rt.telemetry.addRenderer((out) => tap.counters.render(out));
  const port = await tap.listen(source.port ?? 0, rt.config.host);
  return { port, close: () => tap.close() };
}
