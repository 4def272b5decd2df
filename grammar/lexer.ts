// Tokens of the loss language (Chevrotain `createToken`) and the one shared Lexer.
// Input: source text. Output: the token vector for grammar/parser.ts, `#` comments in the
// `comments` group (kept so grammar/astBuilder.ts can recover doc comments), and lexing errors,
// which grammar/index.ts turns into LD1001/LD1002 diagnostics. Whitespace and newlines are
// skipped; nothing here knows about precedence beyond grouping operators into categories.

import { createToken, Lexer, type ILexingResult, type TokenType } from 'chevrotain';

// ---------------------------------------------------------------------------------------------
// Categories: the parser consumes a family, the builder tells members apart by tokenType.

/** `+ -` */
export const AdditiveOp = createToken({ name: 'AdditiveOp', pattern: Lexer.NA, label: "'+' or '-'" });
/** `* / @` */
export const MultiplicativeOp = createToken({ name: 'MultiplicativeOp', pattern: Lexer.NA, label: "'*', '/' or '@'" });
/** `== != < <= > >=` */
export const ComparisonOp = createToken({ name: 'ComparisonOp', pattern: Lexer.NA, label: 'a comparison' });
/** prefix `- !` */
export const PrefixOp = createToken({ name: 'PrefixOp', pattern: Lexer.NA, label: "'-' or '!'" });
/** a string literal, terminated or not (an unterminated one is reported by the lexer pass) */
export const StringLit = createToken({ name: 'StringLit', pattern: Lexer.NA, label: 'a string' });

// ---------------------------------------------------------------------------------------------
// Trivia

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

/** `#` to end of line; in the `comments` group, not skipped, so doc comments can be recovered. */
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments' });

// ---------------------------------------------------------------------------------------------
// Literals and names

export const Str = createToken({
  name: 'String',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [StringLit],
  label: 'a string',
});

/** A string that reaches the end of the line without its closing quote (reported as LD1002). */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLit],
  label: 'a string',
});

/** `...` in tensor dims; listed before Number so that `.5` and `...` never collide. */
export const Ellipsis = createToken({ name: 'Ellipsis', pattern: /\.\.\./, label: "'...'" });

/** `2`, `0.5`, `.5`, `1.`, `1e-6`, `3.2E+4` (never signed: `-1` is unary minus). */
export const NumberLit = createToken({
  name: 'Number',
  pattern: /(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: 'a number',
});

export const Name = createToken({ name: 'Name', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

function keyword(word: string): TokenType {
  const name = word[0]!.toUpperCase() + word.slice(1);
  return createToken({ name, pattern: new RegExp(word), longer_alt: Name, label: `'${word}'` });
}

export const Def = keyword('def');
export const Loss = keyword('loss');
export const Let = keyword('let');
export const If = keyword('if');
export const Then = keyword('then');
export const Else = keyword('else');
export const True = keyword('true');
export const False = keyword('false');

// ---------------------------------------------------------------------------------------------
// Operators (longest first where one is a prefix of another) and punctuation

export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: [ComparisonOp], label: "'=='" });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: [ComparisonOp], label: "'!='" });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, categories: [ComparisonOp], label: "'<='" });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/, categories: [ComparisonOp], label: "'>='" });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: [ComparisonOp], label: "'<'" });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: [ComparisonOp], label: "'>'" });
export const AndAnd = createToken({ name: 'AndAnd', pattern: /&&/, label: "'&&'" });
export const OrOr = createToken({ name: 'OrOr', pattern: /\|\|/, label: "'||'" });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: [AdditiveOp], label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: [AdditiveOp, PrefixOp], label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: [MultiplicativeOp], label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: [MultiplicativeOp], label: "'/'" });
export const At = createToken({ name: 'At', pattern: /@/, categories: [MultiplicativeOp], label: "'@'" });
export const Caret = createToken({ name: 'Caret', pattern: /\^/, label: "'^'" });
export const Bang = createToken({ name: 'Bang', pattern: /!/, categories: [PrefixOp], label: "'!'" });
export const Assign = createToken({ name: 'Assign', pattern: /=/, label: "'='" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: "';'" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });

/** Lexing order: first match wins among equal lengths, so keywords precede Name. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Str,
  UnterminatedString,
  Ellipsis,
  NumberLit,
  Def,
  Loss,
  Let,
  If,
  Then,
  Else,
  True,
  False,
  Name,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  AndAnd,
  OrOr,
  Plus,
  Minus,
  Star,
  Slash,
  At,
  Caret,
  Bang,
  Assign,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semicolon,
  Colon,
  // categories last: they match nothing themselves
  AdditiveOp,
  MultiplicativeOp,
  ComparisonOp,
  PrefixOp,
  StringLit,
];

export const lossLexer = new Lexer(allTokens, {
  positionTracking: 'full',
  ensureOptimizations: true,
});

/** Tokens, `comments` group and raw lexing errors of `text`. */
export function tokenize(text: string): ILexingResult {
  return lossLexer.tokenize(text);
}
