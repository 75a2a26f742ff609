import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * Builds small ONNX models without Python: a dense layer (MatMul + Add) followed by Softmax
 * for classifiers, or nothing for regressors. Used by the example model's training script and
 * by tests that need a real model file for a real onnxruntime session.
 */
export interface DenseModelSpec {
  /** Graph input name, shape [batch, features]. */
  inputName: string;
  featureNames: string[];
  /** weights[f][o]: row per feature, column per output unit. */
  weights: number[][];
  bias: number[];
  /** Graph output name, shape [batch, outputs]. */
  outputName: string;
  /** Class labels for a classifier (adds Softmax); omit for a linear regressor. */
  classLabels?: string[];
  /** Per-feature standardisation applied inside the graph: (x - mean) / std. */
  standardize?: { mean: number[]; std: number[] };
  modelName?: string;
  modelVersion?: number;
  /** Extra key/value metadata stored in the model (readable from the session). */
  metadata?: Record<string, string>;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function floatTensor(name: string, dims: number[], values: number[]) {
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: values });
}

function tensorValueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === 'number'
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: d })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
          ),
        }),
      }),
    }),
  });
}

export function buildDenseModel(spec: DenseModelSpec): Uint8Array {
  const nIn = spec.featureNames.length;
  const nOut = spec.bias.length;
  if (spec.weights.length !== nIn || spec.weights.some((row) => row.length !== nOut)) {
    throw new Error(`weights must be ${nIn}x${nOut}`);
  }
  if (spec.classLabels && spec.classLabels.length !== nOut) {
    throw new Error(`classLabels has ${spec.classLabels.length} entries, the layer has ${nOut} outputs`);
  }
  const nodes = [];
  const initializers = [floatTensor('W', [nIn, nOut], spec.weights.flat()), floatTensor('B', [nOut], spec.bias)];
  let x = spec.inputName;
  if (spec.standardize) {
    initializers.push(floatTensor('mean', [nIn], spec.standardize.mean));
    initializers.push(floatTensor('std', [nIn], spec.standardize.std));
    nodes.push(onnx.NodeProto.create({ opType: 'Sub', input: [x, 'mean'], output: ['centered'], name: 'center' }));
    nodes.push(onnx.NodeProto.create({ opType: 'Div', input: ['centered', 'std'], output: ['scaled'], name: 'scale' }));
    x = 'scaled';
  }
  nodes.push(onnx.NodeProto.create({ opType: 'MatMul', input: [x, 'W'], output: ['xw'], name: 'matmul' }));
  const logits = spec.classLabels ? 'logits' : spec.outputName;
  nodes.push(onnx.NodeProto.create({ opType: 'Add', input: ['xw', 'B'], output: [logits], name: 'bias' }));
  if (spec.classLabels) {
    nodes.push(
      onnx.NodeProto.create({
        opType: 'Softmax',
        input: ['logits'],
        output: [spec.outputName],
        name: 'softmax',
        attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 })],
      }),
    );
  }
  const metadata: Record<string, string> = {
    feature_names: JSON.stringify(spec.featureNames),
    ...(spec.classLabels ? { class_labels: JSON.stringify(spec.classLabels) } : {}),
    ...spec.metadata,
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'modelwatch-examples',
    modelVersion: spec.modelVersion ?? 1,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
    metadataProps: Object.entries(metadata).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
    graph: onnx.GraphProto.create({
      name: spec.modelName ?? 'dense',
      node: nodes,
      initializer: initializers,
      input: [tensorValueInfo(spec.inputName, ['batch', nIn])],
      output: [tensorValueInfo(spec.outputName, ['batch', nOut])],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}
