/**
 * A drift report as one self-contained HTML page: inline CSS and SVG, no script, no network, so
 * it opens from disk, from a CI artifact or from the collector's `/report/{model}` alike.
 * Presenting only: it reads a DriftReport and the histograms behind it (drift/histograms.ts).
 */
import type { DriftReport, FeatureDriftResult } from '../drift/types.js';
import type { FeatureHistogram } from '../drift/histograms.js';
import { summarizeReport } from '../drift/summary.js';

export interface HtmlReportOptions {
  title?: string;
  /** Where the statistics come from: raw values or a profile's bins (said next to the method). */
  source?: 'raw' | 'profile';
  generatedAt?: string;
}

const BASE_COLOUR = '#4C78A8';
const WINDOW_COLOUR = '#F58518';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/** How far past its threshold a result is: > 1 is drift, whatever the method's direction. */
export function severity(r: FeatureDriftResult): number {
  if (r.score === null || r.verdict === 'insufficient_data') return -1;
  if (r.direction === 'higher_is_drift') return r.threshold > 0 ? r.score / r.threshold : r.score > 0 ? Infinity : 0;
  return r.score > 0 ? r.threshold / r.score : Infinity;
}

/** Results worst first: drift before no drift before no verdict, then by severity. */
export function bySeverity(results: readonly FeatureDriftResult[]): FeatureDriftResult[] {
  const rank = (r: FeatureDriftResult) => (r.verdict === 'drift' ? 0 : r.verdict === 'no_drift' ? 1 : 2);
  return [...results].sort((a, b) => rank(a) - rank(b) || severity(b) - severity(a) || a.feature.localeCompare(b.feature));
}

function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all'];
  return [`≤ ${fmt(edges[0])}`, ...edges.slice(1).map((e, i) => `${fmt(edges[i])}–${fmt(e)}`), `> ${fmt(edges[edges.length - 1])}`];
}

/** Baseline and window shares per bin, overlaid (numeric) or side by side (categorical). */
function histogramSvg(h: FeatureHistogram): string {
  const labels = h.type === 'numeric' ? binLabels(h.edges) : h.categories;
  const b = shares(h.baseline);
  const w = shares(h.window);
  // Categorical: only the categories that matter (the 12 largest on either side).
  let idx = labels.map((_, i) => i);
  if (h.type === 'categorical' && idx.length > 12) idx = idx.sort((x, y) => Math.max(b[y]!, w[y]!) - Math.max(b[x]!, w[x]!)).slice(0, 12);
  const width = 560;
  const height = 170;
  const left = 40;
  const bottom = 40;
  const plotW = width - left - 10;
  const plotH = height - bottom - 10;
  const top = Math.max(1e-9, ...idx.map((i) => Math.max(b[i]!, w[i]!)));
  const slot = plotW / idx.length;
  const y = (v: number) => 10 + plotH - (v / top) * plotH;
  const bars: string[] = [];
  idx.forEach((i, k) => {
    const x = left + k * slot;
    const title = `${esc(labels[i]!)}: baseline ${(b[i]! * 100).toFixed(1)}%, window ${(w[i]! * 100).toFixed(1)}%`;
    if (h.type === 'numeric') {
      // Overlaid: the same slot, the window translucent over the baseline.
      bars.push(`<rect x="${(x + 1).toFixed(1)}" y="${y(b[i]!).toFixed(1)}" width="${(slot - 2).toFixed(1)}" height="${(10 + plotH - y(b[i]!)).toFixed(1)}" fill="${BASE_COLOUR}" fill-opacity="0.55"><title>${title}</title></rect>`);
      bars.push(`<rect x="${(x + 1).toFixed(1)}" y="${y(w[i]!).toFixed(1)}" width="${(slot - 2).toFixed(1)}" height="${(10 + plotH - y(w[i]!)).toFixed(1)}" fill="${WINDOW_COLOUR}" fill-opacity="0.55"><title>${title}</title></rect>`);
    } else {
      const bw = (slot - 4) / 2;
      bars.push(`<rect x="${(x + 2).toFixed(1)}" y="${y(b[i]!).toFixed(1)}" width="${bw.toFixed(1)}" height="${(10 + plotH - y(b[i]!)).toFixed(1)}" fill="${BASE_COLOUR}"><title>${title}</title></rect>`);
      bars.push(`<rect x="${(x + 2 + bw).toFixed(1)}" y="${y(w[i]!).toFixed(1)}" width="${bw.toFixed(1)}" height="${(10 + plotH - y(w[i]!)).toFixed(1)}" fill="${WINDOW_COLOUR}"><title>${title}</title></rect>`);
    }
  });
  const every = Math.max(1, Math.ceil(idx.length / 8));
  const ticks = idx
    .map((i, k) => (k % every === 0 ? `<text x="${(left + k * slot + slot / 2).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle" class="tick">${esc(labels[i]!.length > 14 ? `${labels[i]!.slice(0, 13)}…` : labels[i]!)}</text>` : ''))
    .join('');
  const axis = `<line x1="${left}" y1="${10 + plotH}" x2="${width - 10}" y2="${10 + plotH}" stroke="#888"/><text x="${left - 4}" y="14" text-anchor="end" class="tick">${(top * 100).toFixed(0)}%</text><text x="${left - 4}" y="${10 + plotH}" text-anchor="end" class="tick">0</text>`;
  const legend = `<rect x="${left}" y="${height - 14}" width="10" height="10" fill="${BASE_COLOUR}"/><text x="${left + 14}" y="${height - 5}" class="tick">baseline</text><rect x="${left + 80}" y="${height - 14}" width="10" height="10" fill="${WINDOW_COLOUR}"/><text x="${left + 94}" y="${height - 5}" class="tick">window</text>`;
  return `<svg role="img" aria-label="histogram of ${esc(h.feature)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${axis}${bars.join('')}${ticks}${legend}</svg>`;
}

/** Score against threshold on one bar; the side that is drift is shaded. */
function gaugeSvg(r: FeatureDriftResult): string {
  if (r.score === null) return '<span class="muted">no score</span>';
  const max = Math.max(r.threshold * 2, r.score * 1.1, 1e-12);
  const logScale = r.direction === 'lower_is_drift';
  // p-values: log scale from 1e-6 to 1, where the small end is drift.
  const pos = (v: number) => (logScale ? Math.min(1, Math.max(0, (Math.log10(Math.max(v, 1e-6)) + 6) / 6)) : Math.min(1, v / max));
  const w = 260;
  const t = pos(r.threshold) * w;
  const s = pos(r.score) * w;
  const driftZone = r.direction === 'higher_is_drift' ? `<rect x="${t.toFixed(1)}" y="4" width="${(w - t).toFixed(1)}" height="12" fill="#f4d0d0"/>` : `<rect x="0" y="4" width="${t.toFixed(1)}" height="12" fill="#f4d0d0"/>`;
  const colour = r.verdict === 'drift' ? '#c0392b' : '#2e7d32';
  return `<svg viewBox="0 0 ${w} 20" width="${w}" height="20" role="img" aria-label="score ${fmt(r.score)} against threshold ${fmt(r.threshold)}"><rect x="0" y="4" width="${w}" height="12" fill="#eee"/>${driftZone}<line x1="${t.toFixed(1)}" y1="0" x2="${t.toFixed(1)}" y2="20" stroke="#333" stroke-width="2"/><circle cx="${s.toFixed(1)}" cy="10" r="5" fill="${colour}"/></svg>`;
}

function verdictBadge(verdict: string): string {
  const text = verdict === 'drift' ? 'DRIFT' : verdict === 'no_drift' ? 'no drift' : 'no verdict';
  return `<span class="badge ${esc(verdict)}">${text}</span>`;
}

function kindLabel(r: FeatureDriftResult): string {
  return r.kind === 'input' ? '' : ` <span class="muted">(${r.kind === 'missing_rate' ? 'missing rate' : r.kind})</span>`;
}

function categoryTable(h: FeatureHistogram): string {
  if (h.type !== 'categorical') return '';
  const b = shares(h.baseline);
  const w = shares(h.window);
  const order = h.categories.map((_, i) => i).sort((x, y) => Math.max(b[y]!, w[y]!) - Math.max(b[x]!, w[x]!)).slice(0, 10);
  const rows = order.map((i) => `<tr><td>${esc(h.categories[i]!)}</td><td>${(b[i]! * 100).toFixed(1)}%</td><td>${(w[i]! * 100).toFixed(1)}%</td></tr>`).join('');
  return `<table class="cats"><thead><tr><th>top categories</th><th>baseline</th><th>window</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderHtmlReport(report: DriftReport, histograms: readonly FeatureHistogram[], options: HtmlReportOptions = {}): string {
  const summary = summarizeReport(report);
  const verdict = report.verdict ?? (summary.judged === 0 ? 'insufficient_data' : report.datasetDrift ? 'drift' : 'no_drift');
  const histByName = new Map(histograms.map((h) => [h.feature, h]));
  const sorted = bySeverity(report.features);
  const source = options.source === 'raw' ? 'on raw values' : 'on the baseline bins';
  const title = options.title ?? `Drift report: ${report.model}`;
  const headline =
    verdict === 'drift'
      ? `Dataset drift: ${Math.round(report.driftedShare * summary.judged)} of ${summary.judged} input features drifted (${(report.driftedShare * 100).toFixed(0)}%, dataset drift at ≥ ${(report.datasetDriftThreshold * 100).toFixed(0)}%)`
      : verdict === 'no_drift'
        ? `No dataset drift: ${(report.driftedShare * 100).toFixed(0)}% of input features drifted (dataset drift at ≥ ${(report.datasetDriftThreshold * 100).toFixed(0)}%)`
        : `No verdict: ${summary.text}`;
  const tableRows = sorted
    .map(
      (r) =>
        `<tr class="${esc(r.verdict)}"><td><a href="#f-${esc(r.kind)}-${esc(r.feature)}">${esc(r.feature)}</a>${kindLabel(r)}</td><td>${esc(r.method)}</td><td>${fmt(r.score)}</td><td>${r.direction === 'higher_is_drift' ? '&gt;' : '&lt;'} ${fmt(r.threshold)} <span class="muted">(${esc(r.thresholdSource)})</span></td><td>${verdictBadge(r.verdict)}</td><td>${r.baselineSamples}</td><td>${r.windowSamples}</td></tr>`,
    )
    .join('');
  const cards = sorted
    .filter((r) => r.kind !== 'missing_rate')
    .map((r) => {
      const h = histByName.get(r.feature);
      return `<section class="card" id="f-${esc(r.kind)}-${esc(r.feature)}"><h3>${esc(r.feature)}${kindLabel(r)} ${verdictBadge(r.verdict)}</h3>
<p class="meta">${esc(r.method)} ${source} · score ${fmt(r.score)} ${r.direction === 'higher_is_drift' ? '(higher is drift)' : '(lower is drift)'} · threshold ${fmt(r.threshold)} (${esc(r.thresholdSource)}) · baseline n = ${r.baselineSamples}, window n = ${r.windowSamples}</p>
${gaugeSvg(r)}${r.note ? `<p class="note">${esc(r.note)}</p>` : ''}
${h ? histogramSvg(h) : ''}${h ? categoryTable(h) : ''}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h3{margin:0 0 4px;font-size:16px}
.verdict{padding:12px 16px;border-radius:6px;margin:12px 0;font-size:16px}
.verdict.drift{background:#fdecea;border:1px solid #e0a39c}.verdict.no_drift{background:#eaf6ec;border:1px solid #9cc9a3}.verdict.insufficient_data{background:#f3f3f3;border:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee}
tr.drift td:first-child{border-left:3px solid #c0392b}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px;font-weight:600}
.badge.drift{background:#c0392b;color:#fff}.badge.no_drift{background:#2e7d32;color:#fff}.badge.insufficient_data{background:#999;color:#fff}
.card{border:1px solid #ddd;border-radius:6px;padding:12px 14px;margin:12px 0}.card>svg{display:block;margin:6px 0}
.meta,.muted{color:#666}.note{color:#8a5a00}.tick{font-size:10px;fill:#555}
table.cats{width:auto}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="muted">model ${esc(report.model)}${report.baselineVersion ? `, baseline ${esc(report.baselineVersion)}` : ''} · window ${esc(report.window)} (${esc(report.start)} – ${esc(report.end)}) · ${summary.rows} rows · generated ${esc(options.generatedAt ?? new Date().toISOString())}</p>
<div class="verdict ${esc(verdict)}" data-verdict="${esc(verdict)}">${esc(headline)}</div>
<h2>Features by severity</h2>
<table><thead><tr><th>feature</th><th>method</th><th>score</th><th>threshold</th><th>verdict</th><th>baseline n</th><th>window n</th></tr></thead><tbody>${tableRows}</tbody></table>
${cards}
</body></html>
`;
}
