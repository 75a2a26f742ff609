import type { GrafanaTheme2 } from '@grafana/data';
import React from 'react';
import { formatRate, STATE_LABEL } from '../data/health.js';
import type { StageView } from '../types.js';
import { stateColor } from './colors.js';
import { StateIcon } from './StateIcon.js';

export interface DetailsPosition {
  top: number;
  left?: number;
  right?: number;
}

interface Props {
  stage: StageView;
  theme: GrafanaTheme2;
  pinned: boolean;
  position: DetailsPosition;
  onClose(): void;
}

/** Every signal of one stage with its value, the threshold applied and its state, plus the stage link. */
export function StageDetails({ stage, theme, pinned, position, onClose }: Props) {
  const cell = { padding: '2px 8px 2px 0', textAlign: 'left' as const, verticalAlign: 'top' as const };
  return (
    <div
      role={pinned ? 'dialog' : 'tooltip'}
      aria-label={`Details of stage ${stage.name}`}
      data-testid="stage-details"
      style={{
        position: 'absolute', ...position, width: 'max-content', maxWidth: 'min(520px, calc(100% - 16px))', zIndex: 2,
        background: theme.colors.background.primary, color: theme.colors.text.primary,
        border: `1px solid ${theme.colors.border.medium}`, borderRadius: 4, padding: 8,
        boxShadow: theme.shadows.z3, fontSize: 12,
      }}
    >
      <div style={{ display: 'flex', alignItems: 'center', gap: 6, marginBottom: 4 }}>
        <StateIcon state={stage.health} color={stateColor(theme, stage.health)} />
        <strong>{stage.pipeline} / {stage.name}</strong>
        <span style={{ color: stateColor(theme, stage.health) }}>{STATE_LABEL[stage.health]}</span>
        {pinned && (
          <button type="button" onClick={onClose} aria-label="Close details"
            style={{ marginLeft: 'auto', background: 'none', border: 'none', color: theme.colors.text.secondary, cursor: 'pointer' }}>
            ×
          </button>
        )}
      </div>
      <div style={{ color: theme.colors.text.secondary, marginBottom: 4 }}>
        {stage.unknown
          ? 'Named as an upstream stage but not exporting modelwatch_model_info.'
          : `${formatRate(stage.requestRate)}${stage.models.length ? ` · model ${stage.models.join(', ')}` : ''}`}
        {stage.missingTopology && !stage.unknown && ' · no topology series (modelwatch_model_info) for this stage'}
        {stage.upstream.length > 0 && ` · upstream: ${stage.upstream.join(', ')}`}
      </div>
      <table style={{ borderCollapse: 'collapse' }}>
        <thead>
          <tr style={{ color: theme.colors.text.secondary }}>
            <th style={cell}>Signal</th><th style={cell}>Value</th><th style={cell}>Threshold</th><th style={cell}>State</th>
          </tr>
        </thead>
        <tbody>
          {stage.signals.map((s) => (
            <tr key={s.key} data-testid="signal-row" data-signal={s.key} data-health={s.state}>
              <td style={cell}>{s.label}</td>
              <td style={cell}>{s.display}</td>
              <td style={{ ...cell, color: theme.colors.text.secondary }}>{s.threshold}</td>
              <td style={{ ...cell, whiteSpace: 'nowrap', color: stateColor(theme, s.state) }}>
                <StateIcon state={s.state} color={stateColor(theme, s.state)} /> {STATE_LABEL[s.state]}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {stage.variants.length > 1 && (
        <table style={{ borderCollapse: 'collapse', marginTop: 4 }} data-testid="variant-table">
          <thead>
            <tr style={{ color: theme.colors.text.secondary }}>
              <th style={cell}>Variant</th><th style={cell}>Role</th><th style={cell}>Share</th><th style={cell}>Failed</th>
            </tr>
          </thead>
          <tbody>
            {stage.variants.map((v) => (
              <tr key={v.name} data-testid="variant-row" data-variant={v.name} data-role={v.role}>
                <td style={cell}>{v.name}</td>
                <td style={cell}>{v.role}</td>
                <td style={cell}>{`${Math.round(v.weight * 1000) / 10}%`}</td>
                <td style={cell}>{v.errorRatio === undefined ? '-' : `${Math.round(v.errorRatio * 1000) / 10}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {stage.link && (
        <a href={stage.link} style={{ color: theme.colors.text.link, display: 'inline-block', marginTop: 4 }}>
          Open the {stage.name} stage dashboard
        </a>
      )}
    </div>
  );
}
