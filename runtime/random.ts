// Seeded random numbers: mulberry32, a 32-bit generator that is tiny, fast and gives the same
// sequence in every JS engine. The REPL's random constructors, the playground's generated
// inputs, the benchmarks and the tests all draw from it, so a seed reproduces anywhere.

/** Uniforms in [0, 1) from a seed. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
