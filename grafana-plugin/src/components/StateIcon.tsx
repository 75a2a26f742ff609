import React from 'react';
import type { HealthState } from '../types.js';

/**
 * A distinct shape per state (circle+check, triangle+!, octagon+×, dashed circle+?), so the state
 * reads without colour; always drawn next to its text label.
 */
export function StateIconShape({ state, color, size = 16, x = 0, y = 0 }:
  { state: HealthState; color: string; size?: number; x?: number; y?: number }) {
  const s = size / 16;
  const common = { fill: 'none', stroke: color, strokeWidth: 1.8, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const };
  return (
    <g transform={`translate(${x} ${y}) scale(${s})`} data-icon={state} aria-hidden="true">
      {state === 'ok' && (<><circle cx={8} cy={8} r={7} {...common} /><path d="M4.5 8.3l2.3 2.3 4.7-4.9" {...common} /></>)}
      {state === 'warning' && (<><path d="M8 1.5l7 12.5H1z" {...common} /><path d="M8 6v3.6M8 11.8v.2" {...common} /></>)}
      {state === 'critical' && (<><path d="M5.1 1h5.8L15 5.1v5.8L10.9 15H5.1L1 10.9V5.1z" {...common} /><path d="M5.5 5.5l5 5M10.5 5.5l-5 5" {...common} /></>)}
      {state === 'unknown' && (<><circle cx={8} cy={8} r={7} {...common} strokeDasharray="2.5 2" /><path d="M6 6.2a2 2 0 1 1 2.6 1.9c-.4.2-.6.5-.6.9v.6M8 11.8v.2" {...common} /></>)}
    </g>
  );
}

/** The icon as a standalone inline SVG, for HTML contexts (details table, summary). */
export function StateIcon({ state, color, size = 14 }: { state: HealthState; color: string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} style={{ verticalAlign: 'middle', flex: 'none' }}>
      <StateIconShape state={state} color={color} size={size} />
    </svg>
  );
}
