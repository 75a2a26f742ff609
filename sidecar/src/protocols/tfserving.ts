import { ErrorReason } from '@modelwatch/core';
import type { InputBatch, OutputBatch, Parsed } from './types.js';
import type { CodecOptions, InferenceRoute, ProtocolCodec } from './codec.js';
import { fail, invalid, isRecord, parseJsonBody } from './parsed.js';
import { columnsToBatch, predictionsToBatch, rowsToBatch } from './tabular.js';
import { compilePath } from './route.js';

/**
 * TF Serving REST / KServe v1 `:predict`. Requests use the row form (`instances`: a list of
 * values, arrays or records of named inputs) or the columnar form (`inputs`: a list, or an object
 * of named input columns); responses answer with `predictions` (row form) or `outputs` (columnar).
 */
export function parseTfRequest(body: Buffer, o: CodecOptions = {}): Parsed<InputBatch> {
  const json = parseJsonBody(body);
  if (!json.ok) return fail(json);
  const root = json.value;
  if (!isRecord(root)) return invalid(ErrorReason.malformedJson, 'predict request must be a JSON object with "instances" or "inputs"');
  const hasInstances = root.instances !== undefined;
  const hasInputs = root.inputs !== undefined;
  if (hasInstances && hasInputs) {
    return invalid(ErrorReason.wrongShape, 'predict request has both "instances" and "inputs"; send exactly one');
  }
  const tab = { featureNames: o.featureNames, positionalPrefix: 'input' };
  if (hasInstances) return rowsToBatch(root.instances, 'instances', tab);
  if (hasInputs) {
    return isRecord(root.inputs) ? columnsToBatch(root.inputs, 'inputs') : rowsToBatch(root.inputs, 'inputs', tab);
  }
  return invalid(ErrorReason.wrongShape, 'predict request must have "instances" (row form) or "inputs" (columnar form)');
}

export function parseTfResponse(body: Buffer, o: CodecOptions = {}): Parsed<OutputBatch> {
  const json = parseJsonBody(body, 'predict response');
  if (!json.ok) return fail(json);
  const root = json.value;
  const name = o.outputName ?? 'predictions';
  if (isRecord(root) && root.predictions !== undefined) return predictionsToBatch(root.predictions, name, 'predictions');
  if (isRecord(root) && root.outputs !== undefined) return predictionsToBatch(root.outputs, o.outputName ?? 'outputs', 'outputs');
  return invalid(ErrorReason.wrongShape, 'predict response must have "predictions" or "outputs"');
}

const PREDICT = compilePath('/v1/models/{model}:predict');
const PREDICT_VERSION = compilePath('/v1/models/{model}/versions/{version}:predict');
const PREDICT_LABEL = compilePath('/v1/models/{model}/labels/{version}:predict');

export function matchTfPredict(method: string, path: string): InferenceRoute | null {
  if (method !== 'POST') return null;
  const p = PREDICT.match(path) ?? PREDICT_VERSION.match(path) ?? PREDICT_LABEL.match(path);
  if (!p) return null;
  return p.version !== undefined ? { model: p.model, version: p.version } : { model: p.model };
}

export function createTfServingCodec(options: CodecOptions = {}): ProtocolCodec {
  return {
    protocol: 'tfserving',
    matchInference: matchTfPredict,
    parseRequest: (body) => parseTfRequest(body, options),
    parseResponse: (body) => parseTfResponse(body, options),
  };
}
