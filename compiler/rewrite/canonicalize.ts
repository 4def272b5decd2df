// Canonical forms: one spelling for each thing a formula can say in several ways, so that the
// stability rules need one pattern, not one per spelling (PyTensor's canonicalize phase: its
// `local_erf_minus_one` needs no `erf(x) + (-1)` variant because canonicalize already made it
// `erf(x) - 1`). Every rule here is exact: both sides give the same bits for every input.

import { ruleTable, type RuleSpec } from './engine.js';

const CANONICAL_RULES: RuleSpec[] = [
  {
    name: 'add-negative-constant',
    lhs: 'x + k',
    rhs: 'x - (-k)',
    when: (b) => b.nodes.get('k')!.attrs.value! < 0,
    domain: 'all x: x + (-c) and x - c round identically',
    example: 'exp(x) + -1',
  },
  {
    name: 'sub-negative-constant',
    lhs: 'x - k',
    rhs: 'x + (-k)',
    when: (b) => b.nodes.get('k')!.attrs.value! < 0,
    domain: 'all x',
    example: 'x - -1',
  },
  {
    name: 'logsigmoid-from-softplus',
    lhs: '-softplus(-x)',
    rhs: 'logsigmoid(x)',
    source: 'PyTensor writes log(sigmoid(x)) as -softplus(-x); lossc keeps the one primitive',
    domain: 'all x: min(x, 0) - log1p(exp(-|x|)) either way, bit for bit',
    example: '-softplus(-x)',
  },
];

export const canonicalTable = ruleTable('canonical', 'routine', 'one spelling per form (exact)', CANONICAL_RULES);
