import type { ErrorReasonValue } from '@modelwatch/core';

/**
 * The shape every protocol codec (OIP v2, TF Serving / KServe v1, MLflow, generic JSON) turns a
 * request or response into, so that metrics, routing and the ONNX runner never see wire formats.
 */
export type CellValue = number | string | boolean | null;

/** A column of one feature across the rows of a batch. */
export type Column = readonly CellValue[] | Float32Array | Float64Array | Int32Array;

/** Open Inference Protocol tensor datatypes. */
export type OipDatatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64'
  | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

export interface DecodedTensor {
  name: string;
  shape: number[];
  datatype: OipDatatype;
  /** Flattened, row-major. Numeric tensors decode to typed arrays. */
  data: Float32Array | Float64Array | Int32Array | readonly (string | boolean | number)[];
}

/** Inputs of one request, ready for monitoring: one column per feature name. */
export interface InputBatch {
  rows: number;
  /** Feature name → column. Names come from the payload, the config or the baseline;
   *  the metrics layer decides which ones it monitors (bounded). */
  columns: Map<string, Column>;
  /** Raw non-tabular inputs (text, image bytes, audio samples) for the extractors, by input name. */
  media?: Map<string, readonly unknown[]>;
  /** The client's own id for the request (OIP `id`), honoured as the prediction id. */
  requestId?: string;
  /**
   * The same values row-major, when they came as one numeric [rows, cols] tensor: the input
   * monitor reads them in place (no column array per feature per request). `columns` is then
   * built only when something asks for it (extractors, the prediction log, review).
   */
  matrix?: InputMatrix;
}

/** A numeric [rows, cols] tensor as features: column j is feature `names[j]`. */
export interface InputMatrix {
  /** One name per column; the same array for every batch of a tensor layout (monitors cache by identity). */
  names: readonly string[];
  data: Float32Array | Float64Array | Int32Array;
  cols: number;
}

/** Outputs of one response: per output name either class probabilities or plain values. */
export type OutputColumn =
  | { kind: 'probabilities'; rows: number; classes: number; data: Float32Array | Float64Array | readonly number[] }
  | { kind: 'values'; values: readonly CellValue[] };

export interface OutputBatch {
  rows: number;
  outputs: Map<string, OutputColumn>;
}

export type Parsed<T> =
  | { ok: true; value: T }
  /** The client sent something wrong: answer `status` with `{error: message}` and count `reason`. */
  | { ok: false; kind: 'invalid'; status: number; reason: ErrorReasonValue; message: string }
  /** Valid but not monitorable (e.g. binary tensor extension): pass through untouched, count it. */
  | { ok: false; kind: 'unmonitorable'; reason: string };
