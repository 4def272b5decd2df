// CST (grammar/parser.ts) → AST (grammar/ast.ts). Input: a CST parsed without errors, the token
// vector and the `comments` token group. Output: a SourceUnit with a Span on every node (a
// composite node covers all its tokens, parentheses included) plus the diagnostics only the
// builder can see (calls on non-names, chained comparisons, bad escapes, dims, dtypes, duplicate
// parameters and keyword arguments). Operator chains are folded in loops, never by recursion.

import type { CstNodeLocation, IToken } from 'chevrotain';
import type { Arg, BinaryOp, Def, DefParam, Dim, Expr, LetBinding, LossDef, OptionParam, SourceUnit, TensorParam, UnaryOp } from './ast.js';
import { diag } from './diagnostics.js';
import { Ellipsis, Name, UnterminatedString } from './lexer.js';
import {
  parser,
  tokenSpan,
  type AndExprCstChildren,
  type AdditiveCstChildren,
  type ArgCstChildren,
  type ComparisonCstChildren,
  type DefCstChildren,
  type DimCstChildren,
  type ExpressionCstChildren,
  type ICstNodeVisitor,
  type IfExprCstChildren,
  type LetBindingCstChildren,
  type LetExprCstChildren,
  type ListCstChildren,
  type LossCstChildren,
  type MultiplicativeCstChildren,
  type OptionParamCstChildren,
  type ParamCstChildren,
  type ParenExprCstChildren,
  type PostfixCstChildren,
  type PostfixOpCstChildren,
  type PowerCstChildren,
  type PrimaryCstChildren,
  type SourceCstChildren,
  type SourceCstNode,
  type TensorParamCstChildren,
  type UnaryCstChildren,
} from './parser.js';
import { joinSpans, type Diagnostic, type Span } from './source.js';

function spanOf(loc: CstNodeLocation | undefined): Span {
  if (!loc) return { start: 0, end: 0, line: 1, column: 1 };
  return {
    start: loc.startOffset,
    end: (loc.endOffset ?? loc.startOffset) + 1,
    line: loc.startLine ?? 1,
    column: loc.startColumn ?? 1,
  };
}

/** A CST node and its location, as the typed visitor methods take them. */
interface Node<C> {
  children: C;
  location?: CstNodeLocation;
}

/** Infix operator chain `lhs (op rhs)*` of one precedence level. */
interface Chain<C> {
  lhs: Node<C>[];
  rhs?: Node<C>[];
}

const BaseVisitor = parser.getBaseCstVisitorConstructor<CstNodeLocation | undefined, unknown>();

export interface BuildContext {
  tokens: IToken[];
  comments: IToken[];
  text: string;
}

class AstBuilder extends BaseVisitor implements ICstNodeVisitor<CstNodeLocation | undefined, unknown> {
  diagnostics: Diagnostic[] = [];
  private ctx: BuildContext = { tokens: [], comments: [], text: '' };
  private docIndex?: { commentByLine: Map<number, IToken>; firstTokenOfLine: Map<number, IToken> };

  constructor() {
    super();
    this.validateVisitor();
  }

  build(cst: SourceCstNode, ctx: BuildContext): { unit: SourceUnit; diagnostics: Diagnostic[] } {
    this.diagnostics = [];
    this.ctx = ctx;
    this.docIndex = undefined;
    const unit = this.source(cst.children);
    const diagnostics = this.diagnostics;
    this.diagnostics = [];
    this.ctx = { tokens: [], comments: [], text: '' };
    this.docIndex = undefined;
    return { unit, diagnostics };
  }

  private report(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  // --- definitions ---------------------------------------------------------------------------

  source(c: SourceCstChildren): SourceUnit {
    const unit: SourceUnit = {
      defs: (c.def ?? []).map((n) => this.def(n.children, n.location)),
      losses: (c.loss ?? []).map((n) => this.loss(n.children, n.location)),
    };
    const body = c.letExpr?.[0];
    if (body) unit.body = this.letExpr(body.children, body.location);
    return unit;
  }

  def(c: DefCstChildren, loc?: CstNodeLocation): Def {
    const nameTok = c.Name[0]!;
    const params = (c.param ?? []).map((n) => this.param(n.children, n.location));
    this.checkDistinct(nameTok.image, params);
    const body = c.body[0]!;
    const def: Def = {
      kind: 'def',
      name: nameTok.image,
      nameSpan: tokenSpan(nameTok),
      params,
      body: this.letExpr(body.children, body.location),
      span: spanOf(loc),
    };
    const doc = this.docFor(c.Def[0]!);
    if (doc !== undefined) def.doc = doc;
    return def;
  }

  param(c: ParamCstChildren, loc?: CstNodeLocation): DefParam {
    const p: DefParam = { name: c.Name[0]!.image, span: spanOf(loc) };
    const d = c.default?.[0];
    if (d) p.default = this.expr(d);
    return p;
  }

  loss(c: LossCstChildren, loc?: CstNodeLocation): LossDef {
    const nameTok = c.Name[0]!;
    const tensorParams = (c.tensorParam ?? []).map((n) => this.tensorParam(n.children, n.location));
    const options = (c.optionParam ?? []).map((n) => this.optionParam(n.children, n.location));
    this.checkDistinct(nameTok.image, [...tensorParams, ...options]);
    const body = c.body[0]!;
    const loss: LossDef = {
      kind: 'loss',
      name: nameTok.image,
      nameSpan: tokenSpan(nameTok),
      tensorParams,
      options,
      body: this.letExpr(body.children, body.location),
      span: spanOf(loc),
    };
    const doc = this.docFor(c.Loss[0]!);
    if (doc !== undefined) loss.doc = doc;
    return loss;
  }

  tensorParam(c: TensorParamCstChildren, loc?: CstNodeLocation): TensorParam {
    const name = c.name[0]!.image;
    const p: TensorParam = { name, span: spanOf(loc) };
    if (c.LBracket) {
      const dims = (c.dim ?? []).map((n) => this.dim(n.children, n.location));
      const ellipses = dims.filter((d) => d.kind === 'ellipsis');
      if (ellipses.length > 1) this.report(diag('LD1013', ellipses[1]!.span, name, ellipses.length));
      p.dims = dims;
    }
    const dtype = c.dtype?.[0];
    if (dtype) {
      if (dtype.image === 'float' || dtype.image === 'int') p.dtype = dtype.image;
      else this.report(diag('LD1010', tokenSpan(dtype), dtype.image));
    }
    const d = c.default?.[0];
    if (d) p.default = this.expr(d);
    return p;
  }

  dim(c: DimCstChildren, loc?: CstNodeLocation): Dim {
    const span = spanOf(loc);
    const tok = c.Name?.[0] ?? c.Number?.[0] ?? c.Ellipsis?.[0];
    if (!tok || tok.tokenType === Ellipsis) return { kind: 'ellipsis', span };
    if (tok.tokenType === Name) return { kind: 'named', name: tok.image, span };
    if (!/^\d+$/.test(tok.image)) this.report(diag('LD1009', span, tok.image));
    return { kind: 'fixed', size: Number(tok.image), span };
  }

  optionParam(c: OptionParamCstChildren, loc?: CstNodeLocation): OptionParam {
    return { name: c.Name[0]!.image, default: this.expr(c.default[0]!), span: spanOf(loc) };
  }

  private checkDistinct(owner: string, params: { name: string; span: Span }[]): void {
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name)) this.report(diag('LD1016', p.span, owner, p.name));
      seen.add(p.name);
    }
  }

  /** The run of whole-line `#` comments directly above `kw` (which must start its line). */
  private docFor(kw: IToken): string | undefined {
    if (this.ctx.comments.length === 0) return undefined;
    if (!this.docIndex) {
      const commentByLine = new Map<number, IToken>();
      for (const c of this.ctx.comments) commentByLine.set(c.startLine ?? 0, c);
      const firstTokenOfLine = new Map<number, IToken>();
      for (const t of this.ctx.tokens) {
        const line = t.startLine ?? 0;
        if (!firstTokenOfLine.has(line)) firstTokenOfLine.set(line, t);
      }
      this.docIndex = { commentByLine, firstTokenOfLine };
    }
    const { commentByLine, firstTokenOfLine } = this.docIndex;
    const kwLine = kw.startLine ?? 0;
    if (firstTokenOfLine.get(kwLine) !== kw) return undefined;
    const lines: string[] = [];
    for (let line = kwLine - 1; ; line--) {
      const c = commentByLine.get(line);
      if (!c || firstTokenOfLine.has(line)) break; // no comment, or code before it on that line
      const body = c.image.slice(1);
      lines.push(body.startsWith(' ') ? body.slice(1) : body);
    }
    return lines.length ? lines.reverse().join('\n') : undefined;
  }

  // --- expressions ---------------------------------------------------------------------------

  private expr(n: Node<ExpressionCstChildren>): Expr {
    return this.expression(n.children);
  }

  letExpr(c: LetExprCstChildren, loc?: CstNodeLocation): Expr {
    const body = this.expr(c.body[0]!);
    if (!c.letBinding) return body;
    const bindings = c.letBinding.map((n) => this.letBinding(n.children, n.location));
    return { kind: 'let', bindings, body, span: spanOf(loc) };
  }

  letBinding(c: LetBindingCstChildren, loc?: CstNodeLocation): LetBinding {
    const nameTok = c.Name[0]!;
    return { name: nameTok.image, nameSpan: tokenSpan(nameTok), value: this.expr(c.value[0]!), span: spanOf(loc) };
  }

  /** Folds `lhs (op rhs)*` left-associatively, in a loop (a 20,000-term sum is no problem). */
  private fold<C>(chain: Chain<C>, ops: IToken[] | undefined, sub: (n: Node<C>) => Expr): Expr {
    let acc = sub(chain.lhs[0]!);
    const rhs = chain.rhs;
    if (!rhs || !ops) return acc;
    for (let i = 0; i < rhs.length; i++) {
      const right = sub(rhs[i]!);
      const op = ops[i]!;
      acc = {
        kind: 'binary',
        op: op.image as BinaryOp,
        left: acc,
        right,
        opSpan: tokenSpan(op),
        span: joinSpans(acc.span, right.span),
      };
    }
    return acc;
  }

  expression(c: ExpressionCstChildren): Expr {
    return this.fold(c, c.OrOr, (n) => this.andExpr(n.children));
  }

  andExpr(c: AndExprCstChildren): Expr {
    return this.fold(c, c.AndAnd, (n) => this.comparison(n.children));
  }

  comparison(c: ComparisonCstChildren): Expr {
    const ops = c.ComparisonOp;
    if (ops && ops.length > 1) {
      const first = c.lhs[0]!.location;
      const firstEnd = c.rhs![0]!.location;
      const text = first && firstEnd ? this.ctx.text.slice(first.startOffset, (firstEnd.endOffset ?? 0) + 1) : ops[0]!.image;
      this.report(diag('LD1008', tokenSpan(ops[1]!), text, ops[1]!.image));
    }
    return this.fold(c, ops, (n) => this.additive(n.children));
  }

  additive(c: AdditiveCstChildren): Expr {
    return this.fold(c, c.AdditiveOp, (n) => this.multiplicative(n.children));
  }

  multiplicative(c: MultiplicativeCstChildren): Expr {
    return this.fold(c, c.MultiplicativeOp, (n) => this.unary(n.children));
  }

  unary(c: UnaryCstChildren): Expr {
    const inner = c.ifExpr?.[0];
    const pw = c.power?.[0];
    let acc: Expr = inner ? this.ifExpr(inner.children, inner.location) : this.power(pw!.children);
    const ops = c.PrefixOp ?? [];
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      acc = { kind: 'unary', op: op.image as UnaryOp, operand: acc, span: joinSpans(tokenSpan(op), acc.span) };
    }
    return acc;
  }

  ifExpr(c: IfExprCstChildren, loc?: CstNodeLocation): Expr {
    return { kind: 'if', cond: this.expr(c.cond[0]!), then: this.expr(c.then[0]!), else: this.expr(c.else[0]!), span: spanOf(loc) };
  }

  power(c: PowerCstChildren): Expr {
    const base = this.postfix(c.base[0]!.children);
    const e = c.exponent?.[0];
    const caret = c.Caret?.[0];
    if (!e || !caret) return base;
    const exponent = this.unary(e.children);
    return { kind: 'binary', op: '^', left: base, right: exponent, opSpan: tokenSpan(caret), span: joinSpans(base.span, exponent.span) };
  }

  postfix(c: PostfixCstChildren): Expr {
    const p = c.primary[0]!;
    let acc = this.primary(p.children, p.location);
    let parenthesized = p.children.parenExpr !== undefined;
    for (const op of c.postfixOp ?? []) {
      const span = joinSpans(acc.span, spanOf(op.location));
      const o = op.children;
      if (o.LParen) {
        const args = this.postfixOp(o);
        if (acc.kind !== 'name' || parenthesized) {
          this.report(diag('LD1007', acc.span, describe(acc, parenthesized)));
        }
        acc = {
          kind: 'call',
          callee: acc.kind === 'name' ? acc.name : '',
          calleeSpan: acc.span,
          args,
          span,
        };
      } else {
        acc = { kind: 'index', target: acc, index: this.expr(o.index![0]!), span };
      }
      parenthesized = false;
    }
    return acc;
  }

  /** The arguments of a call suffix (an index suffix is handled in `postfix`). */
  postfixOp(c: PostfixOpCstChildren): Arg[] {
    const args = (c.arg ?? []).map((n) => this.arg(n.children, n.location));
    let keyword: string | undefined;
    const seen = new Set<string>();
    for (const a of args) {
      if (a.name === undefined) {
        if (keyword !== undefined) this.report(diag('LD1014', a.span, keyword));
      } else {
        if (seen.has(a.name)) this.report(diag('LD1015', a.nameSpan ?? a.span, a.name));
        seen.add(a.name);
        keyword = a.name;
      }
    }
    return args;
  }

  arg(c: ArgCstChildren, loc?: CstNodeLocation): Arg {
    const a: Arg = { value: this.expr(c.value![0]!), span: spanOf(loc) };
    const kw = c.keyword?.[0];
    if (kw) {
      a.name = kw.image;
      a.nameSpan = tokenSpan(kw);
    }
    return a;
  }

  primary(c: PrimaryCstChildren, loc?: CstNodeLocation): Expr {
    const span = spanOf(loc);
    let tok: IToken | undefined;
    if ((tok = c.Number?.[0])) {
      const value = Number(tok.image);
      if (!Number.isFinite(value)) this.report(diag('LD1012', span, tok.image));
      return { kind: 'num', value, text: tok.image, span };
    }
    if ((tok = c.StringLit?.[0])) return { kind: 'str', value: this.decodeString(tok), span };
    if (c.True) return { kind: 'bool', value: true, span };
    if (c.False) return { kind: 'bool', value: false, span };
    if ((tok = c.Name?.[0])) return { kind: 'name', name: tok.image, span };
    const paren = c.parenExpr?.[0];
    if (paren) return this.parenExpr(paren.children, paren.location);
    const list = c.list![0]!;
    return this.list(list.children, list.location);
  }

  /** `( letExpr )`: the inner node, its span widened to the parentheses. */
  parenExpr(c: ParenExprCstChildren, loc?: CstNodeLocation): Expr {
    const inner = c.letExpr[0]!;
    return { ...this.letExpr(inner.children, inner.location), span: spanOf(loc) };
  }

  list(c: ListCstChildren, loc?: CstNodeLocation): Expr {
    return { kind: 'list', items: (c.items ?? []).map((n) => this.expr(n)), span: spanOf(loc) };
  }

  private decodeString(tok: IToken): string {
    const raw = tok.image;
    const terminated = tok.tokenType !== UnterminatedString;
    const body = raw.slice(1, terminated ? -1 : raw.length);
    if (!body.includes('\\')) return body;
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const ch = body[i]!;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const e = body[i + 1];
      const at = tok.startOffset + 1 + i;
      const escSpan = (len: number): Span => ({
        start: at,
        end: at + len,
        line: tok.startLine ?? 1,
        column: (tok.startColumn ?? 1) + 1 + i,
      });
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          const hex = body.slice(i + 2, i + 6);
          if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
          } else if (terminated) {
            this.report(diag('LD1006', escSpan(2 + hex.replace(/[^0-9A-Fa-f].*$/, '').length), `\\u${hex}`));
          }
          break;
        }
        default:
          if (e === undefined) break; // a lone '\' at the end of an unterminated string
          if (terminated) this.report(diag('LD1006', escSpan(2), `\\${e}`));
          out += e;
      }
      i++;
    }
    return out;
  }
}

/** How LD1007 names what stood before '(' instead of a function name. */
function describe(e: Expr, parenthesized: boolean): string {
  if (parenthesized) return 'a parenthesized expression';
  switch (e.kind) {
    case 'call': return 'the result of a call';
    case 'index': return 'an indexed value';
    case 'num': return `the number ${e.text}`;
    case 'str': return 'a string';
    case 'bool': return `'${e.value}'`;
    case 'list': return 'a list';
    default: return 'an expression';
  }
}

const builder = new AstBuilder();

/** Builds the AST of a CST that parsed without errors. */
export function buildAst(cst: SourceCstNode, ctx: BuildContext): { unit: SourceUnit; diagnostics: Diagnostic[] } {
  return builder.build(cst, ctx);
}

