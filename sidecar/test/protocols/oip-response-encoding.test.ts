import { describe, expect, it } from 'vitest';
import { encodeOipResponse, type OipResponse } from '../../src/protocols/oip.js';

/** What the answer was before it was written field by field: JSON.stringify of the response object. */
function reference(res: OipResponse): string {
  return JSON.stringify({
    model_name: res.model_name,
    ...(res.model_version !== undefined ? { model_version: res.model_version } : {}),
    ...(res.id !== undefined ? { id: res.id } : {}),
    ...(res.parameters !== undefined ? { parameters: res.parameters } : {}),
    outputs: res.outputs.map((t) => ({
      name: t.name,
      shape: t.shape,
      datatype: t.datatype,
      ...(t.parameters !== undefined ? { parameters: t.parameters } : {}),
      data: Array.isArray(t.data) ? t.data : Array.from(t.data as ArrayLike<number>),
    })),
  });
}

describe('OIP answer encoding (embedded mode)', () => {
  it('writes the same text as JSON.stringify for every kind of tensor data', () => {
    const cases: OipResponse[] = [
      {
        model_name: 'credit',
        model_version: '3',
        id: '0192aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee',
        outputs: [{ name: 'probabilities', shape: [2, 2], datatype: 'FP32', data: Float32Array.from([0.1, 0.9, 1 / 3, 2 / 3]) }],
      },
      {
        model_name: 'quote"and\\slash\u2028',
        parameters: { modelwatch_review: 'required' },
        outputs: [
          { name: 'label', shape: [3], datatype: 'BYTES', data: ['a', 'b"c', '\n'] },
          { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
          { name: 'count', shape: [3], datatype: 'INT32', data: Int32Array.from([-1, 0, 2147483647]) },
          { name: 'odd', shape: [6], datatype: 'FP64', data: Float64Array.from([Number.NaN, Infinity, -Infinity, -0, 1e-300, 1e21]), parameters: { unit: 'x' } },
          { name: 'none', shape: [0], datatype: 'FP32', data: new Float32Array(0) },
        ],
      },
      { model_name: 'm', outputs: [] },
    ];
    for (const c of cases) {
      const text = encodeOipResponse(c);
      expect(text).toBe(reference(c));
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });
});
