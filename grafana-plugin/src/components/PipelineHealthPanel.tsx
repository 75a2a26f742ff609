import type { PanelProps } from '@grafana/data';
import { useTheme2 } from '@grafana/ui';
import React, { useEffect, useMemo, useRef, useState } from 'react';
import { STATE_LABEL } from '../data/health.js';
import { ALL_REF_IDS } from '../data/queries.js';
import { buildPanelView } from '../data/viewModel.js';
import type { HealthState, PanelOptions, StageView } from '../types.js';
import { stateColor } from './colors.js';
import { COMPACT, NORMAL } from './geometry.js';
import { PipelineGraph } from './PipelineGraph.js';
import { StageDetails, type DetailsPosition } from './StageDetails.js';
import { StateIcon } from './StateIcon.js';

type Props = PanelProps<PanelOptions>;

const DETAILS_WIDTH = 520;

/** Beside the node (right of it, or left when there is no room), kept inside the panel. */
function detailsPosition(panel: HTMLElement | null, stageId: string, width: number, height: number): DetailsPosition {
  const anchor = panel && Array.from(panel.querySelectorAll('[data-stage]')).find((e) => e.getAttribute('data-stage') === stageId);
  if (!panel || !anchor) return { top: 8, right: 8 };
  const a = anchor.getBoundingClientRect();
  const p = panel.getBoundingClientRect();
  const top = Math.max(0, Math.min(a.top - p.top, height - 120));
  const rightOfNode = a.right - p.left + 8;
  if (rightOfNode + DETAILS_WIDTH <= width) return { top, left: rightOfNode };
  return { top, right: Math.max(0, p.right - a.left + 8) };
}

/** Thin view: everything it shows comes from buildPanelView. */
export function PipelineHealthPanel({ data, options, width, height, replaceVariables }: Props) {
  const theme = useTheme2();
  const view = useMemo(
    () => buildPanelView(data.series, options, (s) => replaceVariables(s)),
    [data.series, options, replaceVariables],
  );
  // Ids, not StageViews: on every refresh the details show the new values, and vanish with the stage.
  const [hoveredId, setHoveredId] = useState<string>();
  const [pinnedId, setPinnedId] = useState<string>();
  const container = useRef<HTMLDivElement>(null);
  const byId = useMemo(() => new Map(view.pipelines.flatMap((p) => p.stages.map((s) => [s.id, s] as const))), [view]);
  // A node removed under the pointer never gets mouseleave: forget it, or it would pop up again when it returns.
  useEffect(() => {
    if (hoveredId !== undefined && !byId.has(hoveredId)) setHoveredId(undefined);
    if (pinnedId !== undefined && !byId.has(pinnedId)) setPinnedId(undefined);
  }, [byId, hoveredId, pinnedId]);
  const g = view.stageCount > options.compactAbove ? COMPACT : NORMAL;
  const pinned = pinnedId === undefined ? undefined : byId.get(pinnedId);
  const shown = pinned ?? (hoveredId === undefined ? undefined : byId.get(hoveredId));

  const counts = new Map<HealthState, number>();
  for (const p of view.pipelines) for (const s of p.stages) counts.set(s.health, (counts.get(s.health) ?? 0) + 1);

  return (
    <div
      ref={container}
      data-testid="pipeline-health-panel"
      style={{ position: 'relative', width, height, color: theme.colors.text.primary, fontFamily: theme.typography.fontFamily }}
      onKeyDown={(e) => e.key === 'Escape' && setPinnedId(undefined)}
    >
      {view.stageCount === 0 ? (
        <div role="status" style={{ padding: 8, color: theme.colors.text.secondary }}>
          <StateIcon state="unknown" color={theme.colors.text.secondary} /> No pipeline data. This panel expects the
          modelwatch query set (refIds {ALL_REF_IDS.join(', ')}); see the plugin README.
        </div>
      ) : (
        <div style={{ width, height, overflow: 'auto' }}>
          <div role="status" style={{ display: 'flex', flexWrap: 'wrap', gap: 12, fontSize: 12, marginBottom: 6 }}>
            <span>{view.pipelines.length} pipelines · {view.stageCount} stages</span>
            {(['critical', 'warning', 'ok', 'unknown'] as const).filter((s) => counts.get(s)).map((s) => (
              <span key={s} data-testid={`count-${s}`} style={{ color: stateColor(theme, s) }}>
                <StateIcon state={s} color={stateColor(theme, s)} /> {counts.get(s)} {STATE_LABEL[s]}
              </span>
            ))}
            {view.missingQueries.length > 0 && (
              <span data-testid="partial-data" style={{ color: theme.colors.text.secondary }}>
                Partial data: nothing returned by {view.missingQueries.join(', ')}
              </span>
            )}
          </div>
          {view.pipelines.map((p) => (
            <PipelineGraph key={p.name} pipeline={p} g={g} theme={theme} selectedId={pinned?.id}
              onHover={(stage) => setHoveredId(stage?.id)}
              onSelect={(stage) => setPinnedId((cur) => (cur === stage.id ? undefined : stage.id))} />
          ))}
        </div>
      )}
      {shown && (
        <StageDetails stage={shown} theme={theme} pinned={!!pinned} onClose={() => setPinnedId(undefined)}
          position={detailsPosition(container.current, shown.id, width, height)} />
      )}
    </div>
  );
}
