// Random well-typed formulas, generated from the grammar with shapes tracked.
// Inputs have fixed shapes: a, b [3, 4]; v [4]; s []; w [4, 4]; y [3] int in [0, 4).
// Expressions are built per type — M [3, 4], R [3] (one per row), V [4], S [] — from the
// built-ins of compiler/builtins.ts with arguments of valid kinds (compile-time dims, int
// indices where an index goes), prelude defs, a stdlib loss, `let`, `if` and `where`.
// Every composite is parenthesized, so precedence never changes what was generated.
//
// Two families: `smooth` uses only ops that are smooth everywhere and bounded where they
// would overflow (gradients can be checked against finite differences at any sample);
// `anything` adds kinks, poles, partial domains and comparisons (NaN, inf and index errors
// are all legitimate outcomes there).

import fc from 'fast-check';
import type { Tensor } from '../../index.js';
import { randint, randn, rng } from '../helpers.js';

type T = 'M' | 'R' | 'V' | 'S';
type Arb = fc.Arbitrary<string>;

const SMOOTH_UNARY: ((x: string) => string)[] = [
  (x) => `tanh(${x})`,
  (x) => `sigmoid(${x})`,
  (x) => `softplus(${x})`,
  (x) => `logsigmoid(${x})`,
  (x) => `sin(${x})`,
  (x) => `cos(${x})`,
  (x) => `atan(${x})`,
  (x) => `exp(tanh(${x}))`,
  (x) => `log(1 + ${x} ^ 2)`,
  (x) => `sqrt(1 + ${x} ^ 2)`,
  (x) => `log1p(${x} ^ 2)`,
  (x) => `expm1(tanh(${x}))`,
  (x) => `mish(${x})`,
  (x) => `softplus(${x}, beta=2)`,
  (x) => `(-${x})`,
  (x) => `(0.5 * ${x})`,
];

const ROUGH_UNARY: ((x: string) => string)[] = [
  (x) => `abs(${x})`,
  (x) => `relu(${x})`,
  (x) => `sign(${x})`,
  (x) => `floor(${x})`,
  (x) => `round(${x})`,
  (x) => `exp(${x})`,
  (x) => `log(${x})`,
  (x) => `sqrt(${x})`,
  (x) => `(1 / ${x})`,
  (x) => `(${x} ^ 3)`,
  (x) => `clamp(${x}, -1, 1)`,
  (x) => `clamp(${x}, min=0)`,
  (x) => `acos(${x})`,
  (x) => `asin(${x})`,
  (x) => `tan(${x})`,
  (x) => `log1mexp(${x})`,
  (x) => `detach(${x})`,
  (x) => `(!${x})`,
  (x) => `xlogy(${x}, ${x})`,
  (x) => `softplus(${x}, beta=1, threshold=1)`,
];

const SMOOTH_BINARY: ((x: string, y: string) => string)[] = [
  (x, y) => `(${x} + ${y})`,
  (x, y) => `(${x} - ${y})`,
  (x, y) => `(${x} * ${y})`,
  (x, y) => `(${x} / (1 + ${y} ^ 2))`,
  (x, y) => `logaddexp(${x}, ${y})`,
];

const ROUGH_BINARY: ((x: string, y: string) => string)[] = [
  (x, y) => `max(${x}, ${y})`,
  (x, y) => `min(${x}, ${y})`,
  (x, y) => `(${x} / ${y})`,
  (x, y) => `(${x} ^ ${y})`,
  (x, y) => `pow(${x}, ${y})`,
  (x, y) => `where(${x} > ${y}, ${x}, ${y})`,
  (x, y) => `(if ${x} < ${y} then ${x} else ${y})`,
  (x, y) => `(${x} == ${y})`,
  (x, y) => `(${x} != ${y})`,
  (x, y) => `(${x} && ${y})`,
  (x, y) => `(${x} || ${y})`,
  (x, y) => `xlogy(${x}, ${y})`,
  (x, y) => `(let t = ${x} t * ${y} - t)`,
];

const NUMBERS = ['0', '1', '2', '0.5', '1e-3', '3.5', '-1'];

/** Formulas of one family; the value of each is a scalar or a tensor of any of the four types. */
export function formulas(family: 'smooth' | 'anything', maxDepth = 4): fc.Arbitrary<string> {
  const smooth = family === 'smooth';
  const unary = smooth ? SMOOTH_UNARY : [...SMOOTH_UNARY, ...ROUGH_UNARY];
  const binary = smooth ? SMOOTH_BINARY : [...SMOOTH_BINARY, ...ROUGH_BINARY];
  const num: Arb = fc.constantFrom(...NUMBERS);
  const opts = { maxDepth, depthIdentifier: 'formula', depthSize: 'small' as const, withCrossShrink: true };

  const tree = fc.letrec<Record<T, string>>((tie) => {
    const u = (t: T): Arb => fc.tuple(fc.constantFrom(...unary), tie(t)).map(([f, x]) => f(x));
    const b = (t: T, other: Arb): Arb => fc.tuple(fc.constantFrom(...binary), tie(t), other).map(([f, x, y]) => f(x, y));
    const rowsToM = tie('R').map((r) => `unsqueeze(${r}, 1)`);
    const M: Arb[] = [
      fc.constantFrom('a', 'b'),
      u('M'),
      b('M', fc.oneof(tie('M'), tie('V'), tie('S'), num, rowsToM)),
      tie('M').map((x) => `softmax(${x}, dim=1)`),
      tie('M').map((x) => `log_softmax(${x}, dim=-1)`),
      tie('M').map((x) => `(${x} @ w)`),
      tie('M').map((x) => `matmul(${x}, transpose(w))`),
      tie('M').map((x) => `(${x} - logsumexp(${x}, dim=1, keepdim=true))`),
      fc.constant('w[y]'),
      fc.constant('onehot(y, 4)'),
      fc.tuple(tie('M'), tie('M')).map(([x, y]) => `(let t1 = ${x}\nlet t2 = t1 * ${y}\nt2 + t1)`),
    ];
    const R: Arb[] = [
      tie('M').map((x) => `sum(${x}, dim=1)`),
      u('R'),
      b('R', fc.oneof(tie('R'), tie('S'), num)),
      tie('M').map((x) => `mean(${x}, dim=1)`),
      tie('M').map((x) => `logsumexp(${x}, dim=-1)`),
      tie('M').map((x) => `pick(${x}, y)`),
      tie('M').map((x) => `pick(${x}, y, dim=1)`),
      fc.tuple(tie('M'), tie('M')).map(([x, y]) => `cosine_similarity(${x}, ${y})`),
      tie('M').map((x) => `(sum(${x} * ${x} + 1, dim=1) ^ 0.5)`),
    ];
    const V: Arb[] = [
      fc.constant('v'),
      u('V'),
      b('V', fc.oneof(tie('V'), tie('S'), num)),
      tie('M').map((x) => `sum(${x}, dim=0)`),
      tie('M').map((x) => `mean(${x}, dim=0)`),
      tie('V').map((x) => `(${x} @ w)`),
    ];
    const S: Arb[] = [
      fc.oneof(fc.constant('s'), num),
      u('S'),
      b('S', fc.oneof(tie('S'), num)),
      fc.oneof(tie('M'), tie('R'), tie('V')).map((x) => `sum(${x})`),
      fc.oneof(tie('M'), tie('R'), tie('V')).map((x) => `mean(${x})`),
      fc.oneof(tie('M'), tie('R')).map((x) => `logsumexp(${x})`),
      fc.tuple(tie('M'), tie('M')).map(([x, y]) => `mse_loss(${x}, ${y})`),
      fc.tuple(tie('M'), tie('M')).map(([x, y]) => `mse_loss(${x}, ${y}, reduction="sum")`),
    ];
    if (!smooth) {
      M.push(tie('M').map((x) => `clamp(${x}, -2, 2)`), fc.tuple(tie('M'), tie('M')).map(([x, y]) => `where(${x} > 0, ${x}, ${y})`));
      R.push(
        tie('M').map((x) => `max(${x}, dim=1)`),
        tie('M').map((x) => `min(${x}, dim=1)`),
        tie('M').map((x) => `norm(${x}, 2, dim=1)`),
        tie('M').map((x) => `norm(${x}, 1, dim=1)`),
        tie('M').map((x) => `prod(${x}, dim=1)`),
        fc.constant('float(y)'),
        fc.tuple(tie('M'), tie('M')).map(([x, y]) => `d(${x}, ${y})`),
        fc.tuple(tie('M'), tie('M')).map(([x, y]) => `pairwise_distance(${x}, ${y})`),
      );
      S.push(fc.oneof(tie('M'), tie('R')).map((x) => `max(${x})`), fc.tuple(tie('M'), tie('M')).map(([x, y]) => `l1_loss(${x}, ${y})`));
    }
    return {
      M: fc.oneof(opts, ...M),
      R: fc.oneof(opts, ...R),
      V: fc.oneof(opts, ...V),
      S: fc.oneof(opts, ...S),
    };
  });
  return fc.oneof(tree.S, tree.M, tree.R, tree.V);
}

/** The inputs every generated formula may use, seeded (values ~ N(0, 1); y in [0, 4)). */
export function sampleInputs(seed: number): Record<string, Tensor> {
  const r = rng(seed);
  return {
    a: randn([3, 4], r),
    b: randn([3, 4], r),
    v: randn([4], r),
    s: randn([], r),
    w: randn([4, 4], r, 0.5),
    y: randint([3], 4, r),
  };
}

/** Only the inputs a compiled formula names (compile() rejects unknown ones). */
export function inputsFor(names: readonly string[], all: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(names.map((n) => [n, all[n]!]));
}
