import { createTheme, LoadingState, ThemeContext, type DataFrame, type PanelProps } from '@grafana/data';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineHealthPanel } from '../../src/components/PipelineHealthPanel.js';
import type { PanelOptions } from '../../src/types.js';
import { healthyStage, options, topology } from '../factories.js';

afterEach(cleanup);

function renderPanel(frames: DataFrame[], opts: Partial<PanelOptions> = {}, mode: 'dark' | 'light' = 'dark') {
  const props = {
    data: { series: frames, state: LoadingState.Done, timeRange: {} },
    options: options(opts),
    width: 900,
    height: 500,
    replaceVariables: (s: string) => s.replace(/\$\{datasource\}|\$datasource/g, 'prom'),
  } as unknown as PanelProps<PanelOptions>;
  return render(
    <ThemeContext.Provider value={createTheme({ colors: { mode } })}>
      <PipelineHealthPanel {...props} />
    </ThemeContext.Provider>,
  );
}

const node = (name: string) => screen.getByRole('button', { name: new RegExp(`^Stage ${name}\\b`) });

const mixedPipeline = () => [
  topology('fraud', 'features'), topology('fraud', 'score', ['features']), topology('fraud', 'explain', ['score']),
  topology('fraud', 'audit', ['score']),
  ...healthyStage('fraud', 'features', { requests: 40 }),
  ...healthyStage('fraud', 'score', { errors: 0.02 }),
  ...healthyStage('fraud', 'explain', { up: 0 }),
];

describe('PipelineHealthPanel', () => {
  it('explains which queries it expects when there is no data', () => {
    renderPanel([]);
    expect(screen.getByRole('status').textContent).toMatch(/No pipeline data.*refIds topology, requests/);
  });

  it('shows each stage with its name, request rate and health as icon and text', () => {
    renderPanel(mixedPipeline());
    expect(node('features').getAttribute('aria-label')).toBe('Stage features: OK, 40 req/s');
    for (const [name, state, label] of [['features', 'ok', 'OK'], ['score', 'warning', 'Warning'],
      ['explain', 'critical', 'Critical'], ['audit', 'unknown', 'No data']] as const) {
      const n = node(name);
      expect(n.getAttribute('data-health')).toBe(state);
      expect(within(n).getByTestId('stage-state').textContent).toBe(label);
      expect(n.querySelector(`[data-icon="${state}"]`)).not.toBeNull();
    }
    expect(screen.getByTestId('count-critical').textContent).toContain('1 Critical');
  });

  it('labels edges with the traffic entering the downstream stage', () => {
    renderPanel(mixedPipeline());
    expect(screen.getAllByTestId('edge').map((e) => e.textContent)).toContain('10.0/s');
  });

  it('shows every signal with value and threshold and the stage link on hover', () => {
    renderPanel(mixedPipeline());
    fireEvent.mouseEnter(node('score'));
    const details = screen.getByRole('tooltip');
    const rows = within(details).getAllByTestId('signal-row');
    expect(rows.map((r) => r.getAttribute('data-signal'))).toEqual(['up', 'errorRatio', 'latencyP99', 'emptyOutputRatio', 'lowConfidenceRatio', 'drift']);
    const error = rows[1];
    expect(error.getAttribute('data-health')).toBe('warning');
    expect(error.textContent).toContain('2%');
    expect(error.textContent).toContain('warning ≥ 1%, critical ≥ 5%');
    expect(within(details).getByRole('link').getAttribute('href')).toBe(
      '/d/modelwatch-overview?var-datasource=prom&var-model=score-model&var-stage=score');
    fireEvent.mouseLeave(node('score'));
    expect(screen.queryByTestId('stage-details')).toBeNull();
  });

  it('pins the details on click or Enter and closes them with Escape', () => {
    renderPanel(mixedPipeline());
    fireEvent.click(node('explain'));
    fireEvent.mouseLeave(node('explain'));
    expect(screen.getByRole('dialog').textContent).toContain('fraud / explain');
    act(() => { fireEvent.keyDown(node('explain'), { key: 'Escape' }); });
    expect(screen.queryByRole('dialog')).toBeNull();
    fireEvent.keyDown(node('features'), { key: 'Enter' });
    expect(screen.getByRole('dialog').textContent).toContain('fraud / features');
  });

  it('keeps pinned details current when the data refreshes and drops them when the stage disappears', () => {
    const { rerender } = renderPanel(mixedPipeline());
    fireEvent.click(node('score'));
    expect(within(screen.getByRole('dialog')).getAllByTestId('signal-row')[1].textContent).toContain('2%');
    const rerenderWith = (frames: DataFrame[]) => rerender(
      <ThemeContext.Provider value={createTheme({ colors: { mode: 'dark' } })}>
        <PipelineHealthPanel {...({ data: { series: frames, state: LoadingState.Done }, options: options(), width: 900, height: 500,
          replaceVariables: (s: string) => s } as unknown as PanelProps<PanelOptions>)} />
      </ThemeContext.Provider>);
    rerenderWith([topology('fraud', 'score'), ...healthyStage('fraud', 'score', { errors: 0.07 })]);
    expect(within(screen.getByRole('dialog')).getAllByTestId('signal-row')[1].textContent).toContain('7%');
    rerenderWith([topology('fraud', 'features')]);
    expect(screen.queryByRole('dialog')).toBeNull();
    rerenderWith(mixedPipeline());
    expect(screen.queryByTestId('stage-details')).toBeNull();
  });

  it('notes partial data and draws unknown upstream stages dashed', () => {
    renderPanel([topology('p', 'score', ['ghost']), healthyStage('p', 'score')[0]]);
    expect(screen.getByTestId('partial-data').textContent).toContain('errors');
    expect(node('ghost').getAttribute('aria-label')).toBe('Stage ghost (unknown stage): No data, not reporting');
    expect(node('ghost').querySelector('rect')!.getAttribute('stroke-dasharray')).toBe('4 3');
  });

  it('switches to the compact layout for hundreds of stages and keeps every stage reachable', () => {
    const frames: DataFrame[] = [];
    for (let i = 0; i < 300; i++) frames.push(topology(`p${i % 3}`, `s${i}`, i < 3 ? [] : [`s${i - 3}`]));
    renderPanel(frames);
    const nodes = screen.getAllByTestId('stage-node');
    expect(nodes.length).toBe(300);
    expect(nodes[0].querySelector('rect')!.getAttribute('width')).toBe('120');
    expect(screen.getAllByTestId('pipeline').length).toBe(3);
  });

  it('uses the theme colours of the light and the dark theme', () => {
    const light = createTheme({ colors: { mode: 'light' } });
    const dark = createTheme({ colors: { mode: 'dark' } });
    renderPanel(mixedPipeline(), {}, 'light');
    expect(node('explain').querySelector('text[data-testid="stage-state"]')!.getAttribute('fill')).toBe(light.colors.error.text);
    cleanup();
    renderPanel(mixedPipeline(), {}, 'dark');
    expect(node('explain').querySelector('text[data-testid="stage-state"]')!.getAttribute('fill')).toBe(dark.colors.error.text);
    expect(light.colors.error.text).not.toBe(dark.colors.error.text);
  });
});
