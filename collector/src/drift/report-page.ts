import { profileHistograms, renderHtmlReport } from '@modelwatch/core';
import type { Evaluator } from './evaluator.js';

/**
 * The latest drift report of a model over one window (default: the first configured) as the same
 * self-contained HTML page `modelwatch drift --html` writes. Histograms come from the counts of
 * that evaluation; a report restored after a restart has none and shows scores only.
 */
export function latestReportPage(evaluator: Evaluator, model: string, window?: string): string | undefined {
  const reports = evaluator.latestReports(model);
  const stored = window === undefined ? reports[0] : reports.find((r) => r.report.window === window);
  if (!stored) return undefined;
  const counts = evaluator.latestWindow(model, stored.report.window);
  const histograms = counts ? profileHistograms(counts.baseline, counts.window) : [];
  return renderHtmlReport(stored.report, histograms, {
    title: `Drift report: ${model}, last ${stored.report.window}`,
    source: 'profile',
    generatedAt: stored.evaluatedAt,
  });
}
