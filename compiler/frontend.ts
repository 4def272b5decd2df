// The front of every compilation: parse the source, choose the loss (or the formula), check
// the options against its declaration and list its tensor inputs. Shared by the JIT
// (runtime/compiled.ts) and compile-time export (compiler/export/), so both accept exactly the
// same sources and options and report the same errors.

import type { Expr, LossDef, SourceUnit } from '../grammar/ast.js';
import { parseSource } from '../grammar/index.js';
import { LossError } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import { checkLoss, resolveInputs } from './resolve.js';
import type { OptionValue } from './lower.js';

export interface ParamInfo {
  name: string;
  /** Declared dtype (`target: int`); undefined when the declaration leaves it open. */
  dtype?: 'float' | 'int';
  /** A tensor parameter with a default (`weight = 1`): the caller may leave it out. */
  optional: boolean;
}

export interface FrontEnd {
  unit: SourceUnit;
  /** The chosen `loss`; undefined for a formula. */
  lossDef?: LossDef;
  name: string;
  params: ParamInfo[];
  options: Record<string, OptionValue>;
}

export function frontEnd(text: string, sourceName: string, loss: string | undefined, params: Record<string, unknown>): FrontEnd {
  const unit = parseSource(text, sourceName);
  const options: Record<string, OptionValue> = { ...params } as Record<string, OptionValue>;
  for (const [k, v] of Object.entries(options)) {
    if (!['number', 'string', 'boolean'].includes(typeof v)) throw new LossError(diag('LD2042', undefined, k, 'a number, string or boolean'));
  }
  const names = () => unit.losses.map((l) => l.name).join(', ') || 'none';
  if (unit.body && loss !== undefined && !unit.losses.some((l) => l.name === loss)) throw new LossError(diag('LD2040', undefined, loss, names()));
  const chosen = loss !== undefined ? unit.losses.find((l) => l.name === loss) : unit.body ? undefined : unit.losses[0];
  if (loss !== undefined && !chosen) throw new LossError(diag('LD2040', undefined, loss, names()));
  if (!chosen && !unit.body) throw new LossError(diag('LD2044', undefined, 'the source defines no loss and has no formula'));
  if (chosen && unit.losses.length > 1 && loss === undefined) throw new LossError(diag('LD2040', chosen.nameSpan, '(none chosen)', names()));
  if (chosen) {
    checkLoss(unit, chosen);
    const optionNames = new Set(chosen.options.map((o) => o.name));
    for (const k of Object.keys(options)) {
      if (!optionNames.has(k)) throw new LossError(diag('LD2041', chosen.nameSpan, k, chosen.name, [...optionNames].join(', ') || 'none'));
    }
    const ps = chosen.tensorParams.map((p) => ({ name: p.name, dtype: p.dtype, optional: p.default !== undefined }));
    return { unit, lossDef: chosen, name: chosen.name, params: ps, options };
  }
  const free = resolveInputs(unit, unit.body!, Object.keys(options));
  return { unit, name: 'formula', params: free.map((name) => ({ name, optional: false })), options };
}

/** Names a formula uses as integer indices: pick's index, onehot's argument, x[idx]. */
export function indexInputs(body: Expr): Set<string> {
  const out = new Set<string>();
  const visit = (e: Expr): void => {
    if (e.kind === 'index' && e.index.kind === 'name') out.add(e.index.name);
    if (e.kind === 'call') {
      const pos = e.args.filter((a) => !a.name).map((a) => a.value);
      const idx = e.callee === 'pick' ? pos[1] ?? e.args.find((a) => a.name === 'index')?.value : e.callee === 'onehot' ? pos[0] : undefined;
      if (idx?.kind === 'name') out.add(idx.name);
    }
    for (const c of children(e)) visit(c);
  };
  visit(body);
  return out;
}

function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'call':
      return e.args.map((a) => a.value);
    case 'index':
      return [e.target, e.index];
    case 'if':
      return [e.cond, e.then, e.else];
    case 'let':
      return [...e.bindings.map((b) => b.value), e.body];
    case 'list':
      return e.items;
    default:
      return [];
  }
}
