import { REVIEW_REASONS } from '@modelwatch/core';

/**
 * The humans-in-the-loop part of the OpenAPI description (review queue, reviewer page, automation
 * report, retraining, dataset export), kept beside its routes and spread into OPENAPI.paths.
 */
const error = { $ref: '#/components/responses/Error' };
const model = { $ref: '#/components/parameters/model' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const secured = [{ bearer: [] }];
const predictionId = { name: 'predictionId', in: 'path', required: true, schema: { type: 'string' } };
const reviewer = { type: 'string', description: 'who decides (default: the name of the token)' };
const query = (name: string, schema: object, description?: string) => ({ name, in: 'query', schema, ...(description ? { description } : {}) });
const claimed = json({ type: 'object', properties: { item: { type: 'object' }, claimUntil: { type: 'string' } } });

export const REVIEW_PATHS = {
  '/review': {
    get: { summary: 'The reviewer page (HTML): one item at a time, one button or key per class', responses: { '200': { description: 'HTML', content: { 'text/html': {} } } } },
  },
  '/review/app.js': {
    get: { summary: 'The reviewer page script', responses: { '200': { description: 'JavaScript', content: { 'application/javascript': {} } } } },
  },
  '/api/v1/models/{model}/review': {
    parameters: [model],
    post: {
      summary: 'Queue answers for a human decision (the sidecar sends marked answers here)',
      security: secured,
      'x-modelwatch-scope': 'writer',
      requestBody: {
        required: true,
        ...json({
          oneOf: [
            { type: 'object', required: ['items'], properties: { items: { type: 'array', maxItems: 10000, items: { type: 'object', required: ['reason', 'record'], properties: { reason: { enum: [...REVIEW_REASONS] }, record: { $ref: '#/components/schemas/PredictionRecord' } } } } } },
            { type: 'object', required: ['records', 'reasons'], properties: { records: { type: 'array' }, reasons: { type: 'array', items: { type: 'string' } } } },
          ],
        }),
      },
      responses: { '202': json({ type: 'object' }), '400': error, '401': error, '403': error, '503': error },
    },
  },
  '/api/v1/review': {
    get: {
      summary: 'Review items of a model, oldest first, paged (items carry the record with its inputs)',
      security: secured,
      'x-modelwatch-scope': 'reader',
      parameters: [
        query('model', { type: 'string' }),
        query('state', { enum: ['pending', 'decided'], default: 'pending' }),
        query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
        query('after', { type: 'string' }, 'the `next` cursor of the previous page'),
      ],
      responses: { '200': json({ type: 'object' }), '400': error, '401': error, '403': error },
    },
  },
  '/api/v1/review/queues': {
    get: { summary: 'Pending items and the oldest item age per model', responses: { '200': json({ type: 'object' }) } },
  },
  '/api/v1/review/classes': {
    get: { summary: 'The class table of the model (its active baseline), for the reviewer page buttons', parameters: [query('model', { type: 'string' })], responses: { '200': json({ type: 'object' }), '400': error } },
  },
  '/api/v1/review/claims': {
    post: {
      summary: 'Claim the oldest item nobody else holds (the reviewer\'s own live claim first)',
      security: secured,
      'x-modelwatch-scope': 'labeller',
      requestBody: { required: true, ...json({ type: 'object', required: ['model'], properties: { model: { type: 'string' }, reviewer, skip: { type: 'array', maxItems: 100, items: { type: 'string' } } } }) },
      responses: { '200': claimed, '204': { description: 'the queue has nothing for this reviewer' }, '400': error, '401': error, '403': error },
    },
  },
  '/api/v1/review/{predictionId}/claim': {
    parameters: [predictionId],
    post: {
      summary: 'Claim one item (a lease: it expires, so two reviewers never hold the same item)',
      security: secured,
      'x-modelwatch-scope': 'labeller',
      requestBody: { required: true, ...json({ type: 'object', required: ['model'], properties: { model: { type: 'string' }, reviewer } }) },
      responses: { '200': claimed, '400': error, '401': error, '403': error, '404': error, '409': error },
    },
  },
  '/api/v1/review/{predictionId}': {
    parameters: [predictionId],
    post: {
      summary: 'Decide an item: the decision becomes the prediction\'s label',
      security: secured,
      'x-modelwatch-scope': 'labeller',
      requestBody: {
        required: true,
        ...json({ type: 'object', required: ['model'], properties: { model: { type: 'string' }, reviewer, label: { type: 'string' }, value: { type: 'number' } } }),
      },
      responses: { '200': json({ type: 'object' }), '400': error, '401': error, '403': error, '404': error, '409': error },
    },
  },
  '/api/v1/models/{model}/automation': {
    parameters: [model],
    get: {
      summary: 'Automation report: per confidence threshold, the share automated and its accuracy on the labelled history',
      parameters: [query('from', { type: 'string' }), query('to', { type: 'string' }), query('thresholds', { type: 'string' }, 'comma-separated, 0..1')],
      responses: { '200': json({ type: 'object' }), '400': error, '404': error },
    },
  },
  '/api/v1/models/{model}/retraining': {
    parameters: [model],
    get: { summary: 'Retraining triggers of the model, newest first', parameters: [query('limit', { type: 'integer', minimum: 1, maximum: 1000 })], responses: { '200': json({ type: 'object' }), '400': error } },
    post: {
      summary: 'Trigger retraining now: the collector calls its webhook (reason manual), whatever the cool-down',
      security: secured,
      'x-modelwatch-scope': 'writer',
      requestBody: { required: false, ...json({ type: 'object', properties: { note: { type: 'string', maxLength: 1000 } } }) },
      responses: { '200': json({ type: 'object' }), '401': error, '403': error, '409': error, '502': json({ type: 'object' }) },
    },
  },
  '/api/v1/models/{model}/dataset': {
    parameters: [model],
    get: {
      summary: 'The (labelled) prediction records of a period as a training table, streamed',
      security: secured,
      'x-modelwatch-scope': 'reader',
      parameters: [
        query('from', { type: 'string' }),
        query('to', { type: 'string' }),
        query('labelled', { enum: ['true', 'false'], default: 'true' }),
        query('format', { enum: ['parquet', 'csv', 'jsonl'], default: 'jsonl' }),
        query('variant', { type: 'string' }),
      ],
      responses: {
        '200': { description: 'the table', content: { 'application/vnd.apache.parquet': {}, 'text/csv': {}, 'application/x-ndjson': {} } },
        '400': error,
        '401': error,
        '403': error,
      },
    },
  },
} as const;
