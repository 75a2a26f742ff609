import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readConfigFile, resolveConfig } from '@modelwatch/sidecar';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METRICS_DOC, renderMetricsDoc } from '../../scripts/generate-metrics-doc.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('docs/metrics.md', () => {
  it('is up to date with the metric contract', () => {
    expect(readFileSync(METRICS_DOC, 'utf8')).toBe(renderMetricsDoc());
  });
});

describe('docker-compose.yml', () => {
  it('passes docker-compose config validation', () => {
    execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, stdio: 'pipe' });
  });

  it('runs the whole stack: model server, sidecar, collector, Prometheus, Alertmanager, Grafana, a trace backend', () => {
    const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as { services: Record<string, unknown> };
    expect(Object.keys(compose.services).sort()).toEqual(
      ['alertmanager', 'collector', 'grafana', 'jaeger', 'model-server', 'prometheus', 'sidecar'].sort(),
    );
  });

  it('mounts only files and folders that exist in the repository', () => {
    const out = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: root, encoding: 'utf8' });
    const config = parse(out) as { services: Record<string, { volumes?: (string | { type: string; source: string })[] }> };
    const binds = Object.values(config.services)
      .flatMap((svc) => svc.volumes ?? [])
      .map((v) => (typeof v === 'string' ? v.split(':')[0] : v.type === 'bind' ? v.source : ''))
      .filter((src) => src.startsWith('/'));
    expect(binds.length).toBeGreaterThan(5);
    for (const src of binds) expect(existsSync(src), src).toBe(true);
  });

  it('passes the modelwatch commands only flags they accept', () => {
    const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as { services: Record<string, { command?: string[] }> };
    const help = (cmd: string) =>
      execFileSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', "const { main } = await import('./cli/src/main.ts'); await main(process.argv.slice(1));", cmd, '--help'],
        { cwd: root, encoding: 'utf8' },
      );
    let checked = 0;
    for (const svc of Object.values(compose.services)) {
      const [cmd, ...args] = svc.command ?? [];
      if (cmd !== 'collector' && cmd !== 'sidecar') continue;
      const usage = help(cmd);
      for (const flag of args.filter((a) => a.startsWith('--'))) {
        expect(usage, `${cmd} ${flag}`).toContain(`  ${flag} `);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('gives the sidecar a configuration file it accepts', () => {
    const config = resolveConfig(readConfigFile(`${root}deploy/sidecar.yaml`));
    expect(config.source).toMatchObject({ kind: 'proxy', upstream: 'http://model-server:8000', protocol: 'oip' });
    expect(config.baseline).toMatchObject({ kind: 'collector', url: 'http://collector:9400' });
  });

  it('gives Prometheus the job names the alert rules select on', () => {
    const prom = parse(readFileSync(`${root}deploy/prometheus/prometheus.yml`, 'utf8')) as { scrape_configs: { job_name: string }[] };
    expect(prom.scrape_configs.map((s) => s.job_name)).toEqual(['modelwatch-sidecar', 'modelwatch-collector']);
    execFileSync('promtool', ['check', 'config', '--syntax-only', `${root}deploy/prometheus/prometheus.yml`], { stdio: 'pipe' });
  });
});
