// Which inputs an exported module takes, with which dtype and which dims.
//
// An exported loss is size-generic but has fixed ranks. The dims come from, in order: the
// user's shapes (`--shape input=N,C target=N:int`), the loss's declarations (`input[N, D]`,
// `target[N]: int`), and otherwise a guess tried in order — every undeclared float input of
// rank 2 `[N, D]`, then one of them of rank 1 (`target[N]` beside `input[N, D]`), then all
// rank 1 `[N]`, then scalars; undeclared int inputs (class indices) one rank lower; an
// ellipsis `[..., C]` as the guess's leading dims. The first that compiles is exported. An optional tensor input
// (`weight = 1`) is part of the module only when its shape is given.

import type { Dim } from '../../grammar/ast.js';
import { LossError } from '../../grammar/source.js';
import { diag } from '../../grammar/diagnostics.js';
import type { FrontEnd } from '../frontend.js';
import { indexInputs } from '../frontend.js';
import { MAX_SYMBOLIC_DIMS } from '../symbolic.js';

/** A dim: a name (symbolic: any size, the same wherever the name appears) or a fixed size. */
export type DimSpec = string | number;

export interface InputShapeSpec {
  dims: DimSpec[];
  dtype?: 'float' | 'int';
}

export interface ExportInput {
  name: string;
  dtype: 'float' | 'int';
  dims: DimSpec[];
}

export interface ExportSignature {
  inputs: ExportInput[];
  /** The symbolic dims by index (dim i is `d<i>` in generated code). */
  dimNames: string[];
}

const GUESS_NAMES = ['N', 'D'];

/**
 * The signatures to try, most likely first: exactly one when every input's dims are known
 * (given or declared), else the guesses.
 */
export function candidateSignatures(fe: FrontEnd, shapes: Record<string, InputShapeSpec>): ExportSignature[] {
  for (const name of Object.keys(shapes)) {
    if (!fe.params.some((p) => p.name === name)) {
      throw new LossError(diag('LD3002', undefined, name, fe.params.map((p) => p.name).join(', ') || 'none'));
    }
  }
  const intNames = fe.lossDef ? new Set<string>() : indexInputs(fe.unit.body!);
  const declaredDims = (name: string): readonly Dim[] | undefined => fe.lossDef?.tensorParams.find((tp) => tp.name === name)?.dims;
  const present = fe.params.filter((p) => !p.optional || Object.hasOwn(shapes, p.name));
  const needsGuess = present.some((p) => !Object.hasOwn(shapes, p.name) && (!declaredDims(p.name) || declaredDims(p.name)!.some((d) => d.kind === 'ellipsis')));
  // Guesses, most likely first: every guessed input rank 2; then one of them (the last
  // first: a target) rank 1; then all rank 1; then scalars.
  const guessed = present.filter((p) => !Object.hasOwn(shapes, p.name) && !declaredDims(p.name));
  const variants: { rank: number; lower?: string }[] = needsGuess
    ? [{ rank: 2 }, ...guessed.map((p) => ({ rank: 2, lower: p.name })).reverse(), { rank: 1 }, { rank: 0 }]
    : [{ rank: 2 }];
  return variants.map(({ rank: base, lower }) => {
    const inputs: ExportInput[] = present.map((p) => {
      const rank = p.name === lower ? base - 1 : base;
      const given = Object.hasOwn(shapes, p.name) ? shapes[p.name] : undefined;
      const dtype = given?.dtype ?? p.dtype ?? (intNames.has(p.name) ? 'int' : 'float');
      if (p.dtype && given?.dtype && given.dtype !== p.dtype) {
        throw new LossError(diag('LD3003', undefined, p.name, p.dtype, given.dtype));
      }
      if (given) return { name: p.name, dtype, dims: given.dims };
      const guess = GUESS_NAMES.slice(0, dtype === 'int' ? Math.max(rank - 1, 0) : rank);
      const declared = declaredDims(p.name);
      if (!declared) return { name: p.name, dtype, dims: guess };
      const fixed = declared.filter((d) => d.kind !== 'ellipsis').length;
      return {
        name: p.name,
        dtype,
        dims: declared.flatMap((d): DimSpec[] => (d.kind === 'fixed' ? [d.size] : d.kind === 'named' ? [d.name] : guess.slice(0, Math.max(rank - fixed, 0)))),
      };
    });
    const dimNames: string[] = [];
    for (const i of inputs) for (const d of i.dims) if (typeof d === 'string' && !dimNames.includes(d)) dimNames.push(d);
    if (dimNames.length > MAX_SYMBOLIC_DIMS) {
      throw new LossError(diag('LD2080', undefined, `an exported loss takes at most ${MAX_SYMBOLIC_DIMS} named dims (got ${dimNames.join(', ')})`));
    }
    return { inputs, dimNames };
  });
}

/** Parses a `--shape` value: `N,C`, `N,3`, `N:int`, `:int` (a scalar int) or `` (a scalar). */
export function parseShapeSpec(name: string, text: string): InputShapeSpec {
  const [dimsText, dtype, extra] = text.split(':');
  if (extra !== undefined || (dtype !== undefined && dtype !== 'int' && dtype !== 'float')) {
    throw new LossError(diag('LD2081', undefined, name, `a shape is written like N,C or N,C:int (got "${text}")`));
  }
  const dims = dimsText!.trim() === '' ? [] : dimsText!.split(',').map((d) => d.trim());
  const out: DimSpec[] = dims.map((d) => {
    if (/^[0-9]+$/.test(d)) return Number(d);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(d)) return d;
    throw new LossError(diag('LD2081', undefined, name, `a dim is a name or a size (got "${d}" in "${text}")`));
  });
  return dtype ? { dims: out, dtype: dtype as 'float' | 'int' } : { dims: out };
}
