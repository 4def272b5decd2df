// lossc list: the standard library, one loss per entry with its signature and doc comment.

import { stdlibCatalogue } from '../stdlib/index.js';

export function listCommand(argv: string[]): number {
  const only = argv[0];
  const entries = stdlibCatalogue().filter((e) => !only || e.name === only);
  if (only && !entries.length) {
    process.stderr.write(`lossc list: no stdlib loss named '${only}'\n`);
    return 1;
  }
  for (const e of entries) {
    process.stdout.write(`${e.signature}    [stdlib/${e.file}]\n`);
    if (e.doc) process.stdout.write(`${e.doc.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
    process.stdout.write('\n');
  }
  return 0;
}
