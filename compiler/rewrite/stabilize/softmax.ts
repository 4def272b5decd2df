// Stability rules for the softmax family: log-softmax, softmax, logsumexp, logaddexp, and
// products and quotients of exponentials (see ../stabilize.ts for the conventions of all tables).

import type { Node } from '../../ir.js';
import type { Bindings } from '../pattern.js';
import { ruleTable, type RuleSpec } from '../engine.js';

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

export const softmaxTable = ruleTable('softmax', 'stability', 'softmax, log-softmax, logsumexp and logaddexp', SOFTMAX_RULES);
