/** Node and gap sizes in px; the compact set lets hundreds of stages fit with scrolling. */
export interface Geometry {
  nodeW: number;
  nodeH: number;
  gapX: number;
  gapY: number;
  pad: number;
  /** Longest stage name drawn before an ellipsis (the full name is in the details and aria-label). */
  maxChars: number;
  compact: boolean;
}

export const NORMAL: Geometry = { nodeW: 176, nodeH: 64, gapX: 64, gapY: 16, pad: 8, maxChars: 20, compact: false };
export const COMPACT: Geometry = { nodeW: 120, nodeH: 36, gapX: 32, gapY: 8, pad: 4, maxChars: 14, compact: true };

export const nodeX = (g: Geometry, layer: number) => g.pad + layer * (g.nodeW + g.gapX);
export const nodeY = (g: Geometry, row: number) => g.pad + row * (g.nodeH + g.gapY);

export function truncate(name: string, max: number): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}
