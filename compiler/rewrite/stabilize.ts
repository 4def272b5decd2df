// Stabilization: rewrites of formulas as the mathematics reads them into forms that cannot
// overflow or cancel (PyTensor's `local_log1p`, `local_log_softmax`, `logsigm_to_softplus`,
// Herbie's `log1p-def`, ...). Each rule states the domain on which both sides agree; a rule
// whose left side would be NaN somewhere its right side is not keeps that NaN (guards).
// Run before differentiation (the gradient of a stable primitive is stable) and again after.

import { compileRules, type RuleSpec } from './engine.js';

export const STABILIZE_RULES: RuleSpec[] = [
  { name: 'local_log_exp', lhs: 'log(exp(x))', rhs: 'x', note: 'PyTensor local_log_exp; all x (log(exp(x)) overflows for x > 709)' },
  { name: 'local_log1p', lhs: 'log(1 + x)', rhs: 'log1p(x)', note: 'PyTensor local_log1p, Herbie log1p-def; all x' },
  { name: 'local_log1p_sub', lhs: 'log(1 - x)', rhs: 'log1p(-x)', note: 'PyTensor local_log1p; all x' },
  { name: 'local_expm1', lhs: 'exp(x) - 1', rhs: 'expm1(x)', note: 'PyTensor local_expm1, Herbie expm1-def; all x' },
  { name: 'log1p_exp_to_softplus', lhs: 'log1p(exp(x))', rhs: 'softplus(x)', note: 'PyTensor log1pexp_to_softplus; all x' },
  { name: 'one_minus_sigmoid', lhs: '1 - sigmoid(x)', rhs: 'sigmoid(-x)', note: 'PyTensor local_1msigmoid; all x (no cancellation)' },
  { name: 'logsigm_to_softplus', lhs: 'log(sigmoid(x))', rhs: 'logsigmoid(x)', note: 'PyTensor logsigm_to_softplus: log(sigmoid(x)) = -softplus(-x); all x' },
  { name: 'log1p_neg_sigmoid', lhs: 'log1p(-sigmoid(x))', rhs: 'logsigmoid(-x)', note: 'log(1 - sigmoid(x)) = -softplus(x); all x' },
  { name: 'local_logsumexp', lhs: 'log(sum(exp(x), dim=d, keepdim=k))', rhs: 'logsumexp(x, dim=d, keepdim=k)', note: 'PyTensor local_log_sum_exp; max-shifted, all x' },
  { name: 'local_softmax', lhs: 'exp(x) / sum(exp(x), dim=d, keepdim=true)', rhs: 'exp(x - logsumexp(x, dim=d, keepdim=true))', note: 'PyTensor local_softmax_with_bias / softmax stabilization; all x' },
  { name: 'logaddexp_def', lhs: 'log(exp(a) + exp(b))', rhs: 'logaddexp(a, b)', note: 'Herbie / NumPy logaddexp; all a, b' },
  { name: 'sigmoid_def', lhs: 'exp(x) / (1 + exp(x))', rhs: 'sigmoid(x)', note: 'PyTensor local_exp_over_1_plus_exp; all x' },
  { name: 'sqrt_square_to_abs', lhs: 'sqrt(x ^ 2)', rhs: 'abs(x)', note: 'Herbie sqrt-pow2 / rem-sqrt-square; all real x' },
  { name: 'sqrt_mul_self_to_abs', lhs: 'sqrt(x * x)', rhs: 'abs(x)', note: 'all real x' },
];

export const stabilizeRules = compileRules(STABILIZE_RULES);
