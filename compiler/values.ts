// Values seen while lowering the AST: a tensor is an IR node; numbers, strings, booleans and
// lists are compile-time values (options, `dim=` arguments, named dims, folded arithmetic);
// a `def` is a closure inlined at each call.

import type { Def, LossDef, SourceUnit } from '../grammar/ast.js';
import type { Node } from './ir.js';

export type Value =
  | { kind: 'tensor'; node: Node }
  | { kind: 'num'; value: number; /** A size or product of sizes (symbolic when exporting). */ size?: boolean }
  | { kind: 'str'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'list'; items: Value[] }
  | { kind: 'fn'; def: Def; env: Env; fromPrelude: boolean }
  | { kind: 'loss'; def: LossDef; unit: SourceUnit; fromLibrary: boolean };

export const tensorV = (node: Node): Value => ({ kind: 'tensor', node });
export const numV = (value: number): Value => ({ kind: 'num', value });
/** A number that is a size: `size(x, 1)`, `numel(x)`, a named dim. */
export const sizeV = (value: number): Value => ({ kind: 'num', value, size: true });
export const strV = (value: string): Value => ({ kind: 'str', value });
export const boolV = (value: boolean): Value => ({ kind: 'bool', value });

export function describeValue(v: Value): string {
  switch (v.kind) {
    case 'tensor':
      return v.node.shape.length === 0 ? 'a scalar tensor' : `a tensor of shape [${v.node.shape.join(', ')}]`;
    case 'num':
      return `the number ${v.value}`;
    case 'str':
      return `the string ${JSON.stringify(v.value)}`;
    case 'bool':
      return `the boolean ${v.value}`;
    case 'list':
      return 'a list';
    case 'fn':
      return `the function ${v.def.name}`;
    case 'loss':
      return `the loss ${v.def.name}`;
  }
}

/** Lexical scope: a chain of name → value maps. */
export class Env {
  private readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Env) {}
  get(name: string): Value | undefined {
    // A loop, not recursion: a chain of 20,000 lets is a scope chain 20,000 deep.
    for (let env: Env | undefined = this; env; env = env.parent) if (env.vars.has(name)) return env.vars.get(name);
    return undefined;
  }
  set(name: string, v: Value): void {
    this.vars.set(name, v);
  }
  child(): Env {
    return new Env(this);
  }
}
