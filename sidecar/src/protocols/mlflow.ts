import type { IncomingHttpHeaders } from 'node:http';
import { ErrorReason } from '@modelwatch/core';
import type { InputBatch, OutputBatch, Parsed } from './types.js';
import type { CodecOptions, InferenceRoute, ProtocolCodec } from './codec.js';
import { headerValue } from './codec.js';
import { fail, invalid, isRecord, parseJsonBody, preview } from './parsed.js';
import { columnsToBatch, predictionsToBatch, rowsToBatch } from './tabular.js';
import { parseCsv } from './csv.js';

/**
 * MLflow scoring server `/invocations`: JSON with exactly one of `dataframe_split`,
 * `dataframe_records`, `instances`, `inputs` (MLflow 2 format), a bare records list or pandas
 * split (MLflow 1.x), or a `text/csv` body.
 * Responses are `{"predictions": …}` or, from older servers, a bare list.
 */
const KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

function splitToBatch(v: unknown, where = 'dataframe_split'): Parsed<InputBatch> {
  if (!isRecord(v) || !Array.isArray(v.data)) {
    return invalid(ErrorReason.wrongShape, `${where} must be an object with "columns" and "data" arrays, got ${preview(v)}`);
  }
  const columns = v.columns;
  if (columns !== undefined && !(Array.isArray(columns) && columns.every((c) => typeof c === 'string'))) {
    return invalid(ErrorReason.wrongShape, `${where}.columns must be an array of column names`);
  }
  return rowsToBatch(v.data, `${where}.data`, { featureNames: columns as string[] | undefined, positionalPrefix: 'input' });
}

export function parseMlflowRequest(body: Buffer, headers: IncomingHttpHeaders = {}, o: CodecOptions = {}): Parsed<InputBatch> {
  const type = headerValue(headers, 'content-type') ?? 'application/json';
  if (type.startsWith('text/csv')) {
    const csv = parseCsv(body.toString('utf8'));
    if (!csv.ok) return fail(csv);
    return rowsToBatch(csv.value.rows, 'csv', { featureNames: csv.value.header });
  }
  const json = parseJsonBody(body);
  if (!json.ok) return fail(json);
  const root = json.value;
  const tab = { featureNames: o.featureNames, positionalPrefix: 'input' };
  // MLflow 1.x bodies, still sent by older clients: a bare list of records, or a bare pandas split.
  if (Array.isArray(root)) return rowsToBatch(root, 'body', tab);
  if (!isRecord(root)) return invalid(ErrorReason.malformedJson, `invocation must be a JSON object with one of ${KEYS.join(', ')}`);
  const present = KEYS.filter((k) => root[k] !== undefined);
  if (present.length === 0 && Array.isArray(root.columns) && Array.isArray(root.data)) return splitToBatch(root, 'body');
  if (present.length !== 1) {
    return invalid(ErrorReason.wrongShape, present.length === 0
      ? `invocation must have one of ${KEYS.join(', ')}`
      : `invocation has ${present.join(' and ')}; send exactly one of ${KEYS.join(', ')}`);
  }
  switch (present[0]) {
    case 'dataframe_split':
      return splitToBatch(root.dataframe_split);
    case 'dataframe_records':
      return rowsToBatch(root.dataframe_records, 'dataframe_records', tab);
    case 'instances':
      return rowsToBatch(root.instances, 'instances', tab);
    default:
      return isRecord(root.inputs) ? columnsToBatch(root.inputs, 'inputs') : rowsToBatch(root.inputs, 'inputs', tab);
  }
}

export function parseMlflowResponse(body: Buffer, o: CodecOptions = {}): Parsed<OutputBatch> {
  const json = parseJsonBody(body, 'invocation response');
  if (!json.ok) return fail(json);
  const root = json.value;
  const name = o.outputName ?? 'predictions';
  if (Array.isArray(root)) return predictionsToBatch(root, name, 'response');
  if (isRecord(root) && root.predictions !== undefined) return predictionsToBatch(root.predictions, name, 'predictions');
  return invalid(ErrorReason.wrongShape, 'invocation response must be {"predictions": …} or a list');
}

export function matchMlflowInvocation(method: string, path: string): InferenceRoute | null {
  if (method !== 'POST') return null;
  const q = path.indexOf('?');
  return (q < 0 ? path : path.slice(0, q)) === '/invocations' ? {} : null;
}

export function createMlflowCodec(options: CodecOptions = {}): ProtocolCodec {
  return {
    protocol: 'mlflow',
    matchInference: matchMlflowInvocation,
    parseRequest: (body, headers) => parseMlflowRequest(body, headers, options),
    parseResponse: (body) => parseMlflowResponse(body, options),
  };
}
