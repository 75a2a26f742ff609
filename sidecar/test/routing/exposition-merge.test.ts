import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeExpositions } from '../../src/routing/exposition-merge.js';

const family = (variant: string) =>
  `# HELP m_total Things.\n# TYPE m_total counter\nm_total{variant="${variant}"} 1\n# HELP g A gauge.\n# TYPE g gauge\ng{variant="${variant}"} 2\n`;

describe('mergeExpositions', () => {
  it('writes each family once with the samples of every registry under it', () => {
    const text = mergeExpositions([family('primary'), family('canary'), '# HELP only Only here.\n# TYPE only gauge\nonly 3\n']);
    expect(text).toBe(
      '# HELP m_total Things.\n# TYPE m_total counter\nm_total{variant="primary"} 1\nm_total{variant="canary"} 1\n' +
      '# HELP g A gauge.\n# TYPE g gauge\ng{variant="primary"} 2\ng{variant="canary"} 2\n' +
      '# HELP only Only here.\n# TYPE only gauge\nonly 3\n',
    );
  });

  it('produces an exposition promtool accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-merge-'));
    try {
      const file = join(dir, 'metrics.txt');
      writeFileSync(file, mergeExpositions([family('primary'), family('canary')]));
      // promtool check metrics reads stdin and exits non-zero on a duplicate or misplaced family.
      execFileSync('sh', ['-c', `promtool check metrics < ${file}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
