// Entropy and KL terms with the 0 · log 0 = 0 convention (xlogy), norms with PyTorch's
// zero-gradient convention, and differences of squares.

import { ruleTable, type RuleSpec } from '../engine.js';

const XLOGY_RULES: RuleSpec[] = [
  {
    name: 'xlogx',
    lhs: 'x * log(x)',
    rhs: 'xlogy(x, x)',
    source: 'scipy.special.xlogy / torch.xlogy convention (entropy: 0 · log 0 = 0)',
    domain: 'x > 0 unchanged; at x = 0 the value is 0 (NaN as written); NaN for x < 0 either way',
    example: 'x * log(x)',
  },
  {
    name: 'xlogy_ratio',
    lhs: 't * log(t / p)',
    rhs: 'xlogy(t, t / p)',
    source: 'torch.nn.functional.kl_div convention (0 · log(0 / p) = 0)',
    domain: 't > 0 unchanged; at t = 0 the value is 0 and the gradient in p is 0 (NaN as written)',
    example: 't * log(t / p)',
  },
  {
    name: 'xlogy_log_difference',
    lhs: 't * (log(t) - y)',
    rhs: 'xlogy(t, t) - t * y',
    source: 'torch.nn.functional.kl_div (log_target=False): xlogy(t, t) - t · input',
    domain: 't > 0 unchanged; at t = 0 the value is 0 for finite y (NaN as written)',
    example: 't * (log(t) - logp)',
  },
];

const NORM_RULES: RuleSpec[] = [
  {
    name: 'sqrt_sum_sqr_to_norm',
    lhs: 'sqrt(sum(x ^ 2, dim=d, keepdim=k))',
    rhs: 'norm(x, 2, dim=d, keepdim=k)',
    source: 'torch.linalg.vector_norm; gradient convention of PyTorch (0 at 0)',
    domain: 'all x; the gradient at x = 0 is 0 (0/0 = NaN as written)',
    example: 'sqrt(sum(x ^ 2, dim=1))',
  },
  {
    name: 'sqrt_sum_mul_self_to_norm',
    lhs: 'sqrt(sum(x * x, dim=d, keepdim=k))',
    rhs: 'norm(x, 2, dim=d, keepdim=k)',
    source: 'as sqrt_sum_sqr_to_norm',
    domain: 'all x; the gradient at x = 0 is 0',
    example: 'sqrt(sum(x * x))',
  },
  {
    name: 'one_minus_sqr',
    lhs: '1 - x ^ 2',
    rhs: '(1 - x) * (1 + x)',
    source: 'Herbie difference-of-squares (flip)',
    domain: 'all x (1 - c^2 cancels near |c| = 1; 1 - c is exact there)',
    example: 'sqrt(1 - c ^ 2)',
  },
  {
    name: 'one_minus_mul_self',
    lhs: '1 - x * x',
    rhs: '(1 - x) * (1 + x)',
    source: 'Herbie difference-of-squares (flip)',
    domain: 'all x',
    example: '1 - c * c',
  },
  {
    name: 'difference_of_squares',
    lhs: 'a ^ 2 - b ^ 2',
    rhs: '(a - b) * (a + b)',
    source: 'Herbie difference-of-squares',
    domain: 'all finite a, b (a^2 - b^2 is inf - inf past 1.3e154, and cancels for a ≈ b)',
    example: 'a ^ 2 - b ^ 2',
  },
];

export const xlogyTable = ruleTable('xlogy', 'stability', 'entropy and KL terms with the 0 · log 0 = 0 convention', XLOGY_RULES);
export const normTable = ruleTable('norm', 'stability', 'norms with the zero-gradient convention, differences of squares', NORM_RULES);
