/**
 * OpenAPI 3.1 description of the collector's REST API, written by hand (the contract is small and
 * agreed across teams). A test checks that every route the app serves is listed here and back.
 */
import { REVIEW_PATHS } from './openapi-review.js';

const error = { $ref: '#/components/responses/Error' };
const model = { $ref: '#/components/parameters/model' };
const version = { $ref: '#/components/parameters/version' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const secured = [{ bearer: [] }];

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'modelwatch collector',
    version: '1',
    description: 'Baseline registry and drift engine. Writes need `Authorization: Bearer <token>` when the collector has a token.',
  },
  servers: [{ url: 'http://127.0.0.1:9400' }],
  paths: {
    '/api/v1/models': {
      get: { summary: 'Models with their active baseline version', responses: { '200': json({ type: 'object' }) } },
    },
    '/api/v1/models/{model}/baselines': {
      parameters: [model],
      get: { summary: 'List baseline versions', responses: { '200': json({ type: 'object' }), '400': error, '404': error } },
      post: {
        summary: 'Upload a baseline profile, or raw training data that the collector profiles',
        security: secured,
        parameters: [{ name: 'activate', in: 'query', schema: { type: 'string', enum: ['true', 'false'], default: 'true' } }],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/BaselineProfile' } },
            'text/csv': { schema: { type: 'string' } },
            'application/x-ndjson': { schema: { type: 'string' } },
            'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } },
          },
        },
        responses: {
          '201': json({
            type: 'object',
            required: ['model', 'version', 'active'],
            properties: { model: { type: 'string' }, version: { type: 'string' }, active: { type: 'boolean' } },
          }),
          '400': error,
          '401': error,
          '413': error,
          '415': error,
        },
      },
    },
    '/api/v1/models/{model}/baselines/active': {
      parameters: [model],
      get: { summary: 'The active baseline profile, with its version', responses: { '200': json({ $ref: '#/components/schemas/BaselineProfile' }), '404': error } },
    },
    '/api/v1/models/{model}/baselines/{version}': {
      parameters: [model, version],
      get: { summary: 'One baseline profile', responses: { '200': json({ $ref: '#/components/schemas/BaselineProfile' }), '404': error } },
      delete: {
        summary: 'Delete an inactive baseline version',
        security: secured,
        responses: { '204': { description: 'deleted' }, '401': error, '404': error, '409': error },
      },
    },
    '/api/v1/models/{model}/baselines/{version}/activate': {
      parameters: [model, version],
      post: { summary: 'Make a version the active baseline', security: secured, responses: { '200': json({ type: 'object' }), '401': error, '404': error } },
    },
    '/api/v1/models/{model}/windows': {
      parameters: [model],
      post: {
        summary: 'Push the counts of one closed window (edge sidecars); idempotent on (source, seq)',
        security: secured,
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/PushedWindow' }) },
        responses: {
          '202': json({ type: 'object', properties: { status: { type: 'string', enum: ['accepted', 'duplicate'] } } }),
          '400': error,
          '401': error,
          '404': error,
          '413': error,
          '415': error,
        },
      },
    },
    '/api/v1/models/{model}/drift': {
      parameters: [model],
      get: { summary: 'Latest drift report per window', responses: { '200': json({ type: 'object' }), '404': error } },
    },
    '/api/v1/models/{model}/drift/history': {
      parameters: [
        model,
        { name: 'window', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      ],
      get: { summary: 'Stored drift reports, newest first', responses: { '200': json({ type: 'object' }), '400': error, '404': error } },
    },
    '/report/{model}': {
      parameters: [model, { name: 'window', in: 'query', schema: { type: 'string' } }],
      get: {
        summary: 'Latest drift report as a self-contained HTML page (default: the first configured window)',
        responses: { '200': { description: 'HTML page', content: { 'text/html': {} } }, '400': error, '404': error },
      },
    },
    '/api/v1/models/{model}/predictions': {
      parameters: [model],
      post: {
        summary: 'Ship prediction records (sidecars); deduplicated by (model, id), so a retried batch is harmless',
        security: secured,
        'x-modelwatch-scope': 'writer',
        requestBody: { required: true, ...json({ type: 'object', required: ['records'], properties: { records: { type: 'array', maxItems: 10000, items: { $ref: '#/components/schemas/PredictionRecord' } } } }) },
        responses: {
          '202': json({ type: 'object', properties: { accepted: { type: 'integer' }, duplicate: { type: 'integer' } } }),
          '400': error,
          '401': error,
          '403': error,
          '413': error,
          '415': error,
        },
      },
      get: {
        summary: 'Stored prediction records with their labels and signals, in time order, paged',
        security: secured,
        'x-modelwatch-scope': 'reader',
        parameters: [
          { name: 'from', in: 'query', schema: { type: 'string' }, description: 'ISO 8601 or Unix ms, exclusive; default: to minus retention' },
          { name: 'to', in: 'query', schema: { type: 'string' }, description: 'ISO 8601 or Unix ms, inclusive; default: now' },
          { name: 'labelled', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } },
          { name: 'variant', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 } },
          { name: 'after', in: 'query', schema: { type: 'string' }, description: 'the `next` cursor of the previous page' },
        ],
        responses: { '200': json({ type: 'object', properties: { records: { type: 'array' }, next: { type: ['string', 'null'] } } }), '400': error, '401': error, '403': error },
      },
      delete: {
        summary: 'Erase every record of a subject (and its labels and signals)',
        security: secured,
        'x-modelwatch-scope': 'admin',
        parameters: [{ name: 'subject', in: 'query', required: true, schema: { type: 'string', maxLength: 128 }, description: 'the subject key the sidecar wrote on the records' }],
        responses: { '200': json({ type: 'object', properties: { deleted: { type: 'integer' } } }), '400': error, '401': error, '403': error },
      },
    },
    '/api/v1/models/{model}/predictions/{id}': {
      parameters: [model, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary: 'One stored prediction record with its label and signals',
        security: secured,
        'x-modelwatch-scope': 'reader',
        responses: { '200': json({ $ref: '#/components/schemas/PredictionRecord' }), '401': error, '403': error, '404': error },
      },
    },
    '/api/v1/models/{model}/feedback': {
      parameters: [model],
      post: {
        summary: 'Ground truth (label or value) and user signals (event) by prediction id, any delay after the answer',
        security: secured,
        'x-modelwatch-scope': 'labeller',
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['items'],
            properties: {
              items: {
                type: 'array',
                maxItems: 10000,
                items: {
                  type: 'object',
                  required: ['predictionId'],
                  properties: {
                    predictionId: { type: 'string' },
                    label: { type: ['string', 'number'], description: 'the true class' },
                    value: { type: 'number', description: 'the true value (regression), or the value of an event' },
                    event: { type: 'string', description: 'a configured user signal, e.g. redo, switch_to_typing, click, conversion' },
                    time: { type: 'string', description: 'when the truth became known; default: arrival' },
                  },
                },
              },
            },
          }),
        },
        responses: {
          '200': json({
            type: 'object',
            description:
              'counts by outcome and the items not accepted. Outcomes: accepted; pending (a label whose prediction record has not arrived yet: ' +
              'held for the collector\'s grace period, --pending-labels-grace, and joined when the record arrives; expired ones are counted ' +
              'on modelwatch_feedback_pending_labels_total); duplicate; unknown_id (no such prediction: an event, or a label when the model ' +
              'already holds its maximum of pending labels); late (prediction past retention); unknown_event',
            properties: { received: { type: 'integer' }, outcomes: { type: 'object' }, notAccepted: { type: 'array' } },
          }),
          '400': error,
          '401': error,
          '403': error,
          '413': error,
          '415': error,
        },
      },
    },
    '/api/v1/models/{model}/performance': {
      parameters: [model],
      get: {
        summary: 'Latest realized performance per window and variant: accuracy, macro F1, per-class precision/recall, ECE or MAE/RMSE/bias; label coverage and delay; event rates; the baseline reference',
        responses: { '200': json({ type: 'object' }), '400': error, '401': error, '403': error },
      },
    },
    '/api/v1/models/{model}/performance/history': {
      parameters: [
        model,
        { name: 'window', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      ],
      get: { summary: 'Stored realized-performance reports, newest first', responses: { '200': json({ type: 'object' }), '400': error, '401': error, '403': error } },
    },
    '/api/v1/models/{model}/concept-drift': {
      parameters: [model],
      get: {
        summary: 'Concept-drift detectors (DDM, ADWIN, Page-Hinkley) per variant: detections, last detection, warning zone, labels consumed; recent detections',
        responses: { '200': json({ type: 'object' }), '400': error, '401': error, '403': error },
      },
    },
    ...REVIEW_PATHS,
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format', content: { 'text/plain': {} } } } } },
    '/healthz': { get: { summary: 'Liveness', responses: { '200': json({ type: 'object' }) } } },
    '/readyz': { get: { summary: 'Readiness (the store answers)', responses: { '200': json({ type: 'object' }), '503': error } } },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': json({ type: 'object' }) } } },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    parameters: {
      model: { name: 'model', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' } },
      version: { name: 'version', in: 'path', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]*$' } },
    },
    responses: {
      Error: json({ type: 'object', required: ['error'], properties: { error: { type: 'string' }, code: { type: 'string' } } }),
    },
    schemas: {
      BaselineProfile: {
        type: 'object',
        description: 'modelwatch.baseline/v1 (see core/src/baseline/profile.ts)',
        required: ['schema', 'model', 'createdAt', 'rows', 'features', 'outputs', 'chunks'],
      },
      PredictionRecord: {
        type: 'object',
        description: 'One answered row after the sidecar privacy rules (see core/src/predictions/record.ts)',
        required: ['id', 'time', 'model', 'version', 'variant', 'stage', 'prediction'],
      },
      PushedWindow: {
        type: 'object',
        description: 'Counts of one closed window (see core/src/drift/types.ts)',
        required: ['source', 'seq', 'model', 'start', 'end', 'rows', 'features'],
      },
    },
  },
} as const;
