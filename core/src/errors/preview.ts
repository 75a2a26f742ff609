/**
 * A short rendering of a value for an error message. Bounded in depth and length so hostile input
 * (a 5,000-level nested array, a 30 MB string) cannot overflow the stack or bloat a 400 answer:
 * JSON.stringify on such a value recursed until the stack ran out (issue 12, item 2).
 */
export function preview(value: unknown, max = 80): string {
  if (value === undefined) return 'undefined (missing)';
  const out: string[] = [];
  let length = 0;
  const push = (s: string): boolean => {
    out.push(s);
    length += s.length;
    return length <= max;
  };
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v !== 'object') {
      const s = typeof v === 'string' ? JSON.stringify(v.length > max ? v.slice(0, max) : v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : String(v);
      return push(s);
    }
    if (depth >= 4) return push(Array.isArray(v) ? '[…]' : '{…}');
    if (Array.isArray(v)) {
      if (!push('[')) return false;
      for (let i = 0; i < v.length; i++) {
        if (i > 0 && !push(',')) return false;
        if (!walk(v[i], depth + 1)) return false;
      }
      return push(']');
    }
    if (!push('{')) return false;
    let first = true;
    for (const k in v as Record<string, unknown>) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      if (!first && !push(',')) return false;
      first = false;
      if (!push(`${JSON.stringify(k.length > max ? k.slice(0, max) : k)}:`)) return false;
      if (!walk((v as Record<string, unknown>)[k], depth + 1)) return false;
    }
    return push('}');
  };
  walk(value, 0);
  const text = out.join('');
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
