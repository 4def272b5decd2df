// IR → text in the loss language's own syntax, for explain(), rewrite reports and tests.
// `printNode` inlines everything; `printProgram` names each shared non-trivial node once
// (`let t3 = ...`) so the DAG structure is visible and the text stays linear in size.

import type { Node } from './ir.js';
import { opInfo } from './ops.js';

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

const PREC_ATOM = 10;
const PREC_UNARY = 6;

function precOf(n: Node, names: Map<Node, string>): number {
  if (names.has(n)) return PREC_ATOM;
  if (n.op === 'const') return n.attrs.value! < 0 || Object.is(n.attrs.value, -0) ? PREC_UNARY : PREC_ATOM;
  if (n.op === 'cast' || n.op === 'detach') return precOf(n.args[0]!, names);
  const s = opInfo(n.op).syntax;
  if (s.infix) return s.prec!;
  if (s.prefix) return PREC_UNARY;
  return PREC_ATOM;
}

function dimsText(n: Node): string {
  const x = n.args[0]!;
  const all = n.attrs.dims!.length === x.shape.length;
  const parts: string[] = [];
  if (!all) parts.push(`dim=${n.attrs.dims!.length === 1 ? n.attrs.dims![0] : `[${n.attrs.dims!.join(', ')}]`}`);
  if (n.attrs.keepdim) parts.push('keepdim=true');
  return parts.length ? `, ${parts.join(', ')}` : '';
}

// Printing recurses over the IR; a left-deep chain (a 20,000-term sum) must not overflow the
// stack. printProgram names a node once its inlined text would nest deeper than NAME_DEPTH,
// so its output is complete; printNode (error messages, rewrite reports: clipped anyway)
// elides what lies deeper than PRINT_DEPTH as '…'.
const NAME_DEPTH = 48;
const PRINT_DEPTH = 200;
let renderDepth = 0;

function render(n: Node, names: Map<Node, string>, top: boolean): string {
  if (renderDepth >= PRINT_DEPTH) return '…';
  renderDepth++;
  try {
    return renderOp(n, names, top);
  } finally {
    renderDepth--;
  }
}

function renderOp(n: Node, names: Map<Node, string>, top: boolean): string {
  if (!top) {
    const name = names.get(n);
    if (name) return name;
  }
  const sub = (c: Node, min: number, right = false): string => {
    const t = render(c, names, false);
    const p = precOf(c, names);
    return p < min || (right && p === min) ? `(${t})` : t;
  };
  const a = n.args;
  switch (n.op) {
    case 'const':
      return formatNumber(n.attrs.value!);
    case 'input':
      return n.attrs.name!;
    case 'size':
      // A count of elements that depends on symbolic dims (printed with its probe value).
      return `size(${n.attrs.value})`;
    case 'iota':
      return `iota([${n.attrs.shape!.join(', ')}], ${n.attrs.axis})`;
    case 'cast':
    case 'detach':
      return n.op === 'detach' ? `detach(${render(a[0]!, names, false)})` : render(a[0]!, names, false);
    case 'sum':
    case 'prod':
    case 'amax':
    case 'amin':
    case 'logsumexp':
      return `${opInfo(n.op).syntax.name}(${render(a[0]!, names, false)}${dimsText(n)})`;
    case 'norm':
      return `norm(${render(a[0]!, names, false)}, ${formatNumber(n.attrs.p!)}${dimsText(n)})`;
    case 'reshape':
    case 'expand':
      return `${n.op}(${render(a[0]!, names, false)}, [${n.attrs.shape!.join(', ')}])`;
    case 'permute':
      return `permute(${render(a[0]!, names, false)}, [${n.attrs.perm!.join(', ')}])`;
    case 'gather':
      return `pick(${render(a[0]!, names, false)}, ${render(a[1]!, names, false)}, dim=${n.attrs.axis})`;
    case 'take':
      return `${sub(a[0]!, PREC_ATOM)}[${render(a[1]!, names, false)}]`;
    case 'index_add':
      return `index_add(${render(a[0]!, names, false)}, ${render(a[1]!, names, false)}, [${n.attrs.shape!.join(', ')}])`;
    default: {
      const s = opInfo(n.op).syntax;
      if (s.prefix) return `${s.prefix}${sub(a[0]!, PREC_UNARY)}`;
      if (s.infix) {
        const p = s.prec!;
        // '^' is right-associative; the others are left-associative.
        return s.infix === '^'
          ? `${sub(a[0]!, p + 1)} ^ ${sub(a[1]!, p)}`
          : `${sub(a[0]!, p)} ${s.infix} ${sub(a[1]!, p, true)}`;
      }
      return `${s.name}(${a.map((c) => render(c, names, false)).join(', ')})`;
    }
  }
}

/** One expression, every shared node inlined. */
export function printNode(n: Node): string {
  return render(n, new Map(), true);
}

/** Topological order (operands first) of everything reachable from roots. */
export function topoOrder(roots: readonly Node[]): Node[] {
  const out: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = roots.map((r) => [r, 0]);
  stack.reverse();
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [n, i] = top;
    if (i === 0 && seen.has(n)) {
      stack.pop();
      continue;
    }
    if (i < n.args.length) {
      top[1]++;
      const c = n.args[i]!;
      if (!seen.has(c)) stack.push([c, 0]);
    } else {
      stack.pop();
      if (!seen.has(n)) {
        seen.add(n);
        out.push(n);
      }
    }
  }
  return out;
}

/** Several named results as `let` lines for shared subexpressions, then `name = expr` lines. */
export function printProgram(results: [string, Node][]): string {
  const uses = new Map<Node, number>();
  const order = topoOrder(results.map((r) => r[1]));
  for (const n of order) for (const c of n.args) uses.set(c, (uses.get(c) ?? 0) + 1);
  for (const [, r] of results) uses.set(r, (uses.get(r) ?? 0) + 1);
  const names = new Map<Node, string>();
  const depth = new Map<Node, number>(); // nesting of n's inlined text
  const lines: string[] = [];
  let k = 0;
  for (const n of order) {
    const trivial = n.op === 'const' || n.op === 'input' || n.op === 'cast';
    const d = 1 + Math.max(0, ...n.args.map((a) => (names.has(a) ? 0 : depth.get(a)!)));
    depth.set(n, d);
    const deep = d >= NAME_DEPTH;
    if (!trivial && ((uses.get(n) ?? 0) > 1 || deep) && !results.some((r) => r[1] === n)) {
      const name = `t${k++}`;
      lines.push(`let ${name} = ${render(n, names, true)}`);
      names.set(n, name);
    }
  }
  for (const [label, r] of results) lines.push(`${label} = ${render(r, names, true)}`);
  return lines.join('\n');
}
