// @vitest-environment node
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, pluginRoot } from '../buildDist.js';

/**
 * What Grafana's plugin validator (not runnable offline) would reject, checked on a fresh build.
 * Rules follow the plugin.json schema and the validator's analyzers: metadata, id format, logos,
 * version, template README, Angular, module format.
 */
let dist: string;
const pkg = JSON.parse(readFileSync(join(pluginRoot, 'package.json'), 'utf8'));
const read = (f: string) => readFileSync(join(dist, f), 'utf8');
const manifest = () => JSON.parse(read('plugin.json'));

beforeAll(() => { dist = buildDist(); });
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('built plugin', () => {
  it('has the files Grafana and the catalogue need', () => {
    for (const f of ['module.js', 'plugin.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'img/logo.svg']) {
      expect(existsSync(join(dist, f)), f).toBe(true);
      expect(statSync(join(dist, f)).size, f).toBeGreaterThan(0);
    }
    expect(read('LICENSE')).toContain('Apache License');
    expect(read('LICENSE')).toContain('Version 2.0');
  });

  it('has a plugin.json with the required fields, a valid panel id and existing logos', () => {
    const m = manifest();
    expect(m.type).toBe('panel');
    expect(m.id).toBe('modelwatch-pipelinehealth-panel');
    // Validator: <org>-<name>-<type>, lowercase alphanumerics, type suffix matching `type`.
    expect(m.id).toMatch(/^[a-z0-9]+-[a-z0-9]+-panel$/);
    expect(m.name).toBeTruthy();
    expect(m.info.author.name).toBeTruthy();
    expect(m.info.description.length).toBeGreaterThan(20);
    expect(m.info.keywords.length).toBeGreaterThan(0);
    for (const logo of [m.info.logos.small, m.info.logos.large]) expect(existsSync(join(dist, logo)), logo).toBe(true);
    for (const link of m.info.links) expect(link.url).toMatch(/^https:\/\//);
    expect(m.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('stamps the package.json version into plugin.json', () => {
    expect(manifest().info.version).toBe(pkg.version);
    expect(read('plugin.json')).not.toMatch(/%VERSION%|%TODAY%/);
  });

  it('requires a Grafana version consistent with the pinned @grafana packages', () => {
    const require = createRequire(join(pluginRoot, 'package.json'));
    const grafana = Object.keys(pkg.dependencies).filter((d) => d.startsWith('@grafana/'));
    const specs = new Set(grafana.map((d) => pkg.dependencies[d]));
    const installed = new Set(grafana.map((d) => require(`${d}/package.json`).version));
    expect(specs.size).toBe(1);
    expect(installed.size).toBe(1);
    const [version] = installed;
    expect(manifest().dependencies.grafanaDependency).toBe(`>=${version}`);
  });

  it('ships an AMD module.js that leaves Grafana\'s shared packages external', () => {
    const js = read('module.js');
    expect(js.startsWith('define(')).toBe(true);
    const deps: string[] = JSON.parse(js.slice('define('.length, js.indexOf(']') + 1));
    expect(deps).toEqual(expect.arrayContaining(['exports', 'react', '@grafana/data', '@grafana/ui']));
    expect(deps.every((d) => d === 'exports' || d === 'react' || d.startsWith('@grafana/'))).toBe(true);
    // React's own code (its element symbol) would be in the bundle if react had been inlined.
    expect(js).not.toContain('react.element');
    expect(js.length).toBeLessThan(100_000);
  });

  it('contains no Angular plugin code', () => {
    const js = read('module.js');
    expect(js).not.toMatch(/angular/i);
    expect(js).not.toContain('PanelCtrl');
  });

  it('has a real README, not the create-plugin template', () => {
    const readme = read('README.md');
    // Phrases of create-plugin's generated README that the validator flags.
    expect(readme).not.toMatch(/This template is a starting point|Grafana panel plugin template|<!-- This README file is going to be/i);
    expect(readme).toMatch(/^# modelwatch pipeline health panel/);
    expect(readme).toContain('modelwatch-pipelinehealth-panel');
    expect(readme.length).toBeGreaterThan(1500);
  });
});
