import type { IncomingHttpHeaders } from 'node:http';
import { ErrorReason } from '@modelwatch/core';
import type { Column, DecodedTensor, InputBatch, InputMatrix, OutputBatch, OutputColumn, Parsed } from './types.js';
import type { CodecOptions, InferenceRoute, ProtocolCodec } from './codec.js';
import { headerValue } from './codec.js';
import { fail, invalid, isRecord, ok, parseJsonBody, preview, unmonitorable } from './parsed.js';
import { checkDatatype, checkShape, decodeTensorData } from './tensor.js';
import { compilePath } from './route.js';
import { scanOipRequest, scanOipResponse } from './oip-scan.js';

/**
 * Open Inference Protocol (KServe v2) REST codec: infer requests and responses as JSON tensors.
 * The binary tensor extension (raw bytes after a JSON header) is recognised and passed through
 * unmonitored rather than decoded.
 */
export const BINARY_HEADER = 'inference-header-content-length';
export const UNMONITORABLE_BINARY = 'binary_tensor';

export interface OipTensor extends DecodedTensor {
  parameters?: Record<string, unknown>;
}

export interface OipRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: OipTensor[];
  /** Requested outputs, kept verbatim for the model. */
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export interface OipResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: OipTensor[];
}

function hasBinaryParameter(t: Record<string, unknown>): boolean {
  return isRecord(t.parameters) && (t.parameters.binary_data_size !== undefined || t.parameters.binary_data === true);
}

function parseTensor(raw: unknown, where: string): Parsed<OipTensor> {
  if (!isRecord(raw)) return invalid(ErrorReason.wrongShape, `${where} must be an object with name, shape, datatype and data`);
  if (typeof raw.name !== 'string' || raw.name === '') {
    return invalid(ErrorReason.wrongShape, `${where}.name must be a non-empty string, got ${preview(raw.name)}`);
  }
  const shape = checkShape(raw.shape, `${where}.shape`);
  if (!shape.ok) return fail(shape);
  const datatype = checkDatatype(raw.datatype, `${where}.datatype`);
  if (!datatype.ok) return fail(datatype);
  if (raw.parameters !== undefined && !isRecord(raw.parameters)) {
    return invalid(ErrorReason.wrongShape, `${where}.parameters must be an object`);
  }
  const data = decodeTensorData(raw.data, shape.value, datatype.value, where);
  if (!data.ok) return fail(data);
  const t: OipTensor = { name: raw.name, shape: shape.value, datatype: datatype.value, data: data.value };
  if (raw.parameters !== undefined) t.parameters = raw.parameters as Record<string, unknown>;
  return ok(t);
}

function parseTensors(raw: unknown, field: 'inputs' | 'outputs', what: string): Parsed<OipTensor[]> | 'binary' {
  if (!Array.isArray(raw) || raw.length === 0) {
    return invalid(ErrorReason.wrongShape, `${what} must have a non-empty "${field}" array of tensors`);
  }
  if (raw.some((t) => isRecord(t) && hasBinaryParameter(t))) return 'binary';
  const tensors: OipTensor[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < raw.length; i++) {
    const t = parseTensor(raw[i], `${field}[${i}]`);
    if (!t.ok) return fail(t);
    // Two tensors of one name: the model would see only one of them, and the monitor would count
    // a batch that never reached it (issue 12, item 8).
    const first = seen.get(t.value.name);
    if (first !== undefined) {
      return invalid(ErrorReason.duplicateInput, `${field}[${i}].name ${preview(t.value.name)} repeats ${field}[${first}]; tensor names must be unique`);
    }
    seen.set(t.value.name, i);
    tensors.push(t.value);
  }
  return ok(tensors);
}

/** The requested outputs of an infer request: a list of `{name, parameters?}`, names unique. */
function parseRequestedOutputs(raw: unknown): Parsed<NonNullable<OipRequest['outputs']>> {
  if (!Array.isArray(raw)) return invalid(ErrorReason.wrongShape, `outputs must be an array of {"name": ...} objects, got ${preview(raw)}`);
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const o = raw[i];
    if (!isRecord(o) || typeof o.name !== 'string' || o.name === '') {
      return invalid(ErrorReason.wrongShape, `outputs[${i}] must be an object with a non-empty "name", got ${preview(o)}`);
    }
    if (o.parameters !== undefined && !isRecord(o.parameters)) return invalid(ErrorReason.wrongShape, `outputs[${i}].parameters must be an object`);
    if (seen.has(o.name)) return invalid(ErrorReason.wrongShape, `outputs[${i}].name ${preview(o.name)} is requested twice`);
    seen.add(o.name);
  }
  return ok(raw as NonNullable<OipRequest['outputs']>);
}

/** Parses an infer request body (`POST /v2/models/{m}/infer`). */
export function parseOipRequest(body: Buffer, headers: IncomingHttpHeaders = {}): Parsed<OipRequest> {
  if (headerValue(headers, BINARY_HEADER) !== undefined) return unmonitorable(UNMONITORABLE_BINARY);
  // The common shape straight from the bytes (oip-scan.ts); everything else, errors included, as below.
  const scanned = scanOipRequest(body);
  return scanned !== undefined ? ok(scanned) : parseOipRequestJson(body);
}

/** The general path of parseOipRequest (JSON.parse, then every check); exported for the scanner's equivalence tests. */
export function parseOipRequestJson(body: Buffer): Parsed<OipRequest> {
  const json = parseJsonBody(body);
  if (!json.ok) return fail(json);
  const root = json.value;
  if (!isRecord(root)) return invalid(ErrorReason.malformedJson, 'infer request must be a JSON object with an "inputs" array');
  if (root.id !== undefined && typeof root.id !== 'string') {
    return invalid(ErrorReason.wrongDatatype, `id must be a string, got ${preview(root.id)}`);
  }
  if (root.parameters !== undefined && !isRecord(root.parameters)) {
    return invalid(ErrorReason.wrongShape, 'parameters must be an object');
  }
  if (isRecord(root.parameters) && root.parameters.binary_data_output === true) {
    // The answer will carry raw bytes: the request is readable but its outputs are not.
    return unmonitorable(UNMONITORABLE_BINARY);
  }
  const inputs = parseTensors(root.inputs, 'inputs', 'infer request');
  if (inputs === 'binary') return unmonitorable(UNMONITORABLE_BINARY);
  if (!inputs.ok) return fail(inputs);
  const req: OipRequest = { inputs: inputs.value };
  if (root.id !== undefined) req.id = root.id as string;
  if (root.parameters !== undefined) req.parameters = root.parameters as Record<string, unknown>;
  if (root.outputs !== undefined) {
    if (Array.isArray(root.outputs) && root.outputs.some((o) => isRecord(o) && hasBinaryParameter(o))) return unmonitorable(UNMONITORABLE_BINARY);
    const outputs = parseRequestedOutputs(root.outputs);
    if (!outputs.ok) return fail(outputs);
    req.outputs = outputs.value;
  }
  return ok(req);
}

/** Copies column j of a row-major [rows, cols] tensor into its own array. */
function column(t: DecodedTensor, rows: number, cols: number, j: number): Column {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array) {
    const out = new (d.constructor as Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor)(rows);
    for (let r = 0; r < rows; r++) out[r] = d[r * cols + j];
    return out;
  }
  const out = new Array<string | boolean | number>(rows);
  for (let r = 0; r < rows; r++) out[r] = d[r * cols + j];
  return out;
}

/** An InputBatch of one numeric [rows, cols] tensor: the matrix as given, columns copied out on first use. */
class MatrixInputBatch implements InputBatch {
  requestId?: string;
  private built: Map<string, Column> | undefined;

  constructor(
    public rows: number,
    readonly matrix: InputMatrix,
  ) {}

  get columns(): Map<string, Column> {
    if (this.built === undefined) {
      const { names, data, cols } = this.matrix;
      const t: DecodedTensor = { name: '', shape: [this.rows, cols], datatype: 'FP64', data };
      const columns = new Map<string, Column>();
      for (let j = 0; j < cols; j++) columns.set(names[j], column(t, this.rows, cols, j));
      this.built = columns;
    }
    return this.built;
  }
}

/**
 * `<tensor>[j]` names of unnamed [N,F] tensors: one array for all batches of a layout. Tensor names
 * and widths come from requests, so both the number of layouts and their size are bounded: a
 * layout wider than any monitor keeps (or with a long name) gets a fresh array that is not kept —
 * 16 cached layouts of 4M names would otherwise hold gigabytes.
 */
const positional = new Map<string, string[]>();
const POSITIONAL_LAYOUTS = 16;
const POSITIONAL_MAX_FEATURES = 1024;
const POSITIONAL_MAX_NAME = 256;

function positionalNames(tensor: string, f: number): string[] {
  if (f > POSITIONAL_MAX_FEATURES || tensor.length > POSITIONAL_MAX_NAME) return Array.from({ length: f }, (_, j) => `${tensor}[${j}]`);
  const key = `${f}:${tensor}`;
  let names = positional.get(key);
  if (names === undefined) {
    names = Array.from({ length: f }, (_, j) => `${tensor}[${j}]`);
    if (positional.size >= POSITIONAL_LAYOUTS) positional.clear();
    positional.set(key, names);
  }
  return names;
}

/** Cached positional layouts and the names they hold (for the bound's regression test). */
export function positionalNamesCached(): { layouts: number; names: number } {
  let names = 0;
  for (const n of positional.values()) names += n.length;
  return { layouts: positional.size, names };
}

/** Configured name lists already checked for repeats (a handful of arrays for the process's life). */
const checked = new WeakMap<readonly string[], boolean>();

/** True when no name repeats (a repeated name is one column in the map: the general path keeps that behaviour). */
function distinct(names: readonly string[]): boolean {
  let d = checked.get(names);
  if (d === undefined) {
    d = new Set(names).size === names.length;
    checked.set(names, d);
  }
  return d;
}

/**
 * Turns decoded input tensors into feature columns: a 2-D [N,F] tensor gives F features named by
 * `featureNames` when it has exactly F names (else `<tensor>[j]`), a 1-D tensor gives one feature.
 * Higher-rank tensors (images, audio) and BYTES tensors go to `media` for the extractors, one entry per row.
 */
export function oipInputBatch(inputs: readonly OipTensor[], options: CodecOptions = {}): InputBatch {
  const names = options.featureNames;
  if (inputs.length === 1) {
    // The usual tabular call: one numeric [N,F] tensor, kept as it is (see InputBatch.matrix).
    const t = inputs[0];
    const d = t.data;
    if (t.shape.length === 2 && t.shape[1] > 0 && (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array)) {
      const f = t.shape[1];
      const featureNames = names !== undefined && names.length === f ? names : positionalNames(t.name, f);
      // Positional names never repeat; configured ones may (then the general path keeps its behaviour).
      if (featureNames !== names || distinct(featureNames)) return new MatrixInputBatch(t.shape[0], { names: featureNames, data: d, cols: f });
    }
  }
  const columns = new Map<string, Column>();
  let media: Map<string, readonly unknown[]> | undefined;
  let rows = 0;
  for (const t of inputs) {
    const n = t.shape.length === 0 ? 1 : t.shape[0];
    rows = Math.max(rows, n);
    if (t.shape.length <= 1) {
      columns.set(t.name, t.data as Column);
      if (t.datatype === 'BYTES') (media ??= new Map()).set(t.name, t.data as readonly string[]);
    } else if (t.shape.length === 2) {
      const f = t.shape[1];
      const useNames = names !== undefined && names.length === f && inputs.length === 1;
      for (let j = 0; j < f; j++) columns.set(useNames ? names[j] : `${t.name}[${j}]`, column(t, n, f, j));
    } else {
      const per = n === 0 ? 0 : t.data.length / n;
      const items: unknown[] = [];
      for (let r = 0; r < n; r++) {
        const d = t.data;
        items.push({ data: 'subarray' in d ? d.subarray(r * per, (r + 1) * per) : d.slice(r * per, (r + 1) * per), shape: t.shape.slice(1) });
      }
      (media ??= new Map()).set(t.name, items);
    }
  }
  return media ? { rows, columns, media } : { rows, columns };
}

function isProbabilityMatrix(t: DecodedTensor): boolean {
  if (t.shape.length !== 2 || t.shape[1] < 2) return false;
  const d = t.data;
  if (!(d instanceof Float32Array || d instanceof Float64Array)) return false;
  // Indexed, not for…of: no iterator per answer on the monitoring path.
  for (let i = 0; i < d.length; i++) if (d[i] < 0 || d[i] > 1) return false;
  return true;
}

/** Outputs of a response: [N,C≥2] float tensors within [0,1] are class probabilities, anything else plain values. */
export function oipOutputBatch(outputs: readonly OipTensor[]): OutputBatch {
  const map = new Map<string, OutputColumn>();
  let rows = 0;
  for (const t of outputs) {
    const n = t.shape.length === 0 ? 1 : t.shape[0];
    rows = Math.max(rows, n);
    if (isProbabilityMatrix(t)) {
      map.set(t.name, { kind: 'probabilities', rows: n, classes: t.shape[1], data: t.data as Float32Array | Float64Array });
    } else {
      map.set(t.name, { kind: 'values', values: Array.from(t.data as ArrayLike<number | string | boolean>) });
    }
  }
  return { rows, outputs: map };
}

/** Parses an infer response body from a model server. */
export function parseOipResponse(body: Buffer, headers: IncomingHttpHeaders = {}): Parsed<OutputBatch> {
  if (headerValue(headers, BINARY_HEADER) !== undefined) return unmonitorable(UNMONITORABLE_BINARY);
  const scanned = scanOipResponse(body);
  return scanned !== undefined ? ok(oipOutputBatch(scanned)) : parseOipResponseJson(body);
}

/** The general path of parseOipResponse; exported for the scanner's equivalence tests. */
export function parseOipResponseJson(body: Buffer): Parsed<OutputBatch> {
  const json = parseJsonBody(body, 'infer response');
  if (!json.ok) return fail(json);
  if (!isRecord(json.value)) return invalid(ErrorReason.malformedJson, 'infer response must be a JSON object with an "outputs" array');
  const outputs = parseTensors(json.value.outputs, 'outputs', 'infer response');
  if (outputs === 'binary') return unmonitorable(UNMONITORABLE_BINARY);
  if (!outputs.ok) return fail(outputs);
  return ok(oipOutputBatch(outputs.value));
}

/** A tensor's data as a JSON array: numbers written one by one (non-finite ones as null, as JSON.stringify does). */
function dataJson(data: DecodedTensor['data']): string {
  if (Array.isArray(data)) return JSON.stringify(data);
  const d = data as Float32Array | Float64Array | Int32Array;
  let out = '[';
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    // String(v) is JSON's number form for every finite double (-0 included: "0").
    out += (i === 0 ? '' : ',') + (v === v && v !== Infinity && v !== -Infinity ? String(v) : 'null');
  }
  return `${out}]`;
}

/**
 * Serialises an infer response (embedded mode). Typed arrays become plain JSON arrays. Written
 * field by field (the same text JSON.stringify gives for the object, in the same key order): no
 * intermediate objects and no Array.from copy of every output tensor per answer.
 */
export function encodeOipResponse(res: OipResponse): string {
  let out = `{"model_name":${JSON.stringify(res.model_name)}`;
  if (res.model_version !== undefined) out += `,"model_version":${JSON.stringify(res.model_version)}`;
  if (res.id !== undefined) out += `,"id":${JSON.stringify(res.id)}`;
  if (res.parameters !== undefined) out += `,"parameters":${JSON.stringify(res.parameters)}`;
  out += ',"outputs":[';
  for (let i = 0; i < res.outputs.length; i++) {
    const t = res.outputs[i];
    out += `${i === 0 ? '' : ','}{"name":${JSON.stringify(t.name)},"shape":${JSON.stringify(t.shape)},"datatype":"${t.datatype}"`;
    if (t.parameters !== undefined) out += `,"parameters":${JSON.stringify(t.parameters)}`;
    out += `,"data":${dataJson(t.data)}}`;
  }
  return `${out}]}`;
}

const INFER = compilePath('/v2/models/{model}/infer');
const INFER_VERSION = compilePath('/v2/models/{model}/versions/{version}/infer');

export function matchOipInfer(method: string, path: string): InferenceRoute | null {
  if (method !== 'POST') return null;
  const p = INFER.match(path) ?? INFER_VERSION.match(path);
  return p ? (p.version !== undefined ? { model: p.model, version: p.version } : { model: p.model }) : null;
}

export function createOipCodec(options: CodecOptions = {}): ProtocolCodec {
  return {
    protocol: 'oip',
    matchInference: matchOipInfer,
    parseRequest(body, headers) {
      const req = parseOipRequest(body, headers);
      if (!req.ok) return fail(req);
      const batch = oipInputBatch(req.value.inputs, options);
      if (req.value.id !== undefined) batch.requestId = req.value.id;
      return ok(batch);
    },
    parseResponse: parseOipResponse,
  };
}
