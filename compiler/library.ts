// The standard library as seen by the compiler: every `loss` of stdlib/*.loss, callable from
// any formula by name (`cross_entropy(x, y, reduction="sum")`), parsed on first use. The
// sources are data embedded at build time (stdlib/sources.generated.ts), so this module reads
// no files and runs unchanged in a browser.

import type { LossDef, SourceUnit } from '../grammar/ast.js';
import { parseSource } from '../grammar/index.js';
import { STDLIB_SOURCES } from '../stdlib/sources.generated.js';

export interface LibraryLoss {
  def: LossDef;
  unit: SourceUnit;
  file: string;
}

let table: Map<string, LibraryLoss> | undefined;

function load(): Map<string, LibraryLoss> {
  if (!table) {
    table = new Map();
    for (const [file, text] of Object.entries(STDLIB_SOURCES)) {
      const unit = parseSource(text, `stdlib/${file}`);
      for (const def of unit.losses) table.set(def.name, { def, unit, file });
    }
  }
  return table;
}

export function libraryLoss(name: string): LibraryLoss | undefined {
  return load().get(name);
}

export function libraryNames(): string[] {
  return [...load().keys()];
}
