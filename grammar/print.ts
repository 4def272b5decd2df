// AST → canonical source text. Input: any Expr (from the parser or built by later stages).
// Output: text that parses back to a structurally equal Expr (spans aside), with parentheses
// only where precedence requires them (or around every compound operand with `fullParens`,
// which tests use to show structure). Left-leaning operator and index chains are printed in
// loops, so a 20,000-term sum does not recurse 20,000 deep.

import type { BinaryOp, Expr } from './ast.js';

export interface PrintOptions {
  /** Parenthesize every compound operand: `-x^2` prints as `-(x ^ 2)`, `a-b-c` as `(a - b) - c`. */
  fullParens?: boolean;
}

// Binding strength, loosest first. `if` binds like a whole expression; `let` only at the top,
// in parentheses, or as a let body.
const LET = 0;
const IF = 1;
const UNARY = 7;
const POWER = 8;
const POSTFIX = 9;
const ATOM = 10;

const binaryPrec: Record<BinaryOp, number> = {
  '||': 2,
  '&&': 3,
  '==': 4,
  '!=': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '@': 6,
  '^': POWER,
};
const COMPARISON = 4;

const NUMBER_TEXT = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function numberText(e: Extract<Expr, { kind: 'num' }>): string {
  if (NUMBER_TEXT.test(e.text) && Number(e.text) === e.value) return e.text;
  if (Number.isNaN(e.value)) return '(0 / 0)';
  if (!Number.isFinite(e.value)) return e.value > 0 ? '(1 / 0)' : '(-1 / 0)';
  return Object.is(e.value, -0) ? '-0' : String(e.value);
}

function precOf(e: Expr): number {
  switch (e.kind) {
    case 'let':
      return LET;
    case 'if':
      return IF;
    case 'binary':
      return binaryPrec[e.op];
    case 'unary':
      return UNARY;
    case 'num': {
      return numberText(e).startsWith('-') ? UNARY : ATOM;
    }
    case 'call':
    case 'index':
      return POSTFIX;
    default:
      return ATOM;
  }
}

class Printer {
  constructor(private readonly full: boolean) {}

  /** `e` where at least binding strength `min` is needed without parentheses. */
  at(e: Expr, min: number): string {
    const p = precOf(e);
    // `if` and `let` as operands are always parenthesized: their last part extends to the right.
    const compoundOperand = min > IF && (e.kind === 'if' || e.kind === 'let');
    const fullWrap = this.full && min > IF && (e.kind === 'binary' || e.kind === 'unary' || p === UNARY);
    if (p < min || compoundOperand || fullWrap) return `(${this.print(e)})`;
    return this.print(e);
  }

  /** A part of an `if`: any expression; with `fullParens`, compound ones in parentheses. */
  private part(e: Expr): string {
    if (this.full && (e.kind === 'binary' || e.kind === 'unary')) return `(${this.print(e)})`;
    return this.at(e, IF);
  }

  /** `e` itself, at the top of its context. */
  print(e: Expr): string {
    switch (e.kind) {
      case 'num':
        return numberText(e);
      case 'str':
        return JSON.stringify(e.value);
      case 'bool':
        return e.value ? 'true' : 'false';
      case 'name':
        return e.name;
      case 'list':
        return `[${e.items.map((x) => this.at(x, IF)).join(', ')}]`;
      case 'call':
        return `${e.callee}(${e.args.map((a) => (a.name !== undefined ? `${a.name}=` : '') + this.at(a.value, IF)).join(', ')})`;
      case 'index': {
        // a[i][j]…: walk down the chain of targets instead of recursing
        const suffixes: string[] = [];
        let cur: Expr = e;
        while (cur.kind === 'index') {
          suffixes.push(`[${this.at(cur.index, IF)}]`);
          cur = cur.target;
        }
        return this.at(cur, POSTFIX) + suffixes.reverse().join('');
      }
      case 'unary': {
        let ops = '';
        let cur: Expr = e;
        while (cur.kind === 'unary' && !(this.full && ops.length > 0)) {
          ops += cur.op;
          cur = cur.operand;
        }
        return ops + this.at(cur, UNARY);
      }
      case 'binary':
        return this.binary(e);
      case 'if':
        return `if ${this.part(e.cond)} then ${this.part(e.then)} else ${this.part(e.else)}`;
      case 'let': {
        const lines = e.bindings.map((b) => `let ${b.name} = ${this.at(b.value, IF)}`);
        // A nested let as the body keeps its parentheses (else it would merge into this one);
        // a body starting with '-' would continue the last value as a subtraction.
        let body = this.at(e.body, e.body.kind === 'let' ? IF : LET);
        if (body.startsWith('-')) body = `(${body})`;
        lines.push(body);
        return lines.join('\n');
      }
    }
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): string {
    const p = binaryPrec[e.op];
    if (e.op === '^') return `${this.at(e.left, POSTFIX)} ^ ${this.at(e.right, UNARY)}`;
    if (p === COMPARISON) return `${this.at(e.left, p + 1)} ${e.op} ${this.at(e.right, p + 1)}`;
    // Left-associative: the left spine of same-precedence operators is one flat run.
    const spine: Extract<Expr, { kind: 'binary' }>[] = [];
    let cur: Expr = e;
    while (cur.kind === 'binary' && binaryPrec[cur.op] === p && (spine.length === 0 || !this.full)) {
      spine.push(cur);
      cur = cur.left;
    }
    let s = this.at(cur, p);
    for (let i = spine.length - 1; i >= 0; i--) {
      const node = spine[i]!;
      s += ` ${node.op} ${this.at(node.right, p + 1)}`;
    }
    return s;
  }
}

const minimal = new Printer(false);
const full = new Printer(true);

/** Canonical source text of `e`; `parse(printExpr(e))` is structurally equal to `e`. */
export function printExpr(e: Expr, options: PrintOptions = {}): string {
  return (options.fullParens ? full : minimal).print(e);
}
