import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const pluginRoot = fileURLToPath(new URL('..', import.meta.url));

/** Runs the real build (rollup.config.mjs) into a fresh folder and returns it. */
export function buildDist(): string {
  const out = mkdtempSync(join(tmpdir(), 'modelwatch-plugin-dist-'));
  execFileSync(process.execPath, [join(pluginRoot, '../node_modules/rollup/dist/bin/rollup'), '-c', 'rollup.config.mjs', '--silent'], {
    cwd: pluginRoot,
    env: { ...process.env, PLUGIN_OUT_DIR: out },
    stdio: 'pipe',
  });
  return out;
}
