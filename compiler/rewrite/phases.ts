// The rewrite phases, in the order the pipeline runs them (PyTensor's optimizer databases):
//   canonicalize — constant folding, identities, one spelling per form;
//   stabilize    — the stability tables, with the canonical tables alongside so each
//                  replacement is folded and respelled before its parent is matched;
//   specialize   — cheaper or correctly rounded spellings of what remains.
// `stabilize: false` drops the middle phase: the formula is evaluated as written, folded.

import type { Phase, RuleTable } from './engine.js';
import { canonicalTable } from './canonicalize.js';
import { foldTable, identityTable } from './simplify.js';
import { specializeTable } from './specialize.js';
import { STABILITY_TABLES } from './stabilize.js';

const CANONICAL: RuleTable[] = [foldTable, identityTable, canonicalTable];

export const CANONICALIZE: Phase = { name: 'canonicalize', tables: CANONICAL };
// Folding comes first in each phase, so a rule never sees an unfolded constant expression.
export const STABILIZE: Phase = { name: 'stabilize', tables: [...CANONICAL, ...STABILITY_TABLES] };
export const SPECIALIZE: Phase = { name: 'specialize', tables: [...CANONICAL, specializeTable] };

/** The phases to run, with or without stabilization. */
export function phases(stabilize: boolean): Phase[] {
  return stabilize ? [CANONICALIZE, STABILIZE, SPECIALIZE] : [CANONICALIZE, SPECIALIZE];
}

/** Every table, for docs/rewrites.md and the rule tests. */
export const ALL_TABLES: RuleTable[] = [...STABILITY_TABLES, ...CANONICAL, specializeTable];
