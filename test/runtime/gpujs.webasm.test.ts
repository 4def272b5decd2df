// The gpu.js backend in mode webasm (kernels compiled to WebAssembly, float32): see
// gpujsCases.ts. Every formula and every standard-library fixture case.
import { gpujsSuite } from './gpujsCases.js';

gpujsSuite('webasm');
