import type { GrafanaTheme2 } from '@grafana/data';
import React from 'react';
import { STATE_LABEL } from '../data/health.js';
import type { EdgeView, PipelineView, StageView } from '../types.js';
import { stateColor } from './colors.js';
import { nodeX, nodeY, type Geometry } from './geometry.js';
import { StageNode } from './StageNode.js';
import { StateIcon } from './StateIcon.js';

interface Props {
  pipeline: PipelineView;
  g: Geometry;
  theme: GrafanaTheme2;
  selectedId?: string;
  onHover(stage: StageView | undefined): void;
  onSelect(stage: StageView): void;
}

/** Edge width grows with the log of the traffic so a 1000× busier edge is visibly, not absurdly, thicker. */
const edgeWidth = (rate?: number) => (rate === undefined ? 1 : Math.min(6, 1 + Math.log10(1 + rate)));

function edgeLabel(e: EdgeView): string {
  if (e.rate === undefined) return '';
  const r = e.rate >= 100 ? e.rate.toFixed(0) : e.rate.toFixed(e.rate >= 1 ? 1 : 2);
  return `${e.join ? 'Σ ' : ''}${r}/s`;
}

export function PipelineGraph({ pipeline, g, theme, selectedId, onHover, onSelect }: Props) {
  const pos = new Map(pipeline.stages.map((s) => [s.id, s]));
  const width = nodeX(g, pipeline.layers) - g.gapX + g.pad;
  const height = nodeY(g, pipeline.maxRows) - g.gapY + g.pad + (g.compact ? 0 : 12);
  const color = stateColor(theme, pipeline.health);
  return (
    <section aria-label={`Pipeline ${pipeline.name}`} data-testid="pipeline" style={{ marginBottom: 12 }}>
      <h3 style={{ display: 'flex', alignItems: 'center', gap: 6, margin: '0 0 4px', fontSize: 13, fontWeight: 500, color: theme.colors.text.primary }}>
        <StateIcon state={pipeline.health} color={color} />
        <span>{pipeline.name}</span>
        <span style={{ color, fontWeight: 400 }}>{STATE_LABEL[pipeline.health]}</span>
        <span style={{ color: theme.colors.text.secondary, fontWeight: 400 }}>· {pipeline.stages.length} stages</span>
      </h3>
      <svg width={width} height={height} role="group" aria-label={`Stages of pipeline ${pipeline.name}`} style={{ display: 'block', overflow: 'visible' }}>
        {pipeline.edges.map((e) => {
          const a = pos.get(e.from);
          const b = pos.get(e.to);
          if (!a || !b) return null;
          const x1 = nodeX(g, a.layer) + g.nodeW;
          const y1 = nodeY(g, a.row) + g.nodeH / 2;
          const x2 = nodeX(g, b.layer);
          const y2 = nodeY(g, b.row) + g.nodeH / 2;
          // Back edges (cycles) loop under the nodes so they never hide a forward edge.
          const d = e.back
            ? `M${x1 - g.nodeW / 2} ${y1 + g.nodeH / 2} C${x1 - g.nodeW / 2} ${y1 + g.nodeH}, ${x2 + g.nodeW / 2} ${y2 + g.nodeH}, ${x2 + g.nodeW / 2} ${y2 + g.nodeH / 2}`
            : `M${x1} ${y1} C${(x1 + x2) / 2} ${y1}, ${(x1 + x2) / 2} ${y2}, ${x2} ${y2}`;
          return (
            <g key={`${e.from}->${e.to}`} data-testid="edge" data-back={e.back || undefined}>
              <path d={d} fill="none" stroke={theme.colors.border.strong} strokeWidth={edgeWidth(e.rate)}
                strokeDasharray={e.back ? '5 4' : undefined} />
              {!g.compact && !e.back && e.rate !== undefined && (
                <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 4} textAnchor="middle" fontSize={10} fill={theme.colors.text.secondary}>
                  {edgeLabel(e)}
                </text>
              )}
            </g>
          );
        })}
        {pipeline.stages.map((s) => (
          <StageNode key={s.id} stage={s} g={g} theme={theme} selected={s.id === selectedId} onHover={onHover} onSelect={onSelect} />
        ))}
      </svg>
    </section>
  );
}
