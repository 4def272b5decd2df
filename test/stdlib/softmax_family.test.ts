// stdlib/softmax_family.loss: each margin-softmax loss reduces to the plain cross-entropy of its
// logits when its margin is switched off, the knowledge-distillation loss to its two parts, and
// ArcFace keeps a finite gradient where a feature is parallel to its class weight (cos = 1).

import { describe, expect, it } from 'vitest';
import { compile, stdlib, type Tensor } from '../../index.js';
import { randint, randn, rng } from '../helpers.js';

const r = rng(23);
const N = 5;
const D = 3;
const C = 4;
const input = randn([N, D], r);
const weight = randn([C, D], r);
const target = randint([N], C, r);
const value = (t: Tensor) => t.data[0]!;
const close = (a: number, b: number, rel = 1e-12) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
const ce = (logits: string, extra: Record<string, number> = {}) =>
  value(compile(`cross_entropy(${logits}, target)`, { params: extra }).forward({ input, weight, target }) as Tensor);

describe('with the margin switched off, the plain cross-entropy', () => {
  it('am_softmax_loss with m = 0 is cross_entropy(s cos)', () => {
    const got = value(stdlib.am_softmax_loss!({ m: 0, s: 10 }).forward({ input, weight, target }) as Tensor);
    expect(close(got, ce('10 * normalize(input, dim=1) @ transpose(normalize(weight, dim=1))'))).toBe(true);
  });
  it('arcface_loss with m = 0 is cross_entropy(s cos)', () => {
    const got = value(stdlib.arcface_loss!({ m: 0, s: 10 }).forward({ input, weight, target }) as Tensor);
    expect(close(got, ce('10 * clamp(normalize(input, dim=1) @ transpose(normalize(weight, dim=1)), -1 + 1e-7, 1 - 1e-7)'))).toBe(true);
  });
  it('large_margin_softmax_loss with m = 1 is cross_entropy(input @ weight^T) (psi(theta) = cos theta)', () => {
    const got = value(stdlib.large_margin_softmax_loss!({ m: 1 }).forward({ input, weight, target }) as Tensor);
    expect(close(got, ce('input @ transpose(weight)'), 1e-9)).toBe(true);
  });
  it('a_softmax_loss with m = 1 is cross_entropy(|x| cos)', () => {
    const got = value(stdlib.a_softmax_loss!({ m: 1 }).forward({ input, weight, target }) as Tensor);
    expect(close(got, ce('norm(input, 2, dim=1, keepdim=true) * clamp(normalize(input, dim=1) @ transpose(normalize(weight, dim=1)), -1 + 1e-7, 1 - 1e-7)'))).toBe(true);
  });
  it('l2_softmax_loss is cross_entropy(alpha x / |x| @ weight^T + bias)', () => {
    const bias = randn([C], r);
    const got = value(stdlib.l2_softmax_loss!({ alpha: 3 }).forward({ input, weight, target, bias }) as Tensor);
    const want = value(compile('cross_entropy(3 * input / norm(input, 2, dim=1, keepdim=true) @ transpose(weight) + bias, target)').forward({ input, weight, target, bias }) as Tensor);
    expect(close(got, want)).toBe(true);
  });
});

describe('distillation_loss', () => {
  const teacher = randn([N, C], r);
  const logits = randn([N, C], r);
  it('alpha = 0 is the cross-entropy with the labels', () => {
    const got = value(stdlib.distillation_loss!({ alpha: 0 }).forward({ input: logits, teacher, target }) as Tensor);
    expect(close(got, value(stdlib.cross_entropy!().forward({ input: logits, target }) as Tensor))).toBe(true);
  });
  it('alpha = 1 is T^2 kl_div(..., "batchmean") of the softened distributions', () => {
    const got = value(stdlib.distillation_loss!({ alpha: 1, T: 3 }).forward({ input: logits, teacher, target }) as Tensor);
    const kd = compile('9 * kl_div(log_softmax(s / 3, 1), softmax(t / 3, 1), reduction="batchmean")');
    expect(close(got, value(kd.forward({ s: logits, t: teacher }) as Tensor))).toBe(true);
  });
  it('the teacher can be held fixed: wrt input only', () => {
    const { grads } = stdlib.distillation_loss!().valueAndGrad({ input: logits, teacher, target }, { wrt: ['input'] });
    expect(Object.keys(grads)).toEqual(['input']);
  });
});

describe('arcface_loss at cos = 1', () => {
  it('has a finite gradient when a feature is parallel to its class weight', () => {
    const x = { data: Float64Array.from([...weight.data.slice(0, D)].map((v) => 2 * v)), shape: [1, D] };
    const t = { data: Int32Array.from([0]), shape: [1] };
    const { value: v, grads } = stdlib.arcface_loss!().valueAndGrad({ input: x, weight, target: t });
    expect(Number.isFinite(v.data[0]!)).toBe(true);
    expect([...grads.input!.data, ...grads.weight!.data].every(Number.isFinite)).toBe(true);
  });
});
