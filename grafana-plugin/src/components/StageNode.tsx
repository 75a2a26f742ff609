import type { GrafanaTheme2 } from '@grafana/data';
import React from 'react';
import { formatRate, STATE_LABEL } from '../data/health.js';
import type { StageView } from '../types.js';
import { stateColor } from './colors.js';
import { nodeX, nodeY, truncate, type Geometry } from './geometry.js';
import { StateIconShape } from './StateIcon.js';

interface Props {
  stage: StageView;
  g: Geometry;
  theme: GrafanaTheme2;
  selected: boolean;
  onHover(stage: StageView | undefined): void;
  onSelect(stage: StageView): void;
}

/** One stage: name, request rate, and the health state as icon + text (never colour alone). */
export function StageNode({ stage, g, theme, selected, onHover, onSelect }: Props) {
  const x = nodeX(g, stage.layer);
  const y = nodeY(g, stage.row);
  const color = stateColor(theme, stage.health);
  const label = STATE_LABEL[stage.health];
  const down = stage.signals.some((s) => s.key === 'up' && s.state === 'critical');
  const rate = stage.unknown ? 'not reporting' : stage.requestRate === undefined && down ? 'target down' : formatRate(stage.requestRate);
  const canary = stage.variants.find((v) => v.role === 'canary' && v.weight > 0);
  const rollout = stage.rollout === 'canary' && canary ? `canary ${canary.name} ${Math.round(canary.weight * 100)}%` : stage.rollout;
  const aria = `Stage ${stage.name}${stage.unknown ? ' (unknown stage)' : ''}: ${label}, ${rate}${rollout ? `, ${rollout}` : ''}`;
  const icon = g.compact ? 12 : 14;
  return (
    <g
      transform={`translate(${x} ${y})`}
      role="button"
      tabIndex={0}
      aria-label={aria}
      aria-pressed={selected}
      data-testid="stage-node"
      data-stage={stage.id}
      data-health={stage.health}
      style={{ cursor: 'pointer', outline: 'none' }}
      onMouseEnter={() => onHover(stage)}
      onMouseLeave={() => onHover(undefined)}
      onFocus={() => onHover(stage)}
      onBlur={() => onHover(undefined)}
      onClick={() => onSelect(stage)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(stage);
        }
      }}
    >
      <title>{aria}</title>
      <rect
        width={g.nodeW}
        height={g.nodeH}
        rx={4}
        fill={theme.colors.background.secondary}
        stroke={selected ? theme.colors.primary.border : color}
        strokeWidth={selected ? 3 : stage.health === 'ok' ? 1 : 2}
        strokeDasharray={stage.unknown || stage.missingTopology ? '4 3' : undefined}
      />
      <rect width={4} height={g.nodeH} rx={2} fill={color} />
      <text x={10} y={g.compact ? 14 : 20} fill={theme.colors.text.primary} fontSize={g.compact ? 11 : 13} fontWeight={500}>
        {truncate(stage.name, g.maxChars)}
      </text>
      <StateIconShape state={stage.health} color={color} size={icon} x={10} y={g.compact ? 19 : 27} />
      <text x={10 + icon + 4} y={g.compact ? 29 : 38} fill={color} fontSize={g.compact ? 10 : 12} data-testid="stage-state">
        {label}
      </text>
      {!g.compact && (
        <text x={10} y={56} fill={theme.colors.text.secondary} fontSize={11} data-testid="stage-rate">
          {rate}
        </text>
      )}
      {rollout && (
        <text x={g.nodeW - 6} y={g.compact ? 14 : 20} textAnchor="end" fill={theme.colors.text.secondary} fontSize={g.compact ? 9 : 10} data-testid="stage-rollout">
          {rollout}
        </text>
      )}
      {g.compact && (
        <text x={g.nodeW - 6} y={29} textAnchor="end" fill={theme.colors.text.secondary} fontSize={10}>
          {stage.requestRate === undefined ? '' : formatRate(stage.requestRate).replace(' req/s', '/s')}
        </text>
      )}
    </g>
  );
}
