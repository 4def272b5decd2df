// The gpu.js backend in mode webasm (kernels compiled to WebAssembly, float32): see
// gpujsCases.ts. Runs the odd-indexed standard-library fixture cases; cpu runs the even ones.
import { gpujsSuite } from './gpujsCases.js';

gpujsSuite('webasm', (i) => i % 2 === 1);
