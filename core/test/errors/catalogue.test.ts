import { describe, expect, it } from 'vitest';
import {
  ERROR_CATALOGUE,
  ModelwatchError,
  ModelErrors,
  RequestErrors,
  errorBody,
  formatMessage,
} from '@modelwatch/core';

describe('error catalogue', () => {
  it('gives every error a unique MW_ code and an HTTP status', () => {
    const codes = ERROR_CATALOGUE.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const e of ERROR_CATALOGUE) {
      expect(e.code).toMatch(/^MW_[A-Z0-9_]+$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
    }
  });

  it('fills message templates and renders missing parameters as nothing', () => {
    expect(formatMessage('unknown model "{model}"{hint}', { model: 'fraud' })).toBe('unknown model "fraud"');
    const err = new ModelwatchError(RequestErrors.bodyTooLarge, { limit: 1024 });
    expect(err.status).toBe(413);
    expect(err.message).toBe('MW_ERR_REQUEST_BODY_TOO_LARGE: request body is larger than the limit of 1024 bytes');
    expect(err.body()).toEqual({ code: 'MW_ERR_REQUEST_BODY_TOO_LARGE', error: 'request body is larger than the limit of 1024 bytes' });
  });

  it('answers catalogue errors as they are and anything else as a 500 with a correlation id and no internals', () => {
    expect(errorBody(new ModelwatchError(ModelErrors.unknownModel, { model: 'x', hint: '' }))).toEqual({
      status: 404,
      body: { code: 'MW_ERR_MODEL_UNKNOWN', error: 'unknown model "x"' },
    });
    const internal = errorBody(new TypeError('Cannot read properties of undefined (reading /srv/secret/path)'), 'cid-1');
    expect(internal.status).toBe(500);
    expect(internal.body).toEqual({ code: 'MW_ERR_INTERNAL', error: 'internal error (correlation id cid-1)', correlationId: 'cid-1' });
    expect(JSON.stringify(internal.body)).not.toContain('secret');
  });
});
