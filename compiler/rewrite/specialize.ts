// Specialization: cheaper or correctly rounded spellings of what is left after stabilizing
// (PyTensor's specialize phase). Each rule gives the same value, or a more accurate one, on
// every input, ±inf and NaN included; the guard keeps pow's answer at -inf.

import { ruleTable, type RuleSpec } from './engine.js';

/** 1/k is exact (k a power of two, within the normal range). */
const exactReciprocal = (k: number): boolean => k !== 0 && Number.isFinite(k) && Number.isInteger(Math.log2(Math.abs(k))) && Number.isFinite(1 / k) && 1 / k !== 0 && Math.abs(1 / k) >= 2 ** -1022;

const SPECIALIZE_RULES: RuleSpec[] = [
  {
    name: 'div_to_mul_exact_reciprocal',
    lhs: 'x / k',
    // Built directly: a template `x * (1 / k)` would itself contain a match (1 / k).
    rhs: (b, g) => g.map('mul', [b.nodes.get('x')!, g.const(1 / b.nodes.get('k')!.attrs.value!)]),
    when: (b) => exactReciprocal(b.nodes.get('k')!.attrs.value!),
    source: 'PyTensor local_div_to_reciprocal (only where 1/k is exact)',
    domain: 'all x, bit for bit (k a power of two)',
    example: 'sum(x) / 4',
  },
  {
    name: 'pow_minus_one_to_reciprocal',
    lhs: 'x ^ -1',
    rhs: '1 / x',
    source: 'PyTensor local_pow_specialize',
    domain: 'all x; division is correctly rounded, pow need not be',
    example: 'x ^ -1',
  },
  {
    name: 'pow_half_to_sqrt',
    lhs: 'x ^ 0.5',
    rhs: 'where(x == -inf, inf, sqrt(x))',
    source: 'PyTensor local_pow_specialize',
    domain: 'all x; pow(-inf, 0.5) is inf in IEEE 754, sqrt(-inf) is NaN: the guard keeps inf',
    example: 'x ^ 0.5',
  },
];

export const specializeTable = ruleTable('specialize', 'routine', 'cheaper or correctly rounded spellings (exact)', SPECIALIZE_RULES);
