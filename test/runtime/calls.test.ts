// The per-call path of a compiled loss (runtime/compiled.ts): caller-owned gradient buffers
// (written in place, wrapped without a copy, overwritten by the next call, never sharing memory
// with an input or another gradient), and the instance cache across changing signatures (the
// repeated-signature shortcut must not serve a call whose shapes, dtypes or wrt differ).

import { describe, expect, it } from 'vitest';
import { compile, LossError } from '../../index.js';

const f32 = (xs: number[]) => Float32Array.from(xs);
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof LossError) return e.diagnostics[0]!.code;
    throw e;
  }
  return undefined;
};

describe('caller-owned gradient buffers', () => {
  const loss = compile('mean((x - y) ^ 2)');
  const x = { data: f32([1, 2, 3, 4]), shape: [4] };
  const y = { data: f32([0, 0, 0, 0]), shape: [4] };

  it('writes the gradient into the given buffer and returns it without a copy', () => {
    const gx = new Float32Array(4);
    const r = loss.valueAndGrad({ x, y }, { wrt: ['x'], out: { x: gx } });
    expect(r.grads['x']!.data).toBe(gx);
    expect([...gx]).toEqual([0.5, 1, 1.5, 2]);
  });

  it('overwrites the buffer on the next call', () => {
    const gx = new Float64Array(4);
    loss.valueAndGrad({ x, y }, { wrt: ['x'], out: { x: gx } });
    loss.valueAndGrad({ x: { data: f32([0, 0, 0, 0]), shape: [4] }, y }, { wrt: ['x'], out: { x: gx } });
    expect([...gx]).toEqual([0, 0, 0, 0]);
  });

  it('allocates only the gradients without a buffer', () => {
    const gy = new Float32Array(4);
    const r = loss.valueAndGrad({ x, y }, { out: { y: gy } });
    expect(r.grads['y']!.data).toBe(gy);
    expect(r.grads['x']!.data).not.toBe(gy);
    expect([...r.grads['x']!.data]).toEqual([0.5, 1, 1.5, 2]);
  });

  it('rejects a buffer that shares memory with an input or another gradient (LD3012)', () => {
    const xs = { data: f32([1, 2, 3, 4]), shape: [4] };
    expect(code(() => loss.valueAndGrad({ x: xs, y }, { wrt: ['x'], out: { x: xs.data } }))).toBe('LD3012');
    expect(code(() => loss.valueAndGrad({ x, y }, { wrt: ['x'], out: { x: y.data } }))).toBe('LD3012');
    const shared = new Float32Array(6);
    expect(code(() => loss.valueAndGrad({ x, y }, { out: { x: shared.subarray(0, 4), y: shared.subarray(2, 6) } }))).toBe('LD3012');
    // Disjoint views of one buffer are fine.
    const both = new Float32Array(8);
    expect(code(() => loss.valueAndGrad({ x, y }, { out: { x: both.subarray(0, 4), y: both.subarray(4, 8) } }))).toBeUndefined();
    expect([...both.subarray(4, 8)]).toEqual([-0.5, -1, -1.5, -2]);
  });

  it('rejects a buffer of the wrong length or type (LD3011)', () => {
    expect(code(() => loss.valueAndGrad({ x, y }, { wrt: ['x'], out: { x: new Float32Array(3) } }))).toBe('LD3011');
    expect(code(() => loss.valueAndGrad({ x, y }, { wrt: ['x'], out: { x: new Int32Array(4) as unknown as Float32Array } }))).toBe('LD3011');
  });
});

describe('instances across changing signatures', () => {
  it('serves each call the instance of its own shapes, dtypes and gradient request', () => {
    const loss = compile('sum(x * w)');
    const a = { x: { data: f32([1, 2]), shape: [2] }, w: { data: f32([3, 4]), shape: [2] } };
    const b = { x: { data: Float64Array.from([1, 2, 3]), shape: [3] }, w: { data: Float64Array.from([1, 1, 1]), shape: [3] } };
    for (let i = 0; i < 3; i++) {
      expect(loss.forward(a).data[0]).toBe(11);
      expect(loss.forward(b).data[0]).toBe(6);
      const ga = loss.valueAndGrad(a, { wrt: ['x'] });
      expect(Object.keys(ga.grads)).toEqual(['x']);
      expect([...ga.grads['x']!.data]).toEqual([3, 4]);
      const gb = loss.valueAndGrad(b);
      expect(Object.keys(gb.grads)).toEqual(['x', 'w']);
      expect([...gb.grads['w']!.data]).toEqual([1, 2, 3]);
      expect(gb.grads['w']!.data).toBeInstanceOf(Float64Array);
    }
  });

  it('tells a call with an upstream gradient from one without', () => {
    const loss = compile('x * 2');
    const x = { data: f32([1, 2]), shape: [2] };
    expect([...loss.valueAndGrad({ x }, { gradOutput: { data: f32([1, 3]), shape: [2] } }).grads['x']!.data]).toEqual([2, 6]);
    expect(code(() => loss.valueAndGrad({ x }))).toBeUndefined();
    expect([...loss.valueAndGrad({ x }, { gradOutput: { data: f32([5, 0]), shape: [2] } }).grads['x']!.data]).toEqual([10, 0]);
  });
});
