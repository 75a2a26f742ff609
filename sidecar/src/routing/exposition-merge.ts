/**
 * Joins the exposition texts of several registries (one per variant) into one valid exposition:
 * each metric family once, with its HELP and TYPE once and the samples of every variant under it
 * (the text format forbids a family appearing twice). Runs at scrape time, not per request.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, { head: string[]; samples: string[] }>();
  for (const text of texts) {
    let current: { head: string[]; samples: string[] } | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
        const name = line.slice(7, line.indexOf(' ', 7) < 0 ? undefined : line.indexOf(' ', 7));
        let f = families.get(name);
        if (!f) {
          f = { head: [], samples: [] };
          families.set(name, f);
        }
        if (f.head.length < 2 && !f.head.some((h) => h.slice(0, 6) === line.slice(0, 6))) f.head.push(line);
        current = f;
        continue;
      }
      if (line.startsWith('#')) continue;
      if (current) current.samples.push(line);
      else {
        // A sample without a header (never produced here): keep it under its own name.
        const name = line.split(/[{ ]/, 1)[0];
        let f = families.get(name);
        if (!f) {
          f = { head: [], samples: [] };
          families.set(name, f);
        }
        f.samples.push(line);
      }
    }
  }
  const out: string[] = [];
  for (const f of families.values()) {
    for (const h of f.head) out.push(h);
    for (const s of f.samples) out.push(s);
  }
  return `${out.join('\n')}\n`;
}
