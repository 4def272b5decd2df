// stdlib/regularization.loss: l2_regularization is (weight_decay / 2) sum(theta^2), so that a
// plain SGD step on loss + l2_regularization is torch.optim.SGD's step with weight_decay.

import { describe, expect, it } from 'vitest';
import { compile, stdlib, type Tensor } from '../../index.js';
import { randn, rng } from '../helpers.js';

describe('l2_regularization', () => {
  const theta = randn([3, 4], rng(2));

  it('is (weight_decay / 2) sum(theta^2) with gradient weight_decay theta', () => {
    const { value, grads } = stdlib.l2_regularization!({ weight_decay: 0.1 }).valueAndGrad({ input: theta });
    const sq = Array.from(theta.data).reduce((a, v) => a + v * v, 0);
    expect(Math.abs(value.data[0]! - 0.05 * sq)).toBeLessThan(1e-15);
    grads.input!.data.forEach((g, i) => expect(g).toBe(0.1 * theta.data[i]!));
  });

  it('makes SGD on the regularized loss the step of SGD(weight_decay)', () => {
    // torch.optim.SGD(lr, weight_decay=wd): theta <- theta - lr (grad L + wd theta).
    const lr = 0.5;
    const wd = 0.01;
    const data = compile('mean((theta - 1) ^ 2)');
    const regularized = compile('mean((theta - 1) ^ 2) + l2_regularization(theta, weight_decay=wd)', { params: { wd } });
    const gL = data.valueAndGrad({ theta }).grads.theta!;
    const gR = regularized.valueAndGrad({ theta }).grads.theta!;
    gR.data.forEach((g, i) => {
      const torchStep = theta.data[i]! - lr * (gL.data[i]! + wd * theta.data[i]!);
      expect(Math.abs(theta.data[i]! - lr * g - torchStep)).toBeLessThan(1e-15);
    });
    expect((regularized.forward({ theta }) as Tensor).shape).toEqual([]);
  });
});
