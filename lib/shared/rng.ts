/**
 * Seeded pseudo-random numbers that give the same sequence on every machine.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018) with its 128-bit state filled from the
 * seed by splitmix32. Normals come from the Box–Muller transform over two uniforms in (0, 1].
 * Everything is 32-bit integer arithmetic (`Math.imul`, `>>> 0`) plus `Math.log`, `Math.sqrt`
 * and `Math.cos`, which V8 computes with its own portable fdlibm port, so a seed names one byte
 * sequence regardless of CPU or OS.
 *
 * @module
 */

/** A seeded generator of uniform and normal variates. */
export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** A uniform double in [0, 1). */
  uniform(): number;
  /** A standard normal variate (mean 0, standard deviation 1). */
  normal(): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Creates a xoshiro128** generator from a 32-bit integer seed.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.normal(); // the same value on every machine for seed 42
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32): got ${seed}`);
  }
  const init = splitmix32(seed);
  let a = init(), b = init(), c = init(), d = init();
  let spare: number | undefined;
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    return result;
  };
  const uniform = (): number => nextU32() / 4294967296;
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  return { nextU32, uniform, normal };
}
