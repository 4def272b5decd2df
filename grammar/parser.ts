// The grammar of the loss language as a Chevrotain CstParser ("pure grammar": no actions; the
// CST goes to grammar/astBuilder.ts). Input: the token vector of grammar/lexer.ts. Output: a CST
// and `errors` (recovery on, so one typo does not hide the next). Precedence is rule nesting,
// loosest first: || , && , comparison (non-associative: a chain is reported by the builder),
// + - , * / @ , prefix - ! (and `if`), ^ (right-assoc), postfix call/index, primary.
// Also here: the nesting guard run before parsing (recursive descent must not overflow the
// stack) and the translation of Chevrotain's errors into LD1xxx diagnostics.

import {
  CstParser,
  EOF,
  tokenMatcher,
  type CstNode,
  type ICstVisitor,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type IToken,
  type TokenType,
} from 'chevrotain';
import {
  AdditiveOp,
  allTokens,
  AndAnd,
  Assign,
  Caret,
  Colon,
  Comma,
  ComparisonOp,
  Def,
  Ellipsis,
  Else,
  False,
  If,
  LBracket,
  Let,
  Loss,
  LParen,
  MultiplicativeOp,
  Name,
  NumberLit,
  OrOr,
  PrefixOp,
  RBracket,
  RParen,
  Semicolon,
  StringLit,
  Then,
  True,
  Minus,
  Bang,
} from './lexer.js';
import { diag } from './diagnostics.js';
import { positionAt, type Diagnostic, type Span } from './source.js';

// ---------------------------------------------------------------------------------------------
// Error messages: Chevrotain builds them while parsing; we only record what is needed to write
// a friendly one afterwards (with the token vector at hand), as JSON in the exception message.

interface ErrorInfo {
  kind: 'mismatch' | 'noViableAlt' | 'notAllInput' | 'earlyExit';
  expected?: string; // token type name, for 'mismatch'
  rule?: string;
}

const errorInfoProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    JSON.stringify({ kind: 'mismatch', expected: expected.name, rule: ruleName } satisfies ErrorInfo),
  buildNotAllInputParsedMessage: ({ ruleName }) =>
    JSON.stringify({ kind: 'notAllInput', rule: ruleName } satisfies ErrorInfo),
  buildNoViableAltMessage: ({ ruleName }) =>
    JSON.stringify({ kind: 'noViableAlt', rule: ruleName } satisfies ErrorInfo),
  buildEarlyExitMessage: ({ ruleName }) =>
    JSON.stringify({ kind: 'earlyExit', rule: ruleName } satisfies ErrorInfo),
};

// ---------------------------------------------------------------------------------------------
// The parser

export class LossParser extends CstParser {
  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 2,
      errorMessageProvider: errorInfoProvider,
    });
    this.performSelfAnalysis();
  }

  /** source := (def | loss)* letExpr?   — a `.loss` file, or a formula (defs + expression) */
  public source = this.RULE('source', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.def) }, { ALT: () => this.SUBRULE(this.loss) }]);
    });
    this.OPTION(() => this.SUBRULE(this.letExpr));
  });

  /** def := 'def' NAME '(' (param (',' param)*)? ')' '=' letExpr */
  public def = this.RULE('def', () => {
    this.CONSUME(Def);
    this.CONSUME(Name);
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(RParen);
    this.CONSUME(Assign);
    this.SUBRULE(this.letExpr, { LABEL: 'body' });
  });

  /** param := NAME ('=' expr)? */
  public param = this.RULE('param', () => {
    this.CONSUME(Name);
    this.OPTION(() => {
      this.CONSUME(Assign);
      this.SUBRULE(this.expression, { LABEL: 'default' });
    });
  });

  /** loss := 'loss' NAME '(' (tparam (',' tparam)*)? (';' (oparam (',' oparam)*)?)? ')' '=' letExpr */
  public loss = this.RULE('loss', () => {
    this.CONSUME(Loss);
    this.CONSUME(Name);
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.tensorParam) });
    this.OPTION(() => {
      this.CONSUME(Semicolon);
      this.MANY_SEP2({ SEP: Comma, DEF: () => this.SUBRULE(this.optionParam) });
    });
    this.CONSUME(RParen);
    this.CONSUME(Assign);
    this.SUBRULE(this.letExpr, { LABEL: 'body' });
  });

  /** tparam := NAME ('[' (dim (',' dim)*)? ']')? (':' NAME)? ('=' expr)?   (`x[]`: a scalar) */
  public tensorParam = this.RULE('tensorParam', () => {
    this.CONSUME(Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(LBracket);
      this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.dim) });
      this.CONSUME(RBracket);
    });
    this.OPTION2(() => {
      this.CONSUME(Colon);
      this.CONSUME2(Name, { LABEL: 'dtype' }); // 'float' | 'int', checked by the builder
    });
    this.OPTION3(() => {
      this.CONSUME(Assign);
      this.SUBRULE(this.expression, { LABEL: 'default' });
    });
  });

  /** dim := NAME | INT | '...' */
  public dim = this.RULE('dim', () => {
    this.OR([
      { ALT: () => this.CONSUME(Name) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(Ellipsis) },
    ]);
  });

  /** oparam := NAME '=' expr   (a compile-time constant; checked by the compiler) */
  public optionParam = this.RULE('optionParam', () => {
    this.CONSUME(Name);
    this.CONSUME(Assign);
    this.SUBRULE(this.expression, { LABEL: 'default' });
  });

  /** letExpr := ('let' NAME '=' expr)* expr */
  public letExpr = this.RULE('letExpr', () => {
    this.MANY(() => this.SUBRULE(this.letBinding));
    this.SUBRULE(this.expression, { LABEL: 'body' });
  });

  public letBinding = this.RULE('letBinding', () => {
    const let_ = this.CONSUME(Let);
    this.CONSUME(Name);
    this.CONSUME(Assign);
    this.ACTION(() => this.offside.push(let_.startColumn ?? 0));
    this.SUBRULE(this.expression, { LABEL: 'value' });
    this.ACTION(() => this.offside.pop());
  });

  /**
   * Layout rule for `let`: newlines are whitespace, so in
   *     let a = x
   *     -mean(a)
   * the `-` could continue `x - mean(a)` or start the body `-mean(a)`. A '+' or '-' that begins
   * a line at or left of the column of the enclosing `let` ends the binding (the body is
   * written under the `let`); indented further, it continues the value. Inside brackets the
   * rule is off. The stack holds the enclosing `let` columns, -1 for a bracket.
   */
  offside: number[] = [];
  private continuesLine(): boolean {
    const op = this.LA(1);
    if (op.startLine === this.LA(0).endLine) return true;
    const col = this.offside[this.offside.length - 1];
    return col === undefined || col < 0 || (op.startColumn ?? 0) > col;
  }

  /** expr := and ('||' and)* */
  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(OrOr);
      this.SUBRULE2(this.andExpr, { LABEL: 'rhs' });
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.comparison, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(AndAnd);
      this.SUBRULE2(this.comparison, { LABEL: 'rhs' });
    });
  });

  /** Parsed as a chain so that `a < b < c` gets a precise message (LD1008) from the builder. */
  public comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.additive, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(ComparisonOp);
      this.SUBRULE2(this.additive, { LABEL: 'rhs' });
    });
  });

  public additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'lhs' });
    this.MANY({
      GATE: () => this.continuesLine(),
      DEF: () => {
        this.CONSUME(AdditiveOp);
        this.SUBRULE2(this.multiplicative, { LABEL: 'rhs' });
      },
    });
  });

  public multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'lhs' });
    this.MANY(() => {
      this.CONSUME(MultiplicativeOp);
      this.SUBRULE2(this.unary, { LABEL: 'rhs' });
    });
  });

  /**
   * unary := ('-' | '!')* (ifExpr | power). A run of prefix operators is a repetition, not
   * recursion. `if` sits here too, so `x * if c then a else b` parses (its `else` extends as
   * far right as possible); the language reference only allows `if` as a whole expression.
   */
  public unary = this.RULE('unary', () => {
    this.MANY(() => this.CONSUME(PrefixOp));
    this.OR([
      { ALT: () => this.SUBRULE(this.ifExpr) },
      { ALT: () => this.SUBRULE(this.power) },
    ]);
  });

  public ifExpr = this.RULE('ifExpr', () => {
    this.CONSUME(If);
    this.SUBRULE(this.expression, { LABEL: 'cond' });
    this.CONSUME(Then);
    this.SUBRULE2(this.expression, { LABEL: 'then' });
    this.CONSUME(Else);
    this.SUBRULE3(this.expression, { LABEL: 'else' });
  });

  /** power := postfix ('^' unary)?   — right-assoc; `-x^2` is `-(x^2)`, `2^-1` is `2^(-1)` */
  public power = this.RULE('power', () => {
    this.SUBRULE(this.postfix, { LABEL: 'base' });
    this.OPTION(() => {
      this.CONSUME(Caret);
      this.SUBRULE(this.unary, { LABEL: 'exponent' });
    });
  });

  /**
   * postfix := primary ('(' args ')' | '[' expr ']')*. A '(' or '[' that starts a new line does
   * not continue the expression: it begins the next one (`let v = f(x)⏎(v + 1)^2`, or a def
   * body followed by a formula in parentheses).
   */
  public postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY({
      GATE: () => this.LA(1).startLine === this.LA(0).endLine,
      DEF: () => this.SUBRULE(this.postfixOp),
    });
  });

  public postfixOp = this.RULE('postfixOp', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.ACTION(() => this.offside.push(-1));
          this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.arg) });
          this.ACTION(() => this.offside.pop());
          this.CONSUME(RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(LBracket);
          this.ACTION(() => this.offside.push(-1));
          this.SUBRULE(this.expression, { LABEL: 'index' });
          this.ACTION(() => this.offside.pop());
          this.CONSUME(RBracket);
        },
      },
    ]);
  });

  /** arg := NAME '=' expr | expr */
  public arg = this.RULE('arg', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Name, { LABEL: 'keyword' });
          this.CONSUME(Assign);
          this.SUBRULE(this.expression, { LABEL: 'value' });
        },
      },
      { ALT: () => this.SUBRULE2(this.expression, { LABEL: 'value' }) },
    ]);
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.CONSUME(Name) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.list) },
    ]);
  });

  public parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(LParen);
    this.ACTION(() => this.offside.push(-1));
    this.SUBRULE(this.letExpr);
    this.ACTION(() => this.offside.pop());
    this.CONSUME(RParen);
  });

  public list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.ACTION(() => this.offside.push(-1));
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'items' }) });
    this.ACTION(() => this.offside.pop());
    this.CONSUME(RBracket);
  });
}

/** The one parser instance (grammar analysis is done once, at module load). */
export const parser = new LossParser();

/** Parses a token vector into a CST; `parser.errors` holds what went wrong. */
export function parseTokens(tokens: IToken[]): SourceCstNode {
  parser.offside = [];
  parser.input = tokens;
  return parser.source() as SourceCstNode;
}

// ---------------------------------------------------------------------------------------------
// Nesting guard. Chevrotain is recursive descent: every '(' or '[' costs a dozen rule frames
// (about 6 KB of stack in cold code: a default Node stack overflows near 150 levels), and each
// `^`, `if` or prefix operator nests the AST one level deeper for every later pass. Before
// parsing, scan the tokens and bound the nesting: brackets open, plus the chain of `^`/prefix
// operators and `if`s still open inside the innermost bracket. `^`/prefix chains close at any
// other binary operator; `if`s only at the end of the bracket level or a separator (`,` `;` `=`
// `let`). The estimate is an upper bound; past MAX_NESTING the source is refused with LD1005 at
// the token that went too deep. A flat `a + b + c …` never nests and has no limit.

export const MAX_NESTING = 64;

export function checkNesting(tokens: IToken[], limit = MAX_NESTING): Diagnostic | undefined {
  const frames: number[] = []; // per open bracket: chain.length when it opened
  const chain: ('u' | 'if')[] = []; // open `^` / prefix operators ('u') and `if`s, innermost last
  let prev: IToken | undefined;
  for (const tok of tokens) {
    const t = tok.tokenType;
    let opened = false;
    if (t === LParen || t === LBracket) {
      frames.push(chain.length);
      opened = true;
    } else if (t === RParen || t === RBracket) {
      const base = frames.pop();
      if (base !== undefined) chain.length = base;
    } else if (t === Comma || t === Semicolon || t === Assign || t === Let || t === Def || t === Loss) {
      chain.length = frames.length ? frames[frames.length - 1]! : 0;
    } else if (t === If) {
      chain.push('if');
      opened = true;
    } else if (t === Then || t === Else) {
      popUnary(chain, frames);
    } else if (t === Caret || t === Bang || (t === Minus && !endsOperand(prev))) {
      chain.push('u');
      opened = true;
    } else if (
      tokenMatcher(tok, AdditiveOp) ||
      tokenMatcher(tok, MultiplicativeOp) ||
      tokenMatcher(tok, ComparisonOp) ||
      t === AndAnd ||
      t === OrOr
    ) {
      popUnary(chain, frames);
    }
    if (opened && frames.length + chain.length > limit) return diag('LD1005', tokenSpan(tok), limit);
    prev = tok;
  }
  return undefined;
}

function popUnary(chain: ('u' | 'if')[], frames: number[]): void {
  const base = frames.length ? frames[frames.length - 1]! : 0;
  while (chain.length > base && chain[chain.length - 1] === 'u') chain.pop();
}

/** Whether a '-' after `prev` is binary (prev ends an operand) rather than prefix. */
function endsOperand(prev: IToken | undefined): boolean {
  if (!prev) return false;
  const t = prev.tokenType;
  return (
    t === Name || t === NumberLit || tokenMatcher(prev, StringLit) || t === True || t === False || t === RParen || t === RBracket
  );
}

// ---------------------------------------------------------------------------------------------
// Spans and error translation

export function tokenSpan(tok: IToken): Span {
  return {
    start: tok.startOffset,
    end: (tok.endOffset ?? tok.startOffset + tok.image.length - 1) + 1,
    line: tok.startLine ?? 1,
    column: tok.startColumn ?? 1,
  };
}

/** An empty span just after the last token (where "end of input" is reported). */
export function endSpan(tokens: IToken[], text: string): Span {
  const last = tokens[tokens.length - 1];
  const at = last ? (last.endOffset ?? last.startOffset) + 1 : text.length;
  const { line, column } = positionAt(text, at);
  return { start: at, end: at, line, column };
}

function isEof(tok: IToken | undefined): boolean {
  return !tok || tok.tokenType === EOF || Number.isNaN(tok.startOffset);
}

function quote(image: string): string {
  return `'${image}'`;
}

/** The innermost bracket of kind `opener` still open just before token index `idx`. */
function openBracket(tokens: IToken[], idx: number, opener: TokenType): IToken | undefined {
  const stack: IToken[] = [];
  for (let i = 0; i < idx; i++) {
    const t = tokens[i]!.tokenType;
    if (t === LParen || t === LBracket) stack.push(tokens[i]!);
    else if (t === RParen || t === RBracket) {
      const closes = t === RParen ? LParen : LBracket;
      for (let j = stack.length - 1; j >= 0; j--) {
        if (stack[j]!.tokenType === closes) {
          stack.length = j;
          break;
        }
      }
    }
  }
  for (let j = stack.length - 1; j >= 0; j--) if (stack[j]!.tokenType === opener) return stack[j];
  return undefined;
}

const tokenTypesByName = new Map(allTokens.map((t) => [t.name, t]));

function labelOf(t: TokenType | undefined, fallback: string): string {
  return t?.LABEL ?? fallback;
}

/** Turns the parser's errors into LD1003/LD1004 diagnostics, in source order, one per place. */
export function parseErrorsToDiagnostics(
  errors: readonly IRecognitionException[],
  tokens: IToken[],
  text: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  let lastIdx = -2;
  for (const e of errors) {
    let info: ErrorInfo;
    try {
      info = JSON.parse(e.message) as ErrorInfo;
    } catch {
      info = { kind: 'noViableAlt' };
    }
    const found = e.token;
    const eof = isEof(found);
    const idx = eof ? tokens.length : indexOfToken(tokens, found);
    // An error at or right after the previous one is its echo (recovery resuming mid-phrase).
    if (idx <= lastIdx + 1) continue;
    lastIdx = idx;
    const prevTok = (e as { previousToken?: IToken }).previousToken;
    const expected = describeExpected(info, isEof(prevTok) ? undefined : prevTok, tokens, idx);
    const span = eof ? endSpan(tokens, text) : tokenSpan(found);
    out.push(eof ? diag('LD1004', span, expected) : diag('LD1003', span, expected, quote(found.image)));
  }
  return out;
}

/** Index of `tok` in the (offset-ordered) token vector; tokens.length if it is not there. */
function indexOfToken(tokens: IToken[], tok: IToken): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid]!;
    if (t === tok) return mid;
    if (t.startOffset < tok.startOffset) lo = mid + 1;
    else hi = mid - 1;
  }
  return tokens.length;
}

function describeExpected(info: ErrorInfo, prev: IToken | undefined, tokens: IToken[], idx: number): string {
  const after = prev ? ` after ${quote(prev.image)}` : '';
  switch (info.kind) {
    case 'notAllInput':
      return 'an operator or end of input';
    case 'noViableAlt':
    case 'earlyExit':
      if (info.rule === 'dim') return "a dimension (a name, an integer or '...')";
      if (info.rule === 'source') return "'def', 'loss' or an expression";
      if (prev && endsOperand(prev)) return 'an expression (the result, after the last binding)';
      return `an expression${after}`;
    case 'mismatch': {
      const t = tokenTypesByName.get(info.expected ?? '');
      if (t === RParen || t === RBracket) {
        const opener = openBracket(tokens, idx, t === RParen ? LParen : LBracket);
        const close = labelOf(t, "')'");
        if (!opener) return close;
        const where = `${quote(opener.image)} at ${opener.startLine}:${opener.startColumn}`;
        const inList = info.rule === 'list' || info.rule === 'def' || info.rule === 'loss' ||
          (info.rule === 'postfixOp' && t === RParen);
        const sep = inList && prev !== opener ? `',' or ` : '';
        return `${sep}${close} to close ${where}`;
      }
      if (t === Name && info.rule === 'tensorParam' && prev?.tokenType === Colon) return `'float' or 'int'${after}`;
      if (t === Name) return `a name${after}`;
      return labelOf(t, info.expected ?? 'something else');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Typed CST. Generated by Chevrotain's `generateCstDts(parser.getGAstProductions())` and
// checked in; test/grammar/parser.test.ts fails when this block and the grammar disagree.
// BEGIN GENERATED CST
export interface SourceCstNode extends CstNode {
  name: "source";
  children: SourceCstChildren;
}

export type SourceCstChildren = {
  def?: DefCstNode[];
  loss?: LossCstNode[];
  letExpr?: LetExprCstNode[];
};

export interface DefCstNode extends CstNode {
  name: "def";
  children: DefCstChildren;
}

export type DefCstChildren = {
  Def: IToken[];
  Name: IToken[];
  LParen: IToken[];
  param?: ParamCstNode[];
  Comma?: IToken[];
  RParen: IToken[];
  Assign: IToken[];
  body: LetExprCstNode[];
};

export interface ParamCstNode extends CstNode {
  name: "param";
  children: ParamCstChildren;
}

export type ParamCstChildren = {
  Name: IToken[];
  Assign?: IToken[];
  default?: ExpressionCstNode[];
};

export interface LossCstNode extends CstNode {
  name: "loss";
  children: LossCstChildren;
}

export type LossCstChildren = {
  Loss: IToken[];
  Name: IToken[];
  LParen: IToken[];
  tensorParam?: TensorParamCstNode[];
  Comma?: (IToken)[];
  Semicolon?: IToken[];
  optionParam?: OptionParamCstNode[];
  RParen: IToken[];
  Assign: IToken[];
  body: LetExprCstNode[];
};

export interface TensorParamCstNode extends CstNode {
  name: "tensorParam";
  children: TensorParamCstChildren;
}

export type TensorParamCstChildren = {
  name: IToken[];
  LBracket?: IToken[];
  dim?: DimCstNode[];
  Comma?: IToken[];
  RBracket?: IToken[];
  Colon?: IToken[];
  dtype?: IToken[];
  Assign?: IToken[];
  default?: ExpressionCstNode[];
};

export interface DimCstNode extends CstNode {
  name: "dim";
  children: DimCstChildren;
}

export type DimCstChildren = {
  Name?: IToken[];
  Number?: IToken[];
  Ellipsis?: IToken[];
};

export interface OptionParamCstNode extends CstNode {
  name: "optionParam";
  children: OptionParamCstChildren;
}

export type OptionParamCstChildren = {
  Name: IToken[];
  Assign: IToken[];
  default: ExpressionCstNode[];
};

export interface LetExprCstNode extends CstNode {
  name: "letExpr";
  children: LetExprCstChildren;
}

export type LetExprCstChildren = {
  letBinding?: LetBindingCstNode[];
  body: ExpressionCstNode[];
};

export interface LetBindingCstNode extends CstNode {
  name: "letBinding";
  children: LetBindingCstChildren;
}

export type LetBindingCstChildren = {
  Let: IToken[];
  Name: IToken[];
  Assign: IToken[];
  value: ExpressionCstNode[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  lhs: AndExprCstNode[];
  OrOr?: IToken[];
  rhs?: AndExprCstNode[];
};

export interface AndExprCstNode extends CstNode {
  name: "andExpr";
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  lhs: ComparisonCstNode[];
  AndAnd?: IToken[];
  rhs?: ComparisonCstNode[];
};

export interface ComparisonCstNode extends CstNode {
  name: "comparison";
  children: ComparisonCstChildren;
}

export type ComparisonCstChildren = {
  lhs: AdditiveCstNode[];
  ComparisonOp?: IToken[];
  rhs?: AdditiveCstNode[];
};

export interface AdditiveCstNode extends CstNode {
  name: "additive";
  children: AdditiveCstChildren;
}

export type AdditiveCstChildren = {
  lhs: MultiplicativeCstNode[];
  AdditiveOp?: IToken[];
  rhs?: MultiplicativeCstNode[];
};

export interface MultiplicativeCstNode extends CstNode {
  name: "multiplicative";
  children: MultiplicativeCstChildren;
}

export type MultiplicativeCstChildren = {
  lhs: UnaryCstNode[];
  MultiplicativeOp?: IToken[];
  rhs?: UnaryCstNode[];
};

export interface UnaryCstNode extends CstNode {
  name: "unary";
  children: UnaryCstChildren;
}

export type UnaryCstChildren = {
  PrefixOp?: IToken[];
  ifExpr?: IfExprCstNode[];
  power?: PowerCstNode[];
};

export interface IfExprCstNode extends CstNode {
  name: "ifExpr";
  children: IfExprCstChildren;
}

export type IfExprCstChildren = {
  If: IToken[];
  cond: ExpressionCstNode[];
  Then: IToken[];
  then: ExpressionCstNode[];
  Else: IToken[];
  else: ExpressionCstNode[];
};

export interface PowerCstNode extends CstNode {
  name: "power";
  children: PowerCstChildren;
}

export type PowerCstChildren = {
  base: PostfixCstNode[];
  Caret?: IToken[];
  exponent?: UnaryCstNode[];
};

export interface PostfixCstNode extends CstNode {
  name: "postfix";
  children: PostfixCstChildren;
}

export type PostfixCstChildren = {
  primary: PrimaryCstNode[];
  postfixOp?: PostfixOpCstNode[];
};

export interface PostfixOpCstNode extends CstNode {
  name: "postfixOp";
  children: PostfixOpCstChildren;
}

export type PostfixOpCstChildren = {
  LParen?: IToken[];
  arg?: ArgCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
  LBracket?: IToken[];
  index?: ExpressionCstNode[];
  RBracket?: IToken[];
};

export interface ArgCstNode extends CstNode {
  name: "arg";
  children: ArgCstChildren;
}

export type ArgCstChildren = {
  keyword?: IToken[];
  Assign?: IToken[];
  value?: (ExpressionCstNode)[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  Number?: IToken[];
  StringLit?: IToken[];
  True?: IToken[];
  False?: IToken[];
  Name?: IToken[];
  parenExpr?: ParenExprCstNode[];
  list?: ListCstNode[];
};

export interface ParenExprCstNode extends CstNode {
  name: "parenExpr";
  children: ParenExprCstChildren;
}

export type ParenExprCstChildren = {
  LParen: IToken[];
  letExpr: LetExprCstNode[];
  RParen: IToken[];
};

export interface ListCstNode extends CstNode {
  name: "list";
  children: ListCstChildren;
}

export type ListCstChildren = {
  LBracket: IToken[];
  items?: ExpressionCstNode[];
  Comma?: IToken[];
  RBracket: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  source(children: SourceCstChildren, param?: IN): OUT;
  def(children: DefCstChildren, param?: IN): OUT;
  param(children: ParamCstChildren, param?: IN): OUT;
  loss(children: LossCstChildren, param?: IN): OUT;
  tensorParam(children: TensorParamCstChildren, param?: IN): OUT;
  dim(children: DimCstChildren, param?: IN): OUT;
  optionParam(children: OptionParamCstChildren, param?: IN): OUT;
  letExpr(children: LetExprCstChildren, param?: IN): OUT;
  letBinding(children: LetBindingCstChildren, param?: IN): OUT;
  expression(children: ExpressionCstChildren, param?: IN): OUT;
  andExpr(children: AndExprCstChildren, param?: IN): OUT;
  comparison(children: ComparisonCstChildren, param?: IN): OUT;
  additive(children: AdditiveCstChildren, param?: IN): OUT;
  multiplicative(children: MultiplicativeCstChildren, param?: IN): OUT;
  unary(children: UnaryCstChildren, param?: IN): OUT;
  ifExpr(children: IfExprCstChildren, param?: IN): OUT;
  power(children: PowerCstChildren, param?: IN): OUT;
  postfix(children: PostfixCstChildren, param?: IN): OUT;
  postfixOp(children: PostfixOpCstChildren, param?: IN): OUT;
  arg(children: ArgCstChildren, param?: IN): OUT;
  primary(children: PrimaryCstChildren, param?: IN): OUT;
  parenExpr(children: ParenExprCstChildren, param?: IN): OUT;
  list(children: ListCstChildren, param?: IN): OUT;
}
// END GENERATED CST

