import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { ErrorReason } from '@modelwatch/core';
import type { OipRequest, OipTensor } from '../protocols/oip.js';
import { invalid, ok } from '../protocols/parsed.js';
import type { OipDatatype, Parsed } from '../protocols/types.js';
import { readMetadataProps, stringArrayProp } from './metadata-props.js';

/** One graph input or output as OIP metadata describes it: -1 for a dynamic dimension. */
export interface TensorInfo {
  name: string;
  datatype: OipDatatype;
  shape: number[];
}

const ORT_TO_OIP: Partial<Record<string, OipDatatype>> = {
  float32: 'FP32', float64: 'FP64', float16: 'FP16', int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64',
  uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64', bool: 'BOOL', string: 'BYTES',
};
const OIP_TO_ORT: Partial<Record<OipDatatype, ort.Tensor.Type>> = {
  FP32: 'float32', FP64: 'float64', INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', BOOL: 'bool', BYTES: 'string',
};

function info(meta: ort.InferenceSession.ValueMetadata): TensorInfo | undefined {
  if (!meta.isTensor) return undefined;
  const datatype = ORT_TO_OIP[meta.type];
  if (!datatype) return undefined;
  return { name: meta.name, datatype, shape: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

/** Converts decoded OIP data to the typed array onnxruntime wants for `type`. */
function ortData(type: ort.Tensor.Type, data: OipTensor['data']): ort.Tensor.DataType {
  switch (type) {
    case 'float32': return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    case 'float64': return data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>);
    case 'int32': return data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
    case 'int8': return Int8Array.from(data as ArrayLike<number>);
    case 'int16': return Int16Array.from(data as ArrayLike<number>);
    case 'uint8': return Uint8Array.from(data as ArrayLike<number>);
    case 'uint16': return Uint16Array.from(data as ArrayLike<number>);
    case 'uint32': return Uint32Array.from(data as ArrayLike<number>);
    case 'int64': return BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v));
    case 'uint64': return BigUint64Array.from(data as ArrayLike<number>, (v) => BigInt(v));
    case 'bool': return Uint8Array.from(data as ArrayLike<boolean>, (v) => (v ? 1 : 0));
    default: return (data as readonly unknown[]).map(String);
  }
}

function oipData(t: ort.Tensor): OipTensor['data'] {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array) return d;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, (v) => Number(v));
  if (t.type === 'bool') return Array.from(d as Uint8Array, (v) => v !== 0);
  if (Array.isArray(d)) return d as string[];
  return Float64Array.from(d as ArrayLike<number>);
}

/** An ONNX model in an onnxruntime session, with the metadata OIP serves and the checks it applies. */
export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
    readonly props: Record<string, string>,
  ) {}

  static async load(path: string): Promise<OnnxModel> {
    const bytes = await readFile(path);
    const props = readMetadataProps(bytes);
    const session = await ort.InferenceSession.create(bytes);
    const inputs = session.inputMetadata.map(info);
    const outputs = session.outputMetadata.map(info);
    if (inputs.some((i) => !i) || outputs.some((o) => !o)) {
      await session.release();
      throw new Error(`${path}: the model has non-tensor inputs or outputs, which OIP cannot serve`);
    }
    return new OnnxModel(session, inputs as TensorInfo[], outputs as TensorInfo[], props);
  }

  get featureNames(): string[] | undefined {
    return stringArrayProp(this.props, 'feature_names');
  }

  get classLabels(): string[] | undefined {
    return stringArrayProp(this.props, 'class_labels');
  }

  /** Checks the request against the graph (names, datatypes, shapes) and builds the feeds. */
  feeds(req: OipRequest): Parsed<Record<string, ort.Tensor>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of req.inputs) {
      const spec = this.inputs.find((i) => i.name === t.name);
      if (!spec) {
        return invalid(ErrorReason.wrongShape, `unknown input "${t.name}"; the model takes ${this.inputs.map((i) => `"${i.name}"`).join(', ')}`);
      }
      if (t.datatype !== spec.datatype) {
        return invalid(ErrorReason.wrongDatatype, `input "${t.name}" has datatype ${t.datatype}; the model expects ${spec.datatype}`);
      }
      const shapeOk = t.shape.length === spec.shape.length && spec.shape.every((d, i) => d < 0 || d === t.shape[i]);
      if (!shapeOk) {
        return invalid(ErrorReason.wrongShape, `input "${t.name}" has shape [${t.shape.join(',')}]; the model expects [${spec.shape.map((d) => (d < 0 ? '-1' : d)).join(',')}] (-1: any size)`);
      }
      feeds[t.name] = new ort.Tensor(OIP_TO_ORT[t.datatype]!, ortData(OIP_TO_ORT[t.datatype]!, t.data), t.shape);
    }
    const missing = this.inputs.find((i) => !(i.name in feeds));
    if (missing) return invalid(ErrorReason.wrongShape, `missing input "${missing.name}" (${missing.datatype} [${missing.shape.join(',')}])`);
    return ok(feeds);
  }

  /** Output names requested by the client (all when none); an unknown name is a client error. */
  outputNames(req: OipRequest): Parsed<string[]> {
    if (!req.outputs || req.outputs.length === 0) return ok(this.outputs.map((o) => o.name));
    const names: string[] = [];
    for (const o of req.outputs) {
      const name = (o as { name?: unknown }).name;
      if (typeof name !== 'string' || !this.outputs.some((x) => x.name === name)) {
        return invalid(ErrorReason.wrongShape, `unknown output ${JSON.stringify(name)}; the model has ${this.outputs.map((x) => `"${x.name}"`).join(', ')}`);
      }
      names.push(name);
    }
    return ok(names);
  }

  async run(feeds: Record<string, ort.Tensor>, outputNames: string[]): Promise<OipTensor[]> {
    const result = await this.session.run(feeds, outputNames);
    return outputNames.map((name) => {
      const t = result[name];
      return { name, shape: [...t.dims], datatype: ORT_TO_OIP[t.type] ?? 'BYTES', data: oipData(t) };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
