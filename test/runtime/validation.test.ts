// Input validation at call time: shapes against declared named dims, dtypes both ways,
// class indices (non-integer, negative, too large — in the value and in the gradient),
// empty tensors (PyTorch's semantics: the mean of nothing is NaN), NaN and infinities passed
// through faithfully, malformed tensors and sizes no typed array holds. Each mistake is a
// LossError whose message names the input and what is wrong.

import { describe, expect, it } from 'vitest';
import { compile, LossError, tensor, type Tensor } from '../../index.js';
import { lossErrorOf } from '../helpers.js';

const f64 = (data: number[], shape: number[]): Tensor => ({ data: Float64Array.from(data), shape });
const i32 = (data: number[], shape: number[]): Tensor => ({ data: Int32Array.from(data), shape });


const nll = compile('loss nll(input[N, C], target[N]: int; reduction = "mean") =\n  reduce(-pick(log_softmax(input, dim=1), target), reduction)');
const x23 = f64([1, 2, 3, 4, 5, 6], [2, 3]);

describe('declared shapes and dtypes', () => {
  it('named dims must agree between inputs', () => {
    const e = lossErrorOf(() => nll.forward({ input: x23, target: i32([0, 1, 2], [3]) }));
    expect(e.code).toBe('LD3005');
    expect(e.message).toContain("Input 'target' has N = 3, but 'input' has N = 2");
  });

  it('the rank must match the declaration', () => {
    const e = lossErrorOf(() => nll.forward({ input: f64([1, 2, 3], [3]), target: i32([0], [1]) }));
    expect(e.code).toBe('LD3006');
    expect(e.message).toContain("Input 'input': expected 2 dims but got shape [3]");
  });

  it('a fixed dim must have its size', () => {
    const l = compile('loss l(x[N, 3]) = sum(x)');
    expect(lossErrorOf(() => l.forward({ x: f64([1, 2, 3, 4], [2, 2]) })).message).toContain('dim 1 must be 3 but is 2');
  });

  it('class indices must be integers: typed floats refused with how to pass them', () => {
    const e = lossErrorOf(() => nll.forward({ input: x23, target: f64([0, 1], [2]) }));
    expect(e.code).toBe('LD3003');
    expect(e.message).toContain("Input 'target' must be int32 (class indices: an Int32Array, or dtype \"int32\") but is float64");
  });

  it('plain arrays: integral entries become int32, a fractional one is named', () => {
    const v = nll.forward({ input: x23, target: { data: [2, 0], shape: [2] } }) as Tensor;
    expect(v.data[0]).toBeCloseTo(nll.forward({ input: x23, target: i32([2, 0], [2]) }).data[0]!, 14);
    const e = lossErrorOf(() => nll.forward({ input: x23, target: { data: [0, 1.5], shape: [2] } }));
    expect(e.message).toContain("Input 'target' must be int32 (class indices) but is a non-integer value 1.5 at element 1");
    expect(lossErrorOf(() => nll.forward({ input: x23, target: { data: [0, NaN], shape: [2] } })).message).toContain('non-integer value NaN at element 1');
  });

  it('an int tensor where a float one is declared is refused', () => {
    const l = compile('loss l(x[N]: float) = sum(x)');
    expect(lossErrorOf(() => l.forward({ x: i32([1, 2], [2]) })).message).toContain("Input 'x' must be float32 or float64 but is int32");
  });

  it('a float tensor used as indices in a formula is refused at the indexing expression', () => {
    const e = lossErrorOf(() => compile('sum(pick(x, y))').forward({ x: x23, y: f64([0, 1], [2]) }));
    expect(e.code).toBe('LD2030');
    expect(e.message).toContain('pick needs an int tensor of indices');
    expect(e.span?.column).toBe(5);
  });

  it('an int input in arithmetic is converted, as PyTorch promotes it', () => {
    expect((compile('sum(y * 0.5)').forward({ y: i32([1, 2, 3], [3]) }) as Tensor).data[0]).toBe(3);
    expect(lossErrorOf(() => compile('sum(y * 0.5)').valueAndGrad({ y: i32([1, 2, 3], [3]) }, { wrt: ['y'] })).code).toBe('LD3009');
  });
});

describe('class indices out of range', () => {
  it('too large or negative: LD3007 with the value, the limit and the position', () => {
    for (const [bad, pos] of [[3, '[1]'], [-1, '[0]']] as const) {
      const target = pos === '[1]' ? i32([0, bad], [2]) : i32([bad, 0], [2]);
      const e = lossErrorOf(() => nll.forward({ input: x23, target }));
      expect(e.code).toBe('LD3007');
      expect(e.message).toContain(`class index ${bad} is out of range [0, 3) in pick(`);
      expect(e.message).toContain(`at position ${pos}`);
      expect(e.span?.line).toBe(2);
    }
  });

  it('rows picked by x[idx]: checked in the value and in the gradient (index_add)', () => {
    const loss = compile('sum(w[y] * 2)');
    const w = f64([1, 2, 3, 4], [2, 2]);
    expect(lossErrorOf(() => loss.forward({ w, y: i32([0, 2], [2]) })).message).toMatch(/row index 2 is out of range \[0, 2\)/);
    expect(lossErrorOf(() => loss.valueAndGrad({ w, y: i32([5], [1]) })).message).toMatch(/row index 5 is out of range \[0, 2\)/);
    const ok = loss.valueAndGrad({ w, y: i32([1, 1, 0], [3]) });
    expect(Array.from(ok.grads.w!.data)).toEqual([2, 2, 4, 4]);
  });
});

describe('empty tensors (N = 0) behave as in PyTorch', () => {
  const empty = f64([], [0, 3]);

  it('the mean of nothing is NaN, the sum 0, gradients are empty', () => {
    const r = compile('mean(x ^ 2)').valueAndGrad({ x: empty });
    expect(r.value.data[0]).toBeNaN();
    expect(r.grads.x!.shape).toEqual([0, 3]);
    expect(r.grads.x!.data.length).toBe(0);
    expect((compile('sum(x)').forward({ x: empty }) as Tensor).data[0]).toBe(0);
    expect((compile('sum(x, dim=1)').forward({ x: empty }) as Tensor).shape).toEqual([0]);
  });

  it('cross-entropy over an empty batch: NaN with "mean", 0 with "sum", [] with "none"', () => {
    const target = i32([], [0]);
    expect((nll.forward({ input: empty, target }) as Tensor).data[0]).toBeNaN();
    const sum = compile('loss nll(input[N, C], target[N]: int) = sum(-pick(log_softmax(input, dim=1), target))');
    expect((sum.forward({ input: empty, target }) as Tensor).data[0]).toBe(0);
    expect((compile('-pick(log_softmax(x, dim=1), y)').forward({ x: empty, y: target }) as Tensor).shape).toEqual([0]);
  });

  it('an empty class dim: logsumexp of nothing is -inf', () => {
    const v = compile('logsumexp(x, dim=1)').forward({ x: f64([], [2, 0]) }) as Tensor;
    expect(Array.from(v.data)).toEqual([-Infinity, -Infinity]);
  });
});

describe('NaN and infinities are passed through faithfully', () => {
  it('elementwise, reductions and gradients', () => {
    const x = f64([NaN, Infinity, -Infinity, 1], [4]);
    expect(Array.from((compile('x * 2').forward({ x }) as Tensor).data)).toEqual([NaN, Infinity, -Infinity, 2]);
    expect((compile('max(x)').forward({ x }) as Tensor).data[0]).toBeNaN();
    expect((compile('sum(x)').forward({ x }) as Tensor).data[0]).toBeNaN();
    expect((compile('sum(x)').forward({ x: f64([Infinity, 1], [2]) }) as Tensor).data[0]).toBe(Infinity);
    expect(Array.from((compile('relu(x)').forward({ x }) as Tensor).data)).toEqual([NaN, Infinity, 0, 1]);
    const g = compile('sum(x ^ 2)').valueAndGrad({ x });
    expect(Array.from(g.grads.x!.data)).toEqual([NaN, Infinity, -Infinity, 2]);
  });

  it('float32 inputs keep float32 results', () => {
    const v = compile('x * 2').forward({ x: { data: Float32Array.from([NaN, 1]), shape: [2] } }) as Tensor;
    expect(v.data).toBeInstanceOf(Float32Array);
    expect(v.data[0]).toBeNaN();
  });
});

describe('malformed tensors', () => {
  const loss = compile('sum(x)');
  const cases: [string, unknown, string][] = [
    ['not a tensor', 'abc', 'expected a tensor { data, shape } or a number'],
    ['no shape', { data: [1] }, 'expected a tensor { data, shape } or a number'],
    ['shape not an array', { data: [1], shape: 1 }, 'its shape must be an array of non-negative integers'],
    ['negative dim', { data: [1], shape: [-1] }, 'its shape must be an array of non-negative integers'],
    ['fractional dim', { data: [1], shape: [1.5] }, 'its shape must be an array of non-negative integers'],
    ['wrong length', { data: [1, 2, 3], shape: [2] }, "has 3 elements but its shape [2] needs 2"],
    ['a string element', { data: [1, '2'], shape: [2] }, 'data[1] is not a number'],
    ['a hole', { data: [1, , 3], shape: [3] }, 'data[1] is not a number'], // eslint-disable-line no-sparse-arrays
    ['BigInt data', { data: new BigInt64Array(2), shape: [2] }, 'data must be a number array'],
    ['unknown dtype', { data: [1], shape: [1], dtype: 'float16' }, 'unknown dtype "float16"'],
    ['int32 out of range', { data: [2 ** 31], shape: [1], dtype: 'int32' }, 'a non-integer value 2147483648 at element 0'],
  ];
  for (const [what, v, msg] of cases) {
    it(what, () => {
      const e = lossErrorOf(() => loss.forward({ x: v as Tensor }));
      expect(e.message).toContain(msg);
      expect(e.message).toContain("Input 'x'");
    });
  }

  it('sizes beyond what typed arrays hold are refused before any allocation', () => {
    for (const shape of [[2 ** 31], [65536, 65536], [0, 2 ** 40], [2 ** 53, 2 ** 53]]) {
      const e = lossErrorOf(() => loss.forward({ x: { data: [], shape } }));
      expect(e.code).toBe('LD3008');
      expect(e.message).toMatch(/more (elements than|than) a typed array holds/);
    }
  });

  it('inputs must be an object; names must be known; each required input present', () => {
    expect(lossErrorOf(() => loss.forward(null as never)).code).toBe('LD3008');
    expect(lossErrorOf(() => loss.forward({})).message).toContain("Missing input 'x'");
    expect(lossErrorOf(() => loss.forward({ x: 1, y: 2 })).message).toContain("Unknown input 'y' (inputs: x)");
  });

  it('gradOutput, wrt and out buffers are checked', () => {
    const l = compile('x * 2');
    const x = f64([1, 2], [2]);
    expect(lossErrorOf(() => l.valueAndGrad({ x }, { gradOutput: f64([1], [1]) })).code).toBe('LD3010');
    expect(lossErrorOf(() => l.valueAndGrad({ x }, { wrt: ['z'] })).code).toBe('LD3009');
    expect(lossErrorOf(() => l.valueAndGrad({ x }, { gradOutput: f64([1, 1], [2]), out: { x: new Float64Array(3) } })).code).toBe('LD3011');
  });

  it('a shape of -0 is 0; tensor() validates and copies', () => {
    expect(compile('sum(x)').forward({ x: { data: [], shape: [-0] } }).data[0]).toBe(0);
    const data = Float64Array.from([1, 2]);
    const t = tensor(data, [2]);
    expect(t.data).not.toBe(data);
    expect(() => tensor([1, 2], [3])).toThrow(LossError);
  });
});
