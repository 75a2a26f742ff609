import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Copies the project's rule files, optionally with every `for:` shortened: the demo and the
 * end-to-end tests run the committed expressions on a compressed clock, where waiting 15 real
 * minutes for a `for:` would hide the result. The expressions themselves are untouched.
 */
export function writeRuleFiles(fromDir: string, toDir: string, forOverride?: string): string[] {
  mkdirSync(toDir, { recursive: true });
  return readdirSync(fromDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      let text = readFileSync(join(fromDir, f), 'utf8');
      if (forOverride) text = text.replace(/^(\s+for: ).+$/gm, `$1${forOverride}`);
      const out = join(toDir, f);
      writeFileSync(out, text);
      return out;
    });
}
