import { ErrorReason } from '@modelwatch/core';
import type { InputBatch, OutputBatch, Parsed } from './types.js';
import type { CodecOptions, InferenceRoute, ProtocolCodec } from './codec.js';
import { fail, invalid, isRecord, parseJsonBody } from './parsed.js';
import { columnsToBatch, predictionsToBatch, rowsToBatch } from './tabular.js';
import { compileJsonPointer, type JsonPointer } from './json-pointer.js';
import { compilePath } from './route.js';

/**
 * Generic JSON model servers: the operator says where the inference call is and, with JSON
 * pointers, where the inputs (array of records, arrays or scalars, or an object of columns) and
 * the outputs sit in the bodies.
 */
export interface JsonCodecConfig extends CodecOptions {
  /** Path template of the inference call, e.g. `/predict` or `/models/{model}/score`. */
  path: string;
  /** HTTP method of the inference call (default POST). */
  method?: string;
  /** RFC 6901 pointer to the inputs in the request body, e.g. `/data`. */
  inputs: string;
  /** RFC 6901 pointer to the outputs in the response body, e.g. `/result/scores`. */
  outputs: string;
}

export function createJsonCodec(config: JsonCodecConfig): ProtocolCodec {
  const route = compilePath(config.path);
  const method = (config.method ?? 'POST').toUpperCase();
  const inputs: JsonPointer = compileJsonPointer(config.inputs);
  const outputs: JsonPointer = compileJsonPointer(config.outputs);
  const outputName = config.outputName ?? 'output';
  const tab = { featureNames: config.featureNames, positionalPrefix: 'input' };

  const parseRequest = (body: Buffer): Parsed<InputBatch> => {
    const json = parseJsonBody(body);
    if (!json.ok) return fail(json);
    const v = inputs.get(json.value);
    if (v === undefined) {
      return invalid(ErrorReason.wrongShape, `request body has nothing at ${JSON.stringify(inputs.source)} (the configured inputs pointer)`);
    }
    return isRecord(v) ? columnsToBatch(v, inputs.source) : rowsToBatch(v, inputs.source || 'body', tab);
  };

  const parseResponse = (body: Buffer): Parsed<OutputBatch> => {
    const json = parseJsonBody(body, 'response body');
    if (!json.ok) return fail(json);
    const v = outputs.get(json.value);
    if (v === undefined) {
      return invalid(ErrorReason.wrongShape, `response body has nothing at ${JSON.stringify(outputs.source)} (the configured outputs pointer)`);
    }
    return predictionsToBatch(v, outputName, outputs.source || 'body');
  };

  return {
    protocol: 'json',
    matchInference(m: string, path: string): InferenceRoute | null {
      if (m !== method) return null;
      const p = route.match(path);
      return p ? (p.model !== undefined ? { model: p.model } : {}) : null;
    },
    parseRequest,
    parseResponse,
  };
}
