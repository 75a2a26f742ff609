/**
 * Left-to-right layering of one pipeline's stage graph: a stage's column is the longest path from a
 * source, so every edge points right except those closing a cycle (found by DFS and marked `back`).
 * Rows inside a column follow the mean row of the upstream stages, which keeps branches and joins
 * close to their neighbours without a full crossing-minimisation pass.
 */
export interface LayoutInput {
  /** Stage names. */
  nodes: readonly string[];
  /** [from, to] pairs; both ends are in `nodes`. */
  edges: ReadonlyArray<readonly [string, string]>;
}

export interface Layout {
  layer: Map<string, number>;
  row: Map<string, number>;
  /** Keys `from\u0000to` of the edges that close a cycle. */
  backEdges: Set<string>;
  layers: number;
  maxRows: number;
}

export const edgeKey = (from: string, to: string) => `${from}\u0000${to}`;

export function layoutGraph(input: LayoutInput): Layout {
  const nodes = [...input.nodes].sort();
  const out = new Map<string, string[]>(nodes.map((n) => [n, []]));
  const indegree = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (const [from, to] of input.edges) {
    out.get(from)!.push(to);
    indegree.set(to, indegree.get(to)! + 1);
  }
  for (const list of out.values()) list.sort();

  const backEdges = findBackEdges(nodes, out, indegree);

  // Longest path over the acyclic remainder (Kahn's order).
  const inRemaining = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (const [from, to] of input.edges) if (!backEdges.has(edgeKey(from, to))) inRemaining.set(to, inRemaining.get(to)! + 1);
  const layer = new Map<string, number>(nodes.map((n) => [n, 0]));
  const upstreamOf = new Map<string, string[]>(nodes.map((n) => [n, []]));
  const queue = nodes.filter((n) => inRemaining.get(n) === 0);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    order.push(n);
    for (const m of out.get(n)!) {
      if (backEdges.has(edgeKey(n, m))) continue;
      upstreamOf.get(m)!.push(n);
      layer.set(m, Math.max(layer.get(m)!, layer.get(n)! + 1));
      const left = inRemaining.get(m)! - 1;
      inRemaining.set(m, left);
      if (left === 0) queue.push(m);
    }
  }

  const columns: string[][] = [];
  for (const n of order) (columns[layer.get(n)!] ??= []).push(n);
  const row = new Map<string, number>();
  for (const column of columns) {
    const keyed = column.map((n) => {
      const ups = upstreamOf.get(n)!;
      const bary = ups.length ? ups.reduce((s, u) => s + row.get(u)!, 0) / ups.length : Number.POSITIVE_INFINITY;
      return { n, bary };
    });
    keyed.sort((a, b) => (a.bary === b.bary ? (a.n < b.n ? -1 : 1) : a.bary < b.bary ? -1 : 1));
    keyed.forEach(({ n }, i) => row.set(n, i));
  }
  return {
    layer,
    row,
    backEdges,
    layers: columns.length,
    maxRows: columns.reduce((m, c) => Math.max(m, c.length), 0),
  };
}

/** Iterative DFS (pipelines can be hundreds of stages deep), starting from sources so entry stages stay left. */
function findBackEdges(nodes: string[], out: Map<string, string[]>, indegree: Map<string, number>): Set<string> {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const colour = new Map<string, number>(nodes.map((n) => [n, WHITE]));
  const back = new Set<string>();
  const roots = [...nodes.filter((n) => indegree.get(n) === 0), ...nodes];
  for (const root of roots) {
    if (colour.get(root) !== WHITE) continue;
    const stack: Array<{ n: string; next: number }> = [{ n: root, next: 0 }];
    colour.set(root, GREY);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const children = out.get(top.n)!;
      if (top.next < children.length) {
        const m = children[top.next++];
        const c = colour.get(m);
        if (c === GREY) back.add(edgeKey(top.n, m));
        else if (c === WHITE) {
          colour.set(m, GREY);
          stack.push({ n: m, next: 0 });
        }
      } else {
        colour.set(top.n, BLACK);
        stack.pop();
      }
    }
  }
  return back;
}
