/**
 * Browser harness: provides the modules Grafana shares with plugins (the real packages, bundled by
 * esbuild) through a tiny AMD `define`, the way Grafana's SystemJS registry hands them to a plugin's
 * module.js, then renders the plugin's panel the way Grafana's PanelRenderer does.
 */
import * as data from '@grafana/data';
import * as ui from '@grafana/ui';
import React from 'react';
import ReactDOM from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';

const registry: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  '@grafana/data': data,
  '@grafana/ui': ui,
};

interface HarnessWindow {
  define: ((...args: unknown[]) => void) & { amd: object };
  pluginModule?: { plugin?: data.PanelPlugin };
  amdErrors: string[];
  renderPanel(frames: data.DataFrame[], options: unknown, mode: 'dark' | 'light', width: number, height: number): void;
}
const w = window as unknown as HarnessWindow;
w.amdErrors = [];

w.define = Object.assign((...args: unknown[]) => {
  // define([deps], factory) or define('name', [deps], factory).
  const [deps, factory] = (typeof args[0] === 'string' ? args.slice(1) : args) as [string[], (...m: unknown[]) => unknown];
  const exports: Record<string, unknown> = {};
  const modules = deps.map((d) => {
    if (d === 'exports') return exports;
    if (!(d in registry)) {
      w.amdErrors.push(`module not provided by the harness: ${d}`);
      return undefined;
    }
    return registry[d];
  });
  const returned = factory(...modules);
  w.pluginModule = (returned as HarnessWindow['pluginModule']) ?? exports;
}, { amd: {} });

let root: Root | undefined;
w.renderPanel = (frames, options, mode, width, height) => {
  const plugin = w.pluginModule?.plugin;
  if (!plugin?.panel) throw new Error('module.js did not export a PanelPlugin named plugin');
  const Panel = plugin.panel as React.ComponentType<data.PanelProps>;
  const container = document.getElementById('root')!;
  document.body.style.background = data.createTheme({ colors: { mode } }).colors.background.primary;
  root ??= createRoot(container);
  const props = {
    id: 1, title: 'Pipeline health', data: { series: frames, state: data.LoadingState.Done, timeRange: data.getDefaultTimeRange() },
    timeRange: data.getDefaultTimeRange(), timeZone: 'utc', options, fieldConfig: { defaults: {}, overrides: [] },
    transparent: false, width, height, renderCounter: 1, eventBus: new data.EventBusSrv(),
    replaceVariables: (s: string) => s.replace(/\$\{datasource\}/g, 'prometheus'),
    onOptionsChange() {}, onFieldConfigChange() {}, onChangeTimeRange() {},
  } as unknown as data.PanelProps;
  root.render(
    <data.ThemeContext.Provider value={data.createTheme({ colors: { mode } })}>
      <Panel {...props} />
    </data.ThemeContext.Provider>,
  );
};
