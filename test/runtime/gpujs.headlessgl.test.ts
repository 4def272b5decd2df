// The gpu.js backend in mode headlessgl (GLSL shaders through headless-gl; Mesa's llvmpipe
// under Xvfb in CI): see gpujsCases.ts. Needs the gl build and an X display (xvfb-run -a);
// without them the suite is skipped with a message saying which is missing. Every formula
// (value, gradients and forward()) and every standard-library fixture case, as in the other
// modes; about 30 s under llvmpipe.
import { gpujsSuite } from './gpujsCases.js';

gpujsSuite('headlessgl');
