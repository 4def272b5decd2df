// Helpers for rule tests: lower a formula (every input a float tensor of one shape), run the
// forward rewrite phases, and compare the printed result with an expected formula that went
// through the same lowering and canonicalization (so spacing and parentheses do not matter).

import { expect } from 'vitest';
import { parseSource } from '../../../grammar/index.js';
import { Lowerer } from '../../../compiler/lower.js';
import { resolveInputs } from '../../../compiler/resolve.js';
import { runPhases, type RewriteEvent } from '../../../compiler/rewrite/engine.js';
import { CANONICALIZE, phases } from '../../../compiler/rewrite/phases.js';
import { printNode } from '../../../compiler/print.js';

export interface Rewritten {
  text: string;
  rules: string[];
  events: RewriteEvent[];
}

function lower(formula: string, shape: number[]) {
  const unit = parseSource(formula, '<test>');
  const names = resolveInputs(unit, unit.body!, []);
  const sig = Object.fromEntries(names.map((n) => [n, { shape, dtype: 'float' as const }]));
  return new Lowerer().lowerFormula(unit, names, sig, {});
}

/** The forward program of `formula` after the rewrite phases, printed in the loss language. */
export function rewritten(formula: string, opts: { stabilize?: boolean; shape?: number[] } = {}): Rewritten {
  const low = lower(formula, opts.shape ?? [2, 3]);
  const events: RewriteEvent[] = [];
  const [root] = runPhases(low.graph, [low.root], phases(opts.stabilize !== false), events);
  return { text: printNode(root!), rules: events.map((e) => e.rule), events };
}

/** `formula` rewrites to `expected` (and, when given, rule `rule` is among those applied). */
export function expectRewrite(formula: string, expected: string, rule?: string, shape?: number[]): void {
  const got = rewritten(formula, { shape });
  const low = lower(expected, shape ?? [2, 3]);
  const [want] = runPhases(low.graph, [low.root], [CANONICALIZE], []);
  expect(got.text, `${formula} (rules: ${got.rules.join(', ')})`).toBe(printNode(want!));
  if (rule) expect(got.rules, formula).toContain(rule);
}

/** `formula` comes out of the phases as written (modulo canonical spelling). */
export function expectUnchanged(formula: string, shape?: number[]): void {
  const got = rewritten(formula, { shape });
  const stabilityRules = got.events.filter((e) => e.kind === 'stability').map((e) => e.rule);
  expect(stabilityRules, formula).toEqual([]);
}
