// The stability catalogue, one line per entry, each formula as a user would write it.

import { describe, expect, it } from 'vitest';
import { compile } from '../../../index.js';
import { expectRewrite, expectUnchanged, rewritten } from './helpers.js';

describe('softmax family', () => {
  it('log(softmax) is log_softmax', () => expectRewrite('log(softmax(x, dim=1))', 'x - logsumexp(x, dim=1, keepdim=true)', 'local_logsoftmax'));
  it('log(softmax) along dim 0', () => expectRewrite('log(softmax(x, dim=0))', 'log_softmax(x, dim=0)', 'local_logsoftmax'));
  it('exp(log_softmax) is softmax', () => expectRewrite('exp(log_softmax(x, dim=1))', 'exp(x - logsumexp(x, dim=1, keepdim=true))'));
  it('x - logsumexp(x, keepdim) is log_softmax', () => expectRewrite('x - logsumexp(x, dim=1, keepdim=true)', 'log_softmax(x, dim=1)'));
  it('exp(x) / sum(exp(x), keepdim) is softmax', () => expectRewrite('exp(x) / sum(exp(x), dim=1, keepdim=true)', 'softmax(x, dim=1)', 'local_softmax_stabilize'));
  it('exp(x) / sum(exp(x), dim=0) broadcasts as softmax', () => expectRewrite('exp(x) / sum(exp(x), dim=0)', 'exp(x - logsumexp(x, dim=0))', 'local_softmax_stabilize'));
  it('log(sum(exp(x))) is logsumexp', () => expectRewrite('log(sum(exp(x), dim=1))', 'logsumexp(x, dim=1)', 'local_log_sum_exp'));
  it('log(sum(exp(x))) over everything', () => expectRewrite('log(sum(exp(x)))', 'logsumexp(x)', 'local_log_sum_exp'));
  it('log(mean(exp(x))) is logsumexp - log n', () => expectRewrite('log(mean(exp(x), dim=1))', 'logsumexp(x, dim=1) - log(3)', 'local_log_mean_exp'));
  it('log(exp(a) + exp(b)) is logaddexp', () => expectRewrite('log(exp(a) + exp(b))', 'logaddexp(a, b)', 'local_log_add_exp'));
  it('log(exp(b) + exp(a)) too (commutative)', () => expectRewrite('log(exp(b) + exp(a))', 'logaddexp(b, a)', 'local_log_add_exp'));
  it('three exps fold to logaddexp twice', () => expectRewrite('log(exp(a) + exp(b) + exp(c))', 'logaddexp(logaddexp(a, b), c)', 'local_log_add_exp_n'));
  it('1 + exp(a) + exp(b) counts 1 as exp(0)', () => expectRewrite('log(1 + exp(a) + exp(b))', 'logaddexp(logaddexp(0, a), b)', 'local_log_add_exp_n'));
  it('log(exp(a) - exp(b)) is log1mexp', () => expectRewrite('log(exp(a) - exp(b))', 'where(b == -inf, a, a + log1mexp(b - a))', 'logdiffexp_to_log1mexpdiff'));
  it('exp(a) * exp(b) is exp(a + b)', () => expectRewrite('exp(a) * exp(b)', 'exp(a + b)', 'local_mul_exp_to_exp_add'));
  it('exp(a) / exp(b) is exp(a - b)', () => expectRewrite('exp(a) / exp(b)', 'exp(a - b)', 'local_div_exp_to_exp_sub'));
});

describe('sigmoid and softplus', () => {
  it('log(sigmoid(x)) is -softplus(-x)', () => expectRewrite('log(sigmoid(x))', 'logsigmoid(x)', 'logsigm_to_softplus'));
  it('log(1 - sigmoid(x)) is -softplus(x)', () => expectRewrite('log(1 - sigmoid(x))', 'logsigmoid(-x)', 'local_1msigmoid'));
  it('log1p(-sigmoid(x)) is -softplus(x)', () => expectRewrite('log1p(-sigmoid(x))', 'logsigmoid(-x)', 'log1p_neg_sigmoid'));
  it('1 - sigmoid(x) is sigmoid(-x)', () => expectRewrite('1 - sigmoid(x)', 'sigmoid(-x)', 'local_1msigmoid'));
  it('exp(x) / (1 + exp(x)) is sigmoid', () => expectRewrite('exp(x) / (1 + exp(x))', 'sigmoid(x)', 'local_exp_over_1_plus_exp'));
  it('exp(x) / (exp(x) + 1) too', () => expectRewrite('exp(x) / (exp(x) + 1)', 'sigmoid(x)', 'local_exp_over_1_plus_exp'));
  it('1 / (1 + exp(-x)) is sigmoid', () => expectRewrite('1 / (1 + exp(-x))', 'sigmoid(x)', 'local_reciprocal_1_plus_exp'));
  it('c / (1 + exp(x)) is c * sigmoid(-x)', () => expectRewrite('y / (1 + exp(x))', 'y * sigmoid(-x)', 'local_reciprocal_1_plus_exp'));
  it('exp(x) * sigmoid(-x) is sigmoid(x)', () => expectRewrite('exp(x) * sigmoid(-x)', 'sigmoid(x)', 'local_sigm_times_exp'));
  it('odds of a sigmoid are exp', () => expectRewrite('sigmoid(x) / (1 - sigmoid(x))', 'exp(x)', 'local_odds_sigmoid'));
  it('log(1 + exp(x)) is softplus', () => expectRewrite('log(1 + exp(x))', 'softplus(x)', 'log1pexp_to_softplus'));
  it('log(exp(x) + 1) is softplus', () => expectRewrite('log(exp(x) + 1)', 'softplus(x)', 'log1pexp_to_softplus'));
  it('log1p(exp(x)) is softplus', () => expectRewrite('log1p(exp(x))', 'softplus(x)', 'log1pexp_to_softplus'));
  it('log(1 + exp(-x)) is softplus(-x)', () => expectRewrite('log(1 + exp(-x))', 'softplus(-x)'));
  it('softplus(x) - x is softplus(-x)', () => expectRewrite('log(1 + exp(x)) - x', 'softplus(-x)', 'softplus_minus_x'));
  it('x - softplus(x) is logsigmoid(x)', () => expectRewrite('x - log(1 + exp(x))', 'logsigmoid(x)', 'x_minus_softplus'));
  it('-softplus(-x) is spelled logsigmoid(x)', () => expectRewrite('-softplus(-x)', 'logsigmoid(x)', 'logsigmoid-from-softplus'));
  it('the log-odds of a sigmoid are x', () => expectRewrite('log(sigmoid(x)) - log(1 - sigmoid(x))', 'x', 'logsigmoid_difference'));
  it('and their negation -x', () => expectRewrite('log(1 - sigmoid(x)) - log(sigmoid(x))', '-x', 'logsigmoid_difference_neg'));
  it('softplus(x) - softplus(-x) is x', () => expectRewrite('softplus(x) - softplus(-x)', 'x', 'softplus_difference'));
  it('BCE on sigmoid(z) is the with-logits form', () =>
    expectRewrite('-(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))', '-(y * logsigmoid(z) + (1 - y) * logsigmoid(-z))'));
  it('BCE written with p = sigmoid(z) in a let', () =>
    expectRewrite('let p = sigmoid(z)\nmean(-(y * log(p) + (1 - y) * log(1 - p)))', 'mean(-(y * logsigmoid(z) + (1 - y) * logsigmoid(-z)))'));
});

describe('log, exp, sqrt', () => {
  it('log(1 + x) is log1p', () => expectRewrite('log(1 + x)', 'log1p(x)', 'local_log1p'));
  it('log(x + 1) is log1p', () => expectRewrite('log(x + 1)', 'log1p(x)', 'local_log1p'));
  it('log(1 - x) is log1p(-x)', () => expectRewrite('log(1 - x)', 'log1p(-x)', 'local_log1p_sub'));
  it('exp(x) - 1 is expm1', () => expectRewrite('exp(x) - 1', 'expm1(x)', 'local_expm1'));
  it('exp(x) + -1 is expm1', () => expectRewrite('exp(x) + -1', 'expm1(x)', 'local_expm1'));
  it('log(exp(x)) is x', () => expectRewrite('log(exp(x))', 'x', 'local_log_exp'));
  it('log(1 + (exp(x) - 1)) is x', () => expectRewrite('log(1 + (exp(x) - 1))', 'x', 'local_log1p_expm1'));
  it('exp(log(x)) keeps NaN for x < 0', () => expectRewrite('exp(log(x))', 'where(x >= 0, x, 0 / 0)', 'local_exp_log_nan_switch'));
  it('exp(log1p(x)) - 1 keeps NaN for x < -1', () => expectRewrite('exp(log1p(x)) - 1', 'where(x >= -1, x, 0 / 0)', 'local_expm1_log1p_nan_switch'));
  it('log(1 - exp(x)) is log1mexp', () => expectRewrite('log(1 - exp(x))', 'log1mexp(x)', 'local_log1mexp'));
  it('log(-expm1(x)) is log1mexp', () => expectRewrite('log(-expm1(x))', 'log1mexp(x)', 'logmexpm1_to_log1mexp'));
  it('log(sqrt(x)) is log(x) / 2', () => expectRewrite('log(sqrt(x))', '0.5 * log(x)', 'local_log_sqrt'));
  it('log(x^2) is 2 log|x|', () => expectRewrite('log(x ^ 2)', '2 * log(abs(x))', 'local_log_sqr'));
  it('sqrt(x^2) is abs', () => expectRewrite('sqrt(x ^ 2)', 'abs(x)', 'local_sqrt_sqr'));
  it('sqrt(x * x) is abs', () => expectRewrite('sqrt(x * x)', 'abs(x)', 'local_sqrt_mul_self'));
  it('sqrt(x)^2 keeps NaN for x < 0', () => expectRewrite('sqrt(x) ^ 2', 'where(x >= 0, x, 0 / 0)', 'local_sqr_sqrt'));
});

describe('xlogy, norms, squares', () => {
  it('x log x uses the 0 log 0 = 0 convention', () => expectRewrite('x * log(x)', 'xlogy(x, x)', 'xlogx'));
  it('log(x) * x too', () => expectRewrite('log(x) * x', 'xlogy(x, x)', 'xlogx'));
  it('t log(t / p) is xlogy(t, t / p)', () => expectRewrite('t * log(t / p)', 'xlogy(t, t / p)', 'xlogy_ratio'));
  it('t (log t - y) is xlogy(t, t) - t y', () => expectRewrite('t * (log(t) - logp)', 'xlogy(t, t) - t * logp', 'xlogy_log_difference'));
  it('y log(p) is left alone (0 · log 0 is not meant there)', () => expectUnchanged('y * log(p)'));
  it('sqrt(sum(x^2)) is the 2-norm', () => expectRewrite('sqrt(sum(x ^ 2))', 'norm(x, 2)', 'sqrt_sum_sqr_to_norm'));
  it('sqrt(sum(x^2, dim=1, keepdim=true)) keeps dims', () => expectRewrite('sqrt(sum(x ^ 2, dim=1, keepdim=true))', 'norm(x, 2, dim=1, keepdim=true)', 'sqrt_sum_sqr_to_norm'));
  it('sqrt(sum(x * x, dim=-1)) is the 2-norm', () => expectRewrite('sqrt(sum(x * x, dim=-1))', 'norm(x, 2, dim=1)', 'sqrt_sum_mul_self_to_norm'));
  it('1 - c^2 is (1 - c)(1 + c)', () => expectRewrite('sqrt(1 - c ^ 2)', 'sqrt((1 - c) * (1 + c))', 'one_minus_sqr'));
  it('1 - c * c is (1 - c)(1 + c)', () => expectRewrite('1 - c * c', '(1 - c) * (1 + c)', 'one_minus_mul_self'));
  it('a^2 - b^2 is (a - b)(a + b)', () => expectRewrite('a ^ 2 - b ^ 2', '(a - b) * (a + b)', 'difference_of_squares'));
  it('acos(c) gets no clamp the user did not write', () => expectUnchanged('acos(c)'));
  it("a user's clamp is kept as written", () => expectRewrite('acos(clamp(c, -1 + 1e-7, 1 - 1e-7))', 'acos(min(max(c, -0.9999999), 0.9999999))'));
});

describe('cancellations in gradients', () => {
  it('g a - g b is g (a - b)', () => expectRewrite('g * (1 - c) - g * (1 + c)', 'g * -(2 * c)', 'factor_common_multiplier'));
  it('k a - k b spelled with two constants is k (a - b)', () => expectRewrite('0.5 * a + -0.5 * b', '0.5 * (a - b)', 'factor_opposite_constants'));
  it("so BCE's gradient in the target is the logit, to the last bit", () => {
    const f = 'mean(-(t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))))';
    const r = compile(f).valueAndGrad({ x: { data: [1e-64, -3e-20], shape: [2] }, t: { data: [0.3, 0.9], shape: [2] } });
    expect(Array.from(r.grads.t!.data)).toEqual([-1e-64 / 2, 3e-20 / 2]);
  });
  it('g a + g b is g (a + b)', () => expectRewrite('g * (a - b) + g * (a + b)', 'g * (2 * a)', 'factor_common_multiplier_sum'));
  it('(x - y) - (x + y) is -2y', () => expectRewrite('(1 - c) - (1 + c)', '-(2 * c)', 'difference_of_difference_and_sum'));
  it('(x - y) + (x + y) is 2x', () => expectRewrite('(a - b) + (a + b)', '2 * a', 'sum_of_difference_and_sum'));
  it('(x + y) - (x - y) is 2y', () => expectRewrite('(a + b) - (a - b)', '2 * b', 'difference_of_sum_and_difference'));
  it('so the factored 1 - c^2 keeps its gradient for tiny c', () => {
    const r = compile('sum(1 - c * c)').valueAndGrad({ c: { data: [1e-100, 0.5, 1 - 2 ** -52], shape: [3] } });
    expect(Array.from(r.grads.c!.data)).toEqual([-2e-100, -1, -2 * (1 - 2 ** -52)]);
    // and its value for c near 1: (1 - c)(1 + c) = 2^-52 (2 - 2^-52) exactly, where 1 - c * c rounds.
    expect(r.value.data[0]).toBe(1 + 0.75 + 2 ** -52 * (2 - 2 ** -52));
  });
});

describe('stabilize: false', () => {
  it('keeps the formula as written', () => {
    expect(rewritten('log(1 + exp(x))', { stabilize: false }).text).toBe('log(1 + exp(x))');
    expect(rewritten('log(softmax(x, dim=1))', { stabilize: false }).text).toBe('log(exp(x - logsumexp(x, dim=1, keepdim=true)))');
  });
  it('still folds constants', () => expect(rewritten('x * (2 - 1)', { stabilize: false }).text).toBe('x'));
});
