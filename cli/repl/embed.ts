// Tensors written inside a formula — `softmax(zeros(2, 3), dim=1)`, `x * [1.0, 2.0, 3.0]`,
// `mse_loss(x, [1.0, 2.0])` — are made by the REPL (constructors.ts) and handed to the
// compiled formula as extra inputs. Each one's text is replaced by a generated name (`_0`,
// `_1`, …) in parentheses padded to the same length, so every other column of the line stays
// where it was and errors still point at what the user typed.
// A list stays a list where a built-in expects one (a `dim=` or `shape` argument); REPL
// constructors that are also built-ins (`arange`) are left to the compiler inside formulas.

import type { Expr } from '../../grammar/ast.js';
import { BUILTINS } from '../../compiler/builtins.js';
import type { Tensor } from '../../runtime/tensor.js';
import { CONSTRUCTORS, construct, type Rng } from './constructors.js';

/** Built-in parameters whose list argument is a list of dims or sizes, not a tensor. */
const LIST_PARAMS = new Set(['dim', 'dim0', 'dim1', 'shape']);
const NAME_CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export interface Embedded {
  /** The text with every embedded tensor replaced by its name. */
  text: string;
  tensors: Map<string, Tensor>;
}

export interface EmbedContext {
  rng: Rng;
  /** Names the session defines itself (a def called `zeros` is the user's function). */
  shadowed(name: string): boolean;
  /** Names already in use (bindings), never generated. */
  taken(name: string): boolean;
}

export function embedTensors(text: string, body: Expr, cx: EmbedContext): Embedded {
  const tensors = new Map<string, Tensor>();
  const edits: { start: number; end: number; name: string }[] = [];
  let next = 0;
  const freshName = (): string => {
    for (; next < NAME_CHARS.length; next++) {
      const name = `_${NAME_CHARS[next]}`;
      if (!cx.taken(name)) {
        next++;
        return name;
      }
    }
    // 62 tensors typed into one formula: bind some of them first.
    throw new RangeError('too many tensors written inside one formula');
  };
  const embed = (e: Expr): void => {
    const name = freshName();
    tensors.set(name, construct(e, cx.rng));
    edits.push({ start: e.span.start, end: e.span.end, name });
  };
  const builtin = (callee: string) => (Object.hasOwn(BUILTINS, callee) && !cx.shadowed(callee) ? BUILTINS[callee] : undefined);

  const visit = (e: Expr, listIsTensor: boolean): void => {
    switch (e.kind) {
      case 'list':
        if (listIsTensor) embed(e);
        return;
      case 'call': {
        if (Object.hasOwn(CONSTRUCTORS, e.callee) && !builtin(e.callee) && !cx.shadowed(e.callee)) return embed(e);
        const params = builtin(e.callee)?.params;
        let position = 0;
        for (const a of e.args) {
          const param = a.name ?? params?.[position++]?.name;
          visit(a.value, !(params && param !== undefined && LIST_PARAMS.has(param)));
        }
        return;
      }
      case 'unary':
        return visit(e.operand, true);
      case 'binary':
        visit(e.left, true);
        return visit(e.right, true);
      case 'index':
        visit(e.target, true);
        return visit(e.index, true);
      case 'if':
        visit(e.cond, true);
        visit(e.then, true);
        return visit(e.else, true);
      case 'let':
        e.bindings.forEach((b) => visit(b.value, true));
        return visit(e.body, true);
      default:
        return;
    }
  };
  visit(body, true);
  let out = text;
  for (const ed of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, ed.start) + filler(ed.name, ed.end - ed.start) + out.slice(ed.end);
  return { text: out, tensors };
}

/** `(_0        )`: the parentheses make the name's span the whole original text, so carets cover it. */
const filler = (name: string, length: number): string => (length >= name.length + 2 ? `(${name}`.padEnd(length - 1) + ')' : name.padEnd(length));
