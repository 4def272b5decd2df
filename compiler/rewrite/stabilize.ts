// Stabilization: rewrites of formulas as the mathematics reads them into forms that cannot
// overflow, underflow to a wrong answer or cancel. One table per family; each rule names its
// source (PyTensor rewrite, Herbie rule), the domain on which both sides agree and an example
// as a user writes it (docs/rewrites.md is generated from these fields; the tests run every
// example). Where the left side is NaN and the right side would not be (exp(log(x)) at
// x < 0), the right side keeps that NaN with a guard, as PyTensor's `switch(cond, new, nan)`.
// The phase runs before differentiation, so the gradient is taken of the stable form, and
// again on the gradient program (phases.ts).
//
// Forms already stable by construction, so no rule is needed: softmax(x, d) is lowered to
// exp(x - logsumexp(x, d, keepdim)) and log_softmax(x, d) to x - logsumexp(...), which makes
// log(softmax) (→ local_log_exp), exp(log_softmax) and x - logsumexp(x) stable structurally.

import { cancellationTable } from './stabilize/cancellation.js';
import { normTable, xlogyTable } from './stabilize/entropy.js';
import { logExpTable } from './stabilize/logexp.js';
import { sigmoidTable } from './stabilize/sigmoid.js';
import { softmaxTable } from './stabilize/softmax.js';

export { cancellationTable, logExpTable, normTable, sigmoidTable, softmaxTable, xlogyTable };

/** The stability tables, in the order the stabilize phase tries them. */
export const STABILITY_TABLES = [softmaxTable, sigmoidTable, logExpTable, xlogyTable, normTable, cancellationTable];
