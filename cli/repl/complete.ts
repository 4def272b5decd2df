// Line editing helpers of the REPL: tab completion and whether an input continues on the
// next line. Completion offers `:` commands at the start of a line, paths after `:load`, and
// otherwise every name a formula can use: bindings, session and loaded definitions,
// constructors, built-ins, prelude functions, standard-library losses and keywords.
// An input continues while a ( or [ is open or it ends in an operator, comma or `=`.

import { readdirSync, statSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { BUILTINS, CONSTANTS } from '../../compiler/builtins.js';
import { preludeDefs } from '../../compiler/lower.js';
import { stdlibCatalogue } from '../../stdlib/index.js';
import { COMMANDS } from './commands.js';
import { CONSTRUCTORS } from './constructors.js';
import { KEYWORDS, type Session } from './session.js';

export type Completer = (line: string) => [string[], string];

/** Every name a formula typed now could use. */
export function knownNames(s: Session): string[] {
  const names = new Set<string>([
    ...s.bindings.keys(),
    ...s.defs.keys(),
    ...s.loadedNames(),
    ...Object.keys(CONSTRUCTORS),
    ...Object.keys(BUILTINS),
    ...Object.keys(CONSTANTS),
    ...preludeDefs().map((d) => d.name),
    ...stdlibCatalogue().map((e) => e.name),
    ...KEYWORDS,
  ]);
  return [...names].sort();
}

export function completer(s: Session): Completer {
  return (line) => {
    const cmd = /^\s*(:[A-Za-z]*)$/.exec(line);
    if (cmd) {
      const hits = COMMANDS.map((c) => `:${c.name}`).filter((c) => c.startsWith(cmd[1]!));
      return [hits, cmd[1]!];
    }
    const load = /^\s*:load\s+(\S*)$/.exec(line);
    if (load) return [paths(s.cwd, load[1]!), load[1]!];
    const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? '';
    if (!word) return [[], ''];
    return [knownNames(s).filter((n) => n.startsWith(word)), word];
  };
}

/** Directories and .loss files that start with `partial`, relative to `cwd`. */
function paths(cwd: string, partial: string): string[] {
  const dir = partial.endsWith('/') ? partial : dirname(partial);
  const stem = partial.endsWith('/') ? '' : basename(partial);
  let entries: string[];
  try {
    entries = readdirSync(resolve(cwd, dir));
  } catch {
    return [];
  }
  const prefix = dir === '.' && !partial.startsWith('./') ? '' : dir.endsWith('/') ? dir : `${dir}/`;
  return entries
    .filter((e) => e.startsWith(stem) && (stem.startsWith('.') || !e.startsWith('.')))
    .flatMap((e) => {
      let isDir = false;
      try {
        isDir = statSync(join(resolve(cwd, dir), e)).isDirectory();
      } catch {
        return [];
      }
      return isDir ? [`${prefix}${e}/`] : e.endsWith('.loss') ? [`${prefix}${e}`] : [];
    })
    .sort();
}

/** Whether `text` is unfinished: an open bracket, or a last token that needs a right operand. */
export function needsMore(text: string): boolean {
  let depth = 0;
  let last = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      i = nl;
      continue;
    }
    if (c === '"') {
      // An unterminated string ends at the line break; the parser reports it.
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      i = j;
      last = '"';
      continue;
    }
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && --depth < 0) return false; // broken already: let the parser say where
    if (!/\s/.test(c)) last = c;
  }
  if (depth > 0) return true;
  // `--grad` ends in a letter; `:plot f(t) -5 5` in a digit; only a dangling operator continues.
  return /[-+*/@^=,<>&|!]/.test(last) && !/^\s*:/.test(text);
}
