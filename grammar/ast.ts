// The abstract syntax tree the parser produces (grammar/parser.ts → grammar/astBuilder.ts).
// Plain immutable data with a source span on every node; no semantics here: names are not
// resolved, calls are not checked. The compiler lowers this to IR (compiler/lower.ts).

import type { Span } from './source.js';

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '@' | '^'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '&&' | '||';

export type UnaryOp = '-' | '!';

export type Expr =
  | { kind: 'num'; value: number; text: string; span: Span }
  | { kind: 'str'; value: string; span: Span }
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'name'; name: string; span: Span }
  | { kind: 'unary'; op: UnaryOp; operand: Expr; span: Span }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; opSpan: Span; span: Span }
  | { kind: 'call'; callee: string; calleeSpan: Span; args: Arg[]; span: Span }
  | { kind: 'index'; target: Expr; index: Expr; span: Span }
  | { kind: 'if'; cond: Expr; then: Expr; else: Expr; span: Span }
  | { kind: 'let'; bindings: LetBinding[]; body: Expr; span: Span }
  | { kind: 'list'; items: Expr[]; span: Span };

export interface Arg {
  name?: string; // keyword argument `name = value`
  nameSpan?: Span;
  value: Expr;
  span: Span;
}

export interface LetBinding {
  name: string;
  nameSpan: Span;
  value: Expr;
  span: Span;
}

export interface DefParam {
  name: string;
  default?: Expr;
  span: Span;
}

export interface Def {
  kind: 'def';
  name: string;
  nameSpan: Span;
  params: DefParam[];
  body: Expr;
  doc?: string; // the comment block directly above, without the leading '#'
  span: Span;
}

export type Dim =
  | { kind: 'named'; name: string; span: Span }
  | { kind: 'fixed'; size: number; span: Span }
  | { kind: 'ellipsis'; span: Span };

export interface TensorParam {
  name: string;
  dims?: Dim[]; // absent: any shape
  dtype?: 'float' | 'int';
  default?: Expr; // optional input: absent at the call, it is this constant, broadcast
  span: Span;
}

export interface OptionParam {
  name: string;
  default: Expr; // a compile-time constant expression
  span: Span;
}

export interface LossDef {
  kind: 'loss';
  name: string;
  nameSpan: Span;
  tensorParams: TensorParam[];
  options: OptionParam[];
  body: Expr;
  doc?: string;
  span: Span;
}

/**
 * A parsed source: `def`s and `loss`es in order, and, for a formula, the trailing expression.
 * A `.loss` file has no `body`; a formula (`compile("mean(x^2)")`) has one and may have defs.
 */
export interface SourceUnit {
  defs: Def[];
  losses: LossDef[];
  body?: Expr;
}
