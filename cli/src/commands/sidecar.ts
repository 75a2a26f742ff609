import { isModelwatchError } from '@modelwatch/core';
import { ConfigError, SIDECAR_USAGE, configFromArgs, resolveConfig, startSidecar, startSidecarWorkers } from '@modelwatch/sidecar';

/**
 * `modelwatch sidecar`: runs the sidecar until SIGINT/SIGTERM, then closes it gracefully
 * (stops accepting, finishes in-flight calls, flushes spans). Exit codes: 2 bad flags or
 * configuration, 1 runtime failure.
 */
export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof configFromArgs>;
  try {
    parsed = configFromArgs(argv);
  } catch (err) {
    console.error(`modelwatch sidecar: ${(err as Error).message}\n\n${SIDECAR_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(SIDECAR_USAGE);
    return 0;
  }
  let sidecar: { url: string; config: Awaited<ReturnType<typeof startSidecar>>['config']; tapPort?: number; reloadTls?(): boolean; close(): Promise<void> };
  let workers = 1;
  try {
    workers = resolveConfig(parsed.input).workers ?? 1;
    sidecar = workers > 1 ? await startSidecarWorkers(parsed.input) : await startSidecar(parsed.input);
  } catch (err) {
    if (err instanceof ConfigError || isModelwatchError(err)) {
      console.error(`modelwatch sidecar: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const { config } = sidecar;
  const src = config.source;
  const what = src.kind === 'embedded'
    ? `model ${src.modelPath}`
    : src.kind === 'tap'
      ? `tap ${src.format}${sidecar.tapPort !== undefined ? ` on udp port ${sidecar.tapPort}` : ''}`
      : `${src.protocol} upstream ${src.upstream}`;
  const procs = workers > 1 ? `, ${workers} workers` : '';
  console.log(`modelwatch sidecar: serving "${config.name}" (${what}${procs}) on ${sidecar.url} (metrics at ${sidecar.url}/metrics)`);
  const rollouts = 'rollouts' in sidecar ? (sidecar as Awaited<ReturnType<typeof startSidecar>>) : undefined;
  if (rollouts?.adminUrl) console.log(`modelwatch sidecar: rollout admin API on ${rollouts.adminUrl}/admin (variants: ${rollouts.rollouts.variants.map((v) => v.name).join(', ')})`);
  return new Promise<number>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) return;
      closing = true;
      console.log(`modelwatch sidecar: ${signal}, shutting down`);
      sidecar.close().then(() => resolve(0), (err: unknown) => {
        console.error(`modelwatch sidecar: error while closing: ${(err as Error).message}`);
        resolve(1);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.on('SIGHUP', () => {
      if (!sidecar.reloadTls) {
        console.log('modelwatch sidecar: SIGHUP: TLS reload is not supported with --workers; restart to change the certificate');
        return;
      }
      const ok = sidecar.reloadTls();
      console.log(`modelwatch sidecar: SIGHUP: ${ok ? 'TLS certificate reloaded' : 'TLS not reloaded (see the log)'}`);
    });
  });
}
