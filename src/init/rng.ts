/**
 * Seeded pseudo-random numbers for everything the engine draws on the CPU: weight initialization and the
 * per-epoch shuffle. Never Math.random: the same seed must give the same run.
 *
 * Algorithm: xoshiro128** 1.0 (Blackman and Vigna, 2018), 32-bit output, period 2^128 - 1. Its four words of
 * state are filled from the seed by SplitMix32, so nearby seeds give unrelated streams and the state is never
 * all zero. Normals use the Box-Muller transform on two uniforms, returning both values in turn.
 */
export interface RngState {
  /** The four xoshiro128** state words. */
  s: [number, number, number, number];
  /** A second Box-Muller normal waiting to be returned, or null. */
  spareNormal: number | null;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
    }
    let x = seed >>> 0;
    const splitmix32 = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${n}`);
    }
    // Rejection sampling on the top of the 32-bit range keeps every residue equally likely.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** A standard normal N(0, 1) by Box-Muller. */
  nextNormal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u1 = 0;
    while (u1 === 0) u1 = this.nextFloat();
    const u2 = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** The whole state, to save in a checkpoint. */
  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spare };
  }

  /** Restores a state from getState(). */
  setState(state: RngState): void {
    const [a, b, c, d] = state.s;
    if (![a, b, c, d].every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) || (a | b | c | d) === 0) {
      throw new RangeError('RNG state must be four 32-bit unsigned words, not all zero');
    }
    this.s0 = a;
    this.s1 = b;
    this.s2 = c;
    this.s3 = d;
    this.spare = state.spareNormal;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seed for an independent stream derived from a run's seed and a purpose, so initialization and shuffling
 * never share draws (changing the model's width must not change the batch order).
 */
export function deriveSeed(seed: number, stream: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d) >>> 0;
  z = Math.imul(z ^ (z >>> 12), 0x297a2d39) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}
