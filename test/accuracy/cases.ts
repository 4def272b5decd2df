// What the accuracy harness measures: the stable primitives (with their derivatives), every
// stability rule's example as a user writes it, and every loss of the standard library (taken
// from stdlibCatalogue(), so new losses are measured without touching this file). A case
// knows how to compile itself (stabilized or as written), how to lower itself for the oracle,
// and the role of each input for sampling.

import { parseSource } from '../../grammar/index.js';
import { Lowerer, type InputSig, type Lowered } from '../../compiler/lower.js';
import { resolveInputs } from '../../compiler/resolve.js';
import { runPhases } from '../../compiler/rewrite/engine.js';
import { ALL_TABLES, CANONICALIZE, STABILIZE } from '../../compiler/rewrite/phases.js';
import { compile, stdlibCatalogue, type CompiledLoss } from '../../index.js';
import { STDLIB_SOURCES } from '../../stdlib/sources.generated.js';
import type { Role } from './sample.js';

export interface InputSpec {
  name: string;
  shape: number[];
  role: Role;
}

export interface Case {
  id: string;
  group: 'primitive' | 'rule' | 'stdlib';
  /** What the table shows: the formula, or the loss's name. */
  label: string;
  inputs: InputSpec[];
  compile(stabilize: boolean): CompiledLoss;
  lower(): Lowered;
}

const SHAPE = [1, 3];

/** Roles of rule-example inputs by name: t, p, y, c are probabilities (or cosines in [0, 1]). */
const ROLE_BY_NAME: Record<string, Role> = { t: 'prob', p: 'prob', y: 'prob', c: 'prob' };
/**
 * Examples whose input lives on half the line (log1mexp: x ≤ 0): sampled there, so that their
 * gradients are measured too. The NaN guards keep real inputs, to check the NaN half.
 */
const ROLES_BY_RULE: Record<string, Record<string, Role>> = {
  local_log1mexp: { x: 'negative' },
  logmexpm1_to_log1mexp: { x: 'negative' },
  local_log_sqrt: { x: 'positive' },
};

/**
 * Rule tables whose rewrite is a documented convention where the formula as written is NaN
 * (xlogy: 0 · log 0 = 0). Their truth is the mathematics of the rewritten program, in exact
 * arithmetic: the convention, not the NaN.
 */
const CONVENTION_TABLES = new Set(['xlogy']);

function formulaCase(group: Case['group'], id: string, formula: string, roles: Record<string, Role> = {}, convention = false): Case {
  const unit = parseSource(formula, '<accuracy>');
  const names = resolveInputs(unit, unit.body!, []);
  const inputs = names.map((name) => ({ name, shape: SHAPE, role: roles[name] ?? ROLE_BY_NAME[name] ?? 'real' }));
  const sig = Object.fromEntries(inputs.map((i) => [i.name, { shape: i.shape, dtype: 'float' as const }]));
  return {
    id,
    group,
    label: formula,
    inputs,
    compile: (stabilize) => compile(formula, { stabilize }),
    lower: () => {
      const low = new Lowerer().lowerFormula(unit, names, sig, {});
      if (!convention) return low;
      const [root] = runPhases(low.graph, [low.root], [CANONICALIZE, STABILIZE], []);
      return { ...low, root: root! };
    },
  };
}

/** The stable primitives of item 3: each with its derivative (the harness checks both). */
export const PRIMITIVES: [string, Record<string, Role>?][] = [
  ['softplus(x)'],
  ['logsigmoid(x)'],
  ['sigmoid(x)'],
  ['tanh(x)'],
  ['logsumexp(x, dim=1)'],
  ['log_softmax(x, dim=1)'],
  ['softmax(x, dim=1)'],
  ['logaddexp(a, b)'],
  ['log1mexp(x)', { x: 'negative' }],
  ['expm1(x)'],
  ['log1p(x)'],
  ['xlogy(t, p)'],
  ['norm(x, 2, dim=1)'],
];

export function primitiveCases(): Case[] {
  return PRIMITIVES.map(([f, roles]) => formulaCase('primitive', `primitive:${f}`, f, roles));
}

export function ruleCases(): Case[] {
  return ALL_TABLES.filter((t) => t.kind === 'stability').flatMap((t) =>
    t.rules.filter((r) => r.example).map((r) => formulaCase('rule', `rule:${r.name}`, r.example!, ROLES_BY_RULE[r.name], CONVENTION_TABLES.has(t.name))),
  );
}

// ---- stdlib -----------------------------------------------------------------------------

const N = 2;
const C = 3;
const classIndex: Role = { int: [0, C] };
/** Input roles that differ from a real-valued tensor, per loss and input (torch's conventions). */
const STDLIB_ROLES: Record<string, Record<string, Role>> = {
  nll_loss: { target: classIndex },
  cross_entropy: { target: classIndex },
  binary_cross_entropy: { input: 'prob', target: 'prob' },
  binary_cross_entropy_with_logits: { target: 'prob' },
  soft_margin_loss: { target: 'sign' },
  multilabel_soft_margin_loss: { target: 'binary' },
  kl_div: { target: 'prob' },
  hinge_embedding_loss: { target: 'sign' },
  margin_ranking_loss: { target: 'sign' },
  cosine_embedding_loss: { target: 'sign' },
  multi_margin_loss: { target: classIndex },
  multilabel_margin_loss: { target: { int: [-1, C] } },
  poisson_nll_loss: { target: 'count' },
  gaussian_nll_loss: { var: 'positive' },
};
/** Shapes of undeclared inputs that are not [N, C]: class targets and per-sample labels. */
const STDLIB_SHAPES: Record<string, Record<string, number[]>> = {
  nll_loss: { target: [N] },
  cross_entropy: { target: [N] },
  multi_margin_loss: { target: [N] },
  cosine_embedding_loss: { target: [N] },
};

export function stdlibCases(): Case[] {
  const out: Case[] = [];
  for (const entry of stdlibCatalogue()) {
    const text = STDLIB_SOURCES[entry.file]!;
    const unit = parseSource(text, `stdlib/${entry.file}`);
    const def = unit.losses.find((l) => l.name === entry.name)!;
    const sizes = new Map<string, number>([['N', N], ['C', C], ['D', C]]);
    const inputs: InputSpec[] = [];
    for (const p of def.tensorParams) {
      if (p.default) continue; // optional tensors (weights) keep their defaults
      const shape =
        STDLIB_SHAPES[entry.name]?.[p.name] ??
        (p.dims ? p.dims.flatMap((d) => (d.kind === 'fixed' ? [d.size] : d.kind === 'ellipsis' ? [N] : [sizes.get(d.name) ?? C])) : [N, C]);
      const role = STDLIB_ROLES[entry.name]?.[p.name] ?? (p.dtype === 'int' ? classIndex : 'real');
      inputs.push({ name: p.name, shape, role });
    }
    const sig = (): Record<string, InputSig> =>
      Object.fromEntries(inputs.map((i) => [i.name, { shape: i.shape, dtype: typeof i.role === 'object' ? 'int' : 'float' }]));
    out.push({
      id: `stdlib:${entry.name}`,
      group: 'stdlib',
      label: entry.name,
      inputs,
      compile: (stabilize) => compile(text, { loss: entry.name, stabilize, sourceName: `stdlib/${entry.file}` }),
      lower: () => new Lowerer().lowerLoss(unit, def, sig(), {}),
    });
  }
  return out;
}
