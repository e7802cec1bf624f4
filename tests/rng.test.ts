import { describe, it, expect } from 'vitest';
import { Rng, deriveSeed } from '../src/init/rng';

/** xoshiro128** written out again with BigInt, straight from the reference C, to check the real algorithm. */
function referenceXoshiro128ss(state: [number, number, number, number], count: number): number[] {
  const M = 0xffffffffn;
  const s = state.map(BigInt);
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M));
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

function draws(n: number, next: () => number): Float64Array {
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = next();
  return xs;
}

/** Sample mean and central moments 2..4. */
function moments(xs: Float64Array): { mean: number; m2: number; m3: number; m4: number } {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  return { mean, m2: m2 / xs.length, m3: m3 / xs.length, m4: m4 / xs.length };
}

describe('Rng: xoshiro128**', () => {
  it('matches the published first outputs from state [1, 2, 3, 4]', () => {
    const rng = new Rng(0);
    rng.setState({ s: [1, 2, 3, 4], spareNormal: null });
    const first = Array.from({ length: 6 }, () => rng.nextUint32());
    expect(first).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    expect(first).toEqual(referenceXoshiro128ss([1, 2, 3, 4], 6));
  });

  it('agrees with a BigInt reference over a long run from a seeded state', () => {
    const rng = new Rng(123456789);
    const { s } = rng.getState();
    const ours = Array.from({ length: 5000 }, () => rng.nextUint32());
    expect(ours).toEqual(referenceXoshiro128ss(s, 5000));
  });

  it('seeds into a nonzero state and rejects bad seeds', () => {
    for (const seed of [0, 1, 0xffffffff]) {
      const { s } = new Rng(seed).getState();
      expect(s.some((w) => w !== 0)).toBe(true);
    }
    for (const bad of [-1, 1.5, 2 ** 32, NaN, Infinity, -Infinity]) {
      expect(() => new Rng(bad)).toThrow(RangeError);
    }
  });
});

describe('Rng: determinism and state', () => {
  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    const sb = Array.from({ length: 100 }, () => b.nextUint32());
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    // Two independent 32-bit streams would agree at a given position with probability 2^-32.
    expect(sa.filter((x, i) => x === sc[i]).length).toBe(0);
  });

  it('resumes exactly from getState, including a pending Box-Muller spare', () => {
    const rng = new Rng(7);
    rng.nextNormal(); // leaves the second normal of the pair pending
    const state = rng.getState();
    expect(state.spareNormal).not.toBeNull();
    const sequence = (r: Rng): number[] => [r.nextNormal(), r.nextUint32(), r.nextFloat(), r.nextNormal(), r.nextInt(10)];
    const expected = sequence(rng);
    const resumed = new Rng(999);
    resumed.setState(state);
    expect(sequence(resumed)).toEqual(expected);
    // The state is a snapshot: editing it afterwards must not reach into the generator.
    const snap = resumed.getState();
    snap.s[0] ^= 1;
    expect(resumed.getState().s[0]).not.toBe(snap.s[0]);
  });

  it('rejects an all-zero or malformed state', () => {
    const rng = new Rng(1);
    expect(() => rng.setState({ s: [0, 0, 0, 0], spareNormal: null })).toThrow(RangeError);
    expect(() => rng.setState({ s: [1, 2, 3, 2 ** 32], spareNormal: null })).toThrow(RangeError);
    expect(() => rng.setState({ s: [1, 2, 3, -1], spareNormal: null })).toThrow(RangeError);
    expect(() => rng.setState({ s: [1, 2, 3, 0.5], spareNormal: null })).toThrow(RangeError);
  });

  it('derives distinct, repeatable seeds per stream', () => {
    const seeds = [0, 1, 2, 3].map((stream) => deriveSeed(42, stream));
    expect(new Set(seeds).size).toBe(4);
    expect(deriveSeed(42, 1)).toBe(seeds[1]);
    expect(deriveSeed(43, 1)).not.toBe(seeds[1]);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s <= 0xffffffff).toBe(true);
  });
});

describe('Rng: distributions', () => {
  const N = 200_000;

  it('nextFloat lies in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = new Rng(2024);
    const xs = draws(N, () => rng.nextFloat());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const { mean, m2 } = moments(xs);
    // Standard error of the mean: sqrt(1/12 / N). Of the variance: sqrt((mu4 - sigma^4) / N), mu4 = 1/80.
    expect(Math.abs(mean - 0.5)).toBeLessThanOrEqual(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(m2 - 1 / 12)).toBeLessThanOrEqual(5 * Math.sqrt((1 / 80 - 1 / 144) / N));
  });

  it('nextInt is unbiased over a small range (chi-square)', () => {
    const rng = new Rng(5);
    const n = 7;
    const perBin = 10_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < n * perBin; i++) counts[rng.nextInt(n)]++;
    const chi2 = counts.reduce((acc, c) => acc + (c - perBin) ** 2 / perBin, 0);
    // 6 degrees of freedom: mean 6, sd sqrt(12); P(chi2 > 30) is about 4e-5.
    expect(chi2).toBeLessThan(30);
  });

  it('nextInt has no modulo bias for a bound that does not divide 2^32', () => {
    // With r % n on 32 bits, n = 3 * 2^30 would put half the draws below 2^30 instead of a third.
    const rng = new Rng(6);
    const n = 3 * 2 ** 30;
    const draws = 60_000;
    let low = 0;
    let outOfRange = 0;
    for (let i = 0; i < draws; i++) {
      const x = rng.nextInt(n);
      if (!(Number.isInteger(x) && x >= 0 && x < n)) outOfRange++;
      if (x < 2 ** 30) low++;
    }
    expect(outOfRange).toBe(0);
    const sd = Math.sqrt(draws * (1 / 3) * (2 / 3));
    expect(Math.abs(low - draws / 3)).toBeLessThanOrEqual(5 * sd);
  });

  it('nextInt checks its bound', () => {
    const rng = new Rng(1);
    expect(rng.nextInt(1)).toBe(0);
    expect(Number.isInteger(rng.nextInt(2 ** 32))).toBe(true);
    for (const bad of [0, -1, 2.5, 2 ** 32 + 1, NaN]) expect(() => rng.nextInt(bad)).toThrow(RangeError);
  });

  it('nextNormal has mean 0, variance 1, skewness 0 and kurtosis 3', () => {
    const rng = new Rng(31337);
    const xs = draws(N, () => rng.nextNormal());
    expect(xs.every(Number.isFinite)).toBe(true);
    const { mean, m2, m3, m4 } = moments(xs);
    // For N(0,1): SE(mean) = 1/sqrt(N), SE(variance) = sqrt(2/N), SE(skewness) ~ sqrt(6/N), SE(kurtosis) ~ sqrt(24/N).
    expect(Math.abs(mean)).toBeLessThanOrEqual(5 / Math.sqrt(N));
    expect(Math.abs(m2 - 1)).toBeLessThanOrEqual(5 * Math.sqrt(2 / N));
    expect(Math.abs(m3 / m2 ** 1.5)).toBeLessThanOrEqual(5 * Math.sqrt(6 / N));
    expect(Math.abs(m4 / (m2 * m2) - 3)).toBeLessThanOrEqual(5 * Math.sqrt(24 / N));
  });
});
