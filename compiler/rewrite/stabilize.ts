// Stabilization: rewrites of formulas as the mathematics reads them into forms that cannot
// overflow, underflow to a wrong answer or cancel. One table per family; each rule names its
// source (PyTensor rewrite, Herbie rule), the domain on which both sides agree and an example
// as a user writes it (docs/rewrites.md is generated from these fields; the tests run every
// example). Where the left side is NaN and the right side would not be (exp(log(x)) at
// x < 0), the right side keeps that NaN with a guard, as PyTensor's `switch(cond, new, nan)`.
// The phase runs before differentiation, so the gradient is taken of the stable form, and
// again on the gradient program (phases.ts).
//
// Forms already stable by construction, so no rule is needed: softmax(x, d) is lowered to
// exp(x - logsumexp(x, d, keepdim)) and log_softmax(x, d) to x - logsumexp(...), which makes
// log(softmax) (→ local_log_exp), exp(log_softmax) and x - logsumexp(x) stable structurally.

import type { Node } from '../ir.js';
import { ruleTable, type RuleSpec } from './engine.js';
import type { Bindings } from './pattern.js';

const constOf = (b: Bindings, name: string): number => b.nodes.get(name)!.attrs.value!;


const SOFTMAX_RULES: RuleSpec[] = [
  {
    name: 'local_logsoftmax',
    lhs: 'log(exp(x - logsumexp(x, dim=d, keepdim=k)))',
    rhs: 'x - logsumexp(x, dim=d, keepdim=k)',
    source: 'PyTensor local_logsoftmax (special.py)',
    domain: 'all x; softmax is lowered to exp(log_softmax), so this is log(softmax(x, d)) → log_softmax(x, d)',
    example: 'log(softmax(x, dim=1))',
  },
  {
    name: 'local_softmax_stabilize',
    lhs: 'exp(x) / sum(exp(x), dim=d, keepdim=k)',
    rhs: 'exp(x - logsumexp(x, dim=d, keepdim=k))',
    source: 'PyTensor local_softmax_stabilize (special.py)',
    domain: 'all x (exp(x)/Σexp(x) is inf/inf past x = 709 and 0/0 below -745)',
    example: 'exp(x) / sum(exp(x), dim=1, keepdim=true)',
  },
  {
    name: 'local_log_sum_exp',
    lhs: 'log(sum(exp(x), dim=d, keepdim=k))',
    rhs: 'logsumexp(x, dim=d, keepdim=k)',
    source: 'PyTensor local_log_sum_exp (special.py)',
    domain: 'all x; max-shifted, an all -inf row gives -inf',
    example: 'log(sum(exp(x), dim=1))',
  },
  {
    name: 'local_log_mean_exp',
    lhs: 'log(sum(exp(x), dim=d, keepdim=k) / k1)',
    rhs: 'logsumexp(x, dim=d, keepdim=k) - log(k1)',
    when: (b) => constOf(b, 'k1') > 0,
    source: 'PyTensor local_log_sum_exp, through mean = sum / n',
    domain: 'all x, for a positive divisor (mean: the element count)',
    example: 'log(mean(exp(x), dim=1))',
  },
  {
    name: 'local_log_add_exp',
    lhs: 'log(exp(a) + exp(b))',
    rhs: 'logaddexp(a, b)',
    source: 'PyTensor local_log_add_exp (special.py)',
    domain: 'all a, b',
    example: 'log(exp(a) + exp(b))',
  },
  {
    name: 'local_log_add_exp_n',
    lhs: 'log(x + y)',
    rhs: (_b, g, n) => {
      // log(exp(a) + exp(b) + exp(c) + …), a sum of three or more exps (a 1 counts as exp(0)).
      const terms: Node[] = [];
      const collect = (t: Node): boolean => {
        if (t.op === 'add') return collect(t.args[0]!) && collect(t.args[1]!);
        if (t.op === 'const' && t.attrs.value === 1) terms.push(g.const(0));
        else if (t.op === 'exp') terms.push(t.args[0]!);
        else return false;
        return true;
      };
      if (!collect(n.args[0]!) || terms.length < 3) return undefined;
      return terms.slice(1).reduce((acc, t) => g.map('logaddexp', [acc, t]), terms[0]!);
    },
    source: 'PyTensor local_log_add_exp (any number of terms)',
    domain: 'all operands',
    example: 'log(exp(a) + exp(b) + exp(c))',
  },
  {
    name: 'logdiffexp_to_log1mexpdiff',
    lhs: 'log(exp(a) - exp(b))',
    rhs: 'where(b == -inf, a, a + log1mexp(b - a))',
    source: 'PyTensor logdiffexp_to_log1mexpdiff',
    domain: 'a ≥ b; NaN where a < b as written (log of a negative number); -inf at a = b',
    example: 'log(exp(a) - exp(b))',
  },
  {
    name: 'local_mul_exp_to_exp_add',
    lhs: 'exp(a) * exp(b)',
    rhs: 'exp(a + b)',
    source: 'PyTensor local_mul_exp_to_exp_add',
    domain: 'all a, b (exp(800)·exp(-799) is inf·0 as written, e as rewritten)',
    example: 'exp(a) * exp(b)',
  },
  {
    name: 'local_div_exp_to_exp_sub',
    lhs: 'exp(a) / exp(b)',
    rhs: 'exp(a - b)',
    source: 'PyTensor local_mul_exp_to_exp_add (division form)',
    domain: 'all a, b',
    example: 'exp(a) / exp(b)',
  },
];

const SIGMOID_RULES: RuleSpec[] = [
  {
    name: 'logsigm_to_softplus',
    lhs: 'log(sigmoid(x))',
    rhs: 'logsigmoid(x)',
    source: 'PyTensor logsigm_to_softplus: log(sigmoid(x)) = -softplus(-x)',
    domain: 'all x; logsigmoid(x) is -softplus(-x), evaluated as min(x, 0) - log1p(exp(-|x|))',
    example: 'log(sigmoid(x))',
  },
  {
    name: 'local_1msigmoid',
    lhs: '1 - sigmoid(x)',
    rhs: 'sigmoid(-x)',
    source: 'PyTensor local_1msigmoid',
    domain: 'all x (1 - sigmoid(x) is 0 from x ≈ 37 on, sigmoid(-x) keeps every digit)',
    example: '1 - sigmoid(x)',
  },
  {
    name: 'log1p_neg_sigmoid',
    lhs: 'log1p(-sigmoid(x))',
    rhs: 'logsigmoid(-x)',
    source: 'PyTensor log1p_neg_sigmoid / log1msigm_to_softplus: = -softplus(x)',
    domain: 'all x',
    example: 'log1p(-sigmoid(x))',
  },
  {
    name: 'local_exp_over_1_plus_exp',
    lhs: 'exp(x) / (1 + exp(x))',
    rhs: 'sigmoid(x)',
    source: 'PyTensor local_exp_over_1_plus_exp',
    domain: 'all x (inf/inf as written from x = 710 on)',
    example: 'exp(x) / (1 + exp(x))',
  },
  {
    name: 'local_reciprocal_1_plus_exp',
    lhs: 'y / (1 + exp(x))',
    rhs: 'y * sigmoid(-x)',
    source: 'PyTensor local_exp_over_1_plus_exp / local_reciprocal_1_plus_exp',
    domain: 'all x, y',
    example: '1 / (1 + exp(-x))',
  },
  {
    name: 'local_sigm_times_exp',
    lhs: 'exp(x) * sigmoid(-x)',
    rhs: 'sigmoid(x)',
    source: 'PyTensor local_sigm_times_exp',
    domain: 'all x',
    example: 'exp(x) * sigmoid(-x)',
  },
  {
    name: 'local_odds_sigmoid',
    lhs: 'sigmoid(x) / sigmoid(-x)',
    rhs: 'exp(x)',
    source: 'PyTensor local_odds_sigmoid: sigmoid(x) / (1 - sigmoid(x)) = exp(x)',
    domain: 'all x (the odds are finite up to x ≈ 709; 1 - sigmoid(x) is 0 from 37 on)',
    example: 'sigmoid(x) / (1 - sigmoid(x))',
  },
  {
    name: 'log1pexp_to_softplus',
    lhs: 'log1p(exp(x))',
    rhs: 'softplus(x)',
    source: 'PyTensor local_log1p_plusminus_exp (log1pexp)',
    domain: 'all x (log(1 + exp(x)) overflows from x = 710 on and is 0 below -37)',
    example: 'log1p(exp(x))',
  },
  {
    name: 'softplus_minus_x',
    lhs: 'softplus(x) - x',
    rhs: 'softplus(-x)',
    source: 'Herbie log1p-exp regimes: log(1 + e^x) - x = log(1 + e^-x)',
    domain: 'all finite x (cancels to 0 as written for x > 37)',
    example: 'log(1 + exp(x)) - x',
  },
  {
    name: 'x_minus_softplus',
    lhs: 'x - softplus(x)',
    rhs: 'logsigmoid(x)',
    source: 'x - log(1 + e^x) = log(sigmoid(x))',
    domain: 'all finite x',
    example: 'x - log(1 + exp(x))',
  },
];

const LOG_EXP_RULES: RuleSpec[] = [
  {
    name: 'local_log_exp',
    lhs: 'log(exp(x))',
    rhs: 'x',
    source: 'PyTensor local_exp_log',
    domain: 'all x (log(exp(x)) is inf from x = 710 on and -inf below -745)',
    example: 'log(exp(x))',
  },
  {
    name: 'local_log1p',
    lhs: 'log(1 + x)',
    rhs: 'log1p(x)',
    source: 'PyTensor local_log1p, Herbie log1p-def',
    domain: 'all x',
    example: 'log(1 + x)',
  },
  {
    name: 'local_log1p_sub',
    lhs: 'log(1 - x)',
    rhs: 'log1p(-x)',
    source: 'PyTensor local_log1p',
    domain: 'all x',
    example: 'log(1 - x)',
  },
  {
    name: 'local_expm1',
    lhs: 'exp(x) - 1',
    rhs: 'expm1(x)',
    source: 'PyTensor local_expm1, Herbie expm1-def',
    domain: 'all x',
    example: 'exp(x) - 1',
  },
  {
    name: 'local_log1p_expm1',
    lhs: 'log1p(expm1(x))',
    rhs: 'x',
    source: 'PyTensor local_exp_log',
    domain: 'all x',
    example: 'log(1 + (exp(x) - 1))',
  },
  {
    name: 'local_exp_log_nan_switch',
    lhs: 'exp(log(x))',
    rhs: 'where(x >= 0, x, nan)',
    source: 'PyTensor local_exp_log_nan_switch',
    domain: 'x ≥ 0; NaN where x < 0, as written',
    example: 'exp(log(x))',
  },
  {
    name: 'local_expm1_log1p_nan_switch',
    lhs: 'expm1(log1p(x))',
    rhs: 'where(x >= -1, x, nan)',
    source: 'PyTensor local_exp_log_nan_switch',
    domain: 'x ≥ -1; NaN where x < -1, as written',
    example: 'exp(log1p(x)) - 1',
  },
  {
    name: 'local_log1mexp',
    lhs: 'log1p(-exp(x))',
    rhs: 'log1mexp(x)',
    source: 'PyTensor local_log1p_plusminus_exp (Mächler 2012)',
    domain: 'x ≤ 0; NaN where x > 0, as written',
    example: 'log(1 - exp(x))',
  },
  {
    name: 'logmexpm1_to_log1mexp',
    lhs: 'log(-expm1(x))',
    rhs: 'log1mexp(x)',
    source: 'PyTensor logmexpm1_to_log1mexp',
    domain: 'x ≤ 0; NaN where x > 0, as written',
    example: 'log(-expm1(x))',
  },
  {
    name: 'local_log_sqrt',
    lhs: 'log(sqrt(x))',
    rhs: '0.5 * log(x)',
    source: 'PyTensor local_log_sqrt',
    domain: 'all x (NaN for x < 0 either way); sqrt rounds 1 + 2^-52 to 1, log(x) / 2 keeps it',
    example: 'log(sqrt(x))',
  },
  {
    name: 'local_log_sqr',
    lhs: 'log(x ^ 2)',
    rhs: '2 * log(abs(x))',
    source: 'Herbie log-pow',
    domain: 'all x (x^2 overflows from |x| = 1.3e154 on and underflows below 1e-162)',
    example: 'log(x ^ 2)',
  },
  {
    name: 'local_sqrt_sqr',
    lhs: 'sqrt(x ^ 2)',
    rhs: 'abs(x)',
    source: 'PyTensor local_sqrt_sqr, Herbie rem-sqrt-square',
    domain: 'all x (x^2 overflows from |x| = 1.3e154 on)',
    example: 'sqrt(x ^ 2)',
  },
  {
    name: 'local_sqrt_mul_self',
    lhs: 'sqrt(x * x)',
    rhs: 'abs(x)',
    source: 'PyTensor local_sqrt_sqr',
    domain: 'all x',
    example: 'sqrt(x * x)',
  },
  {
    name: 'local_sqr_sqrt',
    lhs: 'sqrt(x) ^ 2',
    rhs: 'where(x >= 0, x, nan)',
    source: 'PyTensor local_sqrt_sqr',
    domain: 'x ≥ 0; NaN where x < 0, as written',
    example: 'sqrt(x) ^ 2',
  },
];

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

// Cancellations that the derivative of a product creates: d/dc (1 - c)(1 + c) is
// (1 - c) - (1 + c), which rounds both terms to 1 for small c; the identities below give -2c
// exactly. They make the difference-of-squares rules above safe to differentiate.
const CANCELLATION_RULES: RuleSpec[] = [
  {
    name: 'factor_common_multiplier',
    lhs: 'x * a - x * b',
    rhs: 'x * (a - b)',
    source: 'Herbie distribute-lft-out--',
    domain: 'all finite x (one rounding of a - b, which is exact when a ≈ b, instead of two products that cancel)',
    example: 'g * (1 - c) - g * (1 + c)',
  },
  {
    name: 'factor_common_multiplier_sum',
    lhs: 'x * a + x * b',
    rhs: 'x * (a + b)',
    source: 'Herbie distribute-lft-out',
    domain: 'all finite x (a + b is exact when a ≈ -b; two products would cancel)',
    example: 'g * (a - b) + g * (a + b)',
  },
  {
    name: 'sum_of_difference_and_sum',
    lhs: '(x - y) + (x + y)',
    rhs: '2 * x',
    source: 'Herbie associate and cancel rules: (x - y) + (x + y) = 2x',
    domain: 'all finite x, y',
    example: '(a - b) + (a + b)',
  },
  {
    name: 'difference_of_difference_and_sum',
    lhs: '(x - y) - (x + y)',
    rhs: '-(2 * y)',
    source: 'Herbie associate and cancel rules: (x - y) - (x + y) = -2y',
    domain: 'all finite x, y',
    example: '(1 - c) - (1 + c)',
  },
  {
    name: 'difference_of_sum_and_difference',
    lhs: '(x + y) - (x - y)',
    rhs: '2 * y',
    source: 'Herbie associate and cancel rules: (x + y) - (x - y) = 2y',
    domain: 'all finite x, y',
    example: '(a + b) - (a - b)',
  },
];

export const softmaxTable = ruleTable('softmax', 'stability', 'softmax, log-softmax, logsumexp and logaddexp', SOFTMAX_RULES);
export const sigmoidTable = ruleTable('sigmoid', 'stability', 'sigmoid, logsigmoid and softplus (logistic losses)', SIGMOID_RULES);
export const logExpTable = ruleTable('log-exp', 'stability', 'log1p, expm1, log1mexp, log∘exp, sqrt∘square (with NaN guards)', LOG_EXP_RULES);
export const xlogyTable = ruleTable('xlogy', 'stability', 'entropy and KL terms with the 0 · log 0 = 0 convention', XLOGY_RULES);
export const normTable = ruleTable('norm', 'stability', 'norms with the zero-gradient convention, differences of squares', NORM_RULES);

export const cancellationTable = ruleTable('cancellation', 'stability', 'cancelling sums and differences, as the gradient of a product makes them', CANCELLATION_RULES);

export const STABILITY_TABLES = [softmaxTable, sigmoidTable, logExpTable, xlogyTable, normTable, cancellationTable];
