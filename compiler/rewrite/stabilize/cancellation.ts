// Cancellations that the derivative of a product creates: d/dc (1 - c)(1 + c) is
// (1 - c) - (1 + c), which rounds both terms to 1 for small c; the identities below give -2c
// exactly. They make the difference-of-squares rules (entropy.ts) safe to differentiate.

import { ruleTable, type RuleSpec } from '../engine.js';

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
    name: 'factor_opposite_constants',
    lhs: 'k1 * a + k2 * b',
    rhs: 'k1 * (a - b)',
    when: (b) => b.nodes.get('k2')!.attrs.value === -b.nodes.get('k1')!.attrs.value!,
    source: 'Herbie distribute-lft-out-- (after a constant sign)',
    domain: 'all finite a, b',
    example: '0.5 * a + -0.5 * b',
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

export const cancellationTable = ruleTable('cancellation', 'stability', 'cancelling sums and differences, as the gradient of a product makes them', CANCELLATION_RULES);
