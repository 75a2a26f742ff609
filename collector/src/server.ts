import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readTlsFiles, rateLimitedLog } from '@modelwatch/core';
import { HealthMetrics } from './api/health-metrics.js';
import { buildApp } from './api/app.js';
import { profileRawData } from './api/raw-profile.js';
import { resolveOptions, type CollectorOptions } from './config.js';
import { DriftMetrics } from './drift/drift-metrics.js';
import { PerformanceEvaluator } from './performance/performance-evaluator.js';
import { PerformanceMetrics } from './performance/performance-metrics.js';
import { RetentionLoop } from './performance/retention.js';
import { Evaluator } from './drift/evaluator.js';
import { RoundMetrics } from './drift/round-metrics.js';
import { LocalLeases } from './leases/model-leases.js';
import { OwnedModels } from './performance/owned-models.js';
import { PostgresLeases } from './leases/postgres-leases.js';
import { latestReportPage } from './drift/report-page.js';
import { FeedbackMetrics } from './performance/feedback-metrics.js';
import { openPredictionStore, openStore } from './store/open-store.js';
import { openReviewStore } from './review/open-review-store.js';
import { AutomationMetrics } from './review/automation-metrics.js';
import { ReviewLoop } from './review/review-loop.js';
import { RetrainingMetrics } from './retraining/retraining-metrics.js';
import { RetrainingMonitor } from './retraining/retraining-monitor.js';
import { ReviewMetrics } from './review/review-metrics.js';
import { ReviewQueue } from './review/review-queue.js';
import { PrometheusWindowSource } from './windows/prometheus-source.js';
import { PushWindowSource } from './windows/push-source.js';
import type { WindowSource } from './windows/window-source.js';

export interface RunningCollector {
  url: string;
  port: number;
  /** What the token table leaves open, for the startup log (the default when none is configured is "all open"). */
  authSummary: string;
  /**
   * Re-reads the certificate, key and client CA (what the CLI does on SIGHUP). On any problem the
   * certificate in use stays and false is returned; the outcome is counted and logged.
   */
  reloadTls(): boolean;
  /** Runs one evaluation round now (the loop also runs every interval). */
  evaluate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the collector: store, REST API, /metrics and the evaluation loop. Configuration errors
 * reject before anything listens (ConfigError with a code); close() stops everything it started.
 */
export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const opts = resolveOptions(options);
  const store = await openStore(opts.db, opts.databaseUrl);
  let predictions;
  try {
    predictions = await openPredictionStore(opts.db, opts.databaseUrl);
  } catch (err) {
    await store.close();
    throw err;
  }
  let reviews;
  const metrics = new DriftMetrics();
  const feedbackMetrics = new FeedbackMetrics(metrics.registry);
  const roundMetrics = new RoundMetrics(metrics.registry);
  const sources: WindowSource[] = [];
  if (opts.prometheusUrl) {
    sources.push(
      new PrometheusWindowSource(opts.prometheusUrl, opts.queryTimeoutMs, opts.prometheusHeaders, {
        windowsFrom: opts.windowsFrom,
        featuresPerQuery: opts.featuresPerQuery,
        observe: (outcome) => roundMetrics.query(outcome),
      }),
    );
  }
  sources.push(new PushWindowSource(store, (model) => metrics.evaluationFailed(model, 'shape_mismatch')));
  let leases: OwnedModels;
  try {
    // Several collectors may share one PostgreSQL: each evaluates the models it leases.
    leases = new OwnedModels(opts.databaseUrl ? await PostgresLeases.open(opts.databaseUrl, opts.leaseTtlMs) : new LocalLeases());
  } catch (err) {
    await Promise.all([store.close(), predictions.close()]);
    throw err;
  }
  const evaluator = new Evaluator({
    store,
    sources,
    windows: opts.windows,
    metrics,
    drift: opts.drift,
    historyKeep: opts.historyKeep,
    modelConcurrency: opts.modelConcurrency,
    roundBudgetMs: opts.roundBudgetMs,
    leases,
    roundMetrics,
  });

  try {
    reviews = await openReviewStore(opts.db, opts.databaseUrl);
  } catch (err) {
    await leases.close();
    await Promise.all([store.close(), predictions.close()]);
    throw err;
  }
  const automationMetrics = new AutomationMetrics(metrics.registry, predictions);
  const reviewQueue = new ReviewQueue(
    predictions,
    reviews,
    new ReviewMetrics(metrics.registry),
    {
      bound: { maxPending: opts.review.maxPending, overflow: opts.review.overflow },
      claimTtlMs: opts.review.claimTtlMs,
      retentionMs: opts.predictionRetentionMs,
      events: new Set(opts.feedbackEvents),
    },
    () => automationMetrics.labelsArrived(),
  );
  const performance = new PerformanceEvaluator({
    predictions,
    baselines: store,
    metrics: new PerformanceMetrics(metrics.registry),
    windows: opts.windows,
    events: opts.feedbackEvents,
    historyKeep: opts.historyKeep,
    owns: (model) => leases.owns(model),
    log: rateLimitedLog((line) => process.stderr.write(`${line}\n`), { prefix: 'modelwatch collector' }),
    detectorParams: opts.conceptDrift,
  });

  try {
    await evaluator.restoreLatest();
  } catch (err) {
    await leases.close();
    await Promise.all([store.close(), predictions.close(), reviews.close()]);
    throw err;
  }

  let baseUrl = '';
  const retraining = opts.retraining
    ? new RetrainingMonitor(
        opts.retraining,
        {
          models: async () => [...new Set([...(await predictions.predictionModels()), ...(await store.listModels()).map((m) => m.model)])].sort(),
          performance: (model) => performance.latestReports(model),
          conceptEvents: (model) => performance.conceptEvents(model),
          drift: (model) => evaluator.latestReports(model),
        },
        reviews,
        new RetrainingMetrics(metrics.registry),
        () => baseUrl,
        rateLimitedLog((line) => process.stderr.write(`${line}\n`), { prefix: 'modelwatch collector' }),
      )
    : undefined;

  const log = rateLimitedLog((line) => process.stderr.write(`${line}\n`), { prefix: 'modelwatch collector' });
  const app = buildApp({
    store,
    metrics,
    log,
    requireClientCertificate: opts.tls?.ca !== undefined,
    tokens: opts.tokens,
    maxBodyBytes: opts.maxBodyBytes,
    latestReports: (model, variant) => evaluator.latestReports(model, variant),
    reportPage: (model, window) => latestReportPage(evaluator, model, window),
    profileRawData,
    baselinesChanged: () => {
      evaluator.refreshBaselines().catch(() => {});
    },
    ready: async () => {
      await store.listModels();
      return true;
    },
    predictionLog: {
      predictions,
      metrics: feedbackMetrics,
      retentionMs: opts.predictionRetentionMs,
      events: new Set(opts.feedbackEvents),
      pendingLabels: opts.pendingLabels,
      performance,
      feedbackApplied: () => automationMetrics.labelsArrived(),
    },
    review: { queue: reviewQueue, retentionMs: opts.predictionRetentionMs },
    retraining: { monitor: retraining, history: reviews },
  });

  const tlsFiles = opts.tls;
  const server: Server = tlsFiles
    ? createHttpsServer({
        ...readTlsFiles(tlsFiles),
        // Asked for, checked per request (so a refusal is a JSON 401, and health checks work without one).
        requestCert: tlsFiles.ca !== undefined,
        rejectUnauthorized: false,
      }, app)
    : createHttpServer(app);
  server.listen(opts.port, opts.host);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    await leases.close();
    await Promise.all([store.close(), predictions.close(), reviews.close()]);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  // Baseline series right away; the first drift round comes after one interval (until then
  // GET /drift serves the reports restored from the history).
  await evaluator.refreshBaselines().catch(() => {});
  evaluator.start(opts.evaluateEveryMs);
  const retention = new RetentionLoop(
    predictions,
    opts.predictionRetentionMs,
    feedbackMetrics,
    undefined,
    opts.pendingLabels.max > 0 ? opts.pendingLabels.graceMs : undefined,
  );
  retention.start();
  const reviewLoop = new ReviewLoop(reviewQueue, opts.predictionRetentionMs, undefined, (nowMs) => automationMetrics.refresh(nowMs));
  reviewLoop.start();
  performance.start(opts.evaluateEveryMs);
  retraining?.start(opts.evaluateEveryMs);
  // Detector state is restored from the store: publish it (and catch up on labels) right away.
  void performance.evaluate();

  const health = new HealthMetrics(metrics.registry);
  let closing: Promise<void> | undefined;
  return {
    url: `${tlsFiles ? 'https' : 'http'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    reloadTls() {
      if (!tlsFiles) return false;
      try {
        (server as import('node:https').Server).setSecureContext(readTlsFiles(tlsFiles));
        health.tlsReload(true);
        log('TLS certificate reloaded');
        return true;
      } catch (err) {
        health.tlsReload(false);
        log(`TLS reload failed, the previous certificate stays in use: ${(err as Error).message}`);
        return false;
      }
    },
    authSummary: opts.tokens.describe(),
    async evaluate() {
      await evaluator.evaluate();
      await performance.evaluate();
      await retraining?.check();
    },
    close() {
      closing ??= (async () => {
        await evaluator.stop();
        await retention.stop();
        await reviewLoop.stop();
        await performance.stop();
        await retraining?.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await Promise.all([store.close(), predictions.close(), reviews.close()]);
      })();
      return closing;
    },
  };
}
