// Shuffle order, batch counting and the packed GPU pixel format.
import { describe, expect, it } from 'vitest';
import { batchesPerEpoch, packPixels, permutation } from '../src/data/batches.ts';
import { DataError } from '../src/data/idx.ts';
import { Rng } from '../src/init/rng.ts';

describe('permutation', () => {
  it('is a true permutation', () => {
    for (const n of [0, 1, 2, 7, 1000]) {
      const p = permutation(n, new Rng(3));
      expect(p.length).toBe(n);
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('is reproducible from the seed and differs between seeds', () => {
    expect(permutation(100, new Rng(42))).toEqual(permutation(100, new Rng(42)));
    expect(permutation(100, new Rng(42))).not.toEqual(permutation(100, new Rng(43)));
    // Consecutive draws from one generator give different orders (one shuffle per epoch).
    const rng = new Rng(1);
    expect(permutation(100, rng)).not.toEqual(permutation(100, rng));
  });

  it('is roughly uniform', () => {
    // Which element lands at position 0, over many seeds: each of n should appear about trials/n times.
    const n = 8;
    const trials = 8000;
    const counts = new Array<number>(n).fill(0);
    for (let seed = 0; seed < trials; seed++) counts[permutation(n, new Rng(seed))[0]]++;
    const expected = trials / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(24.3); // chi-squared, 7 degrees of freedom, p = 0.001
  });
});

describe('batchesPerEpoch', () => {
  it('counts whole batches and drops the tail', () => {
    expect(batchesPerEpoch(60000, 100)).toBe(600);
    expect(batchesPerEpoch(10, 3)).toBe(3);
    expect(batchesPerEpoch(5, 5)).toBe(1);
  });

  it('rejects bad batch sizes, naming both numbers', () => {
    for (const bad of [0, -1, 2.5, NaN]) expect(() => batchesPerEpoch(10, bad)).toThrow(DataError);
    expect(() => batchesPerEpoch(10, 0)).toThrow(/got 0 \(dataset has 10 examples\)/);
    expect(() => batchesPerEpoch(10, 11)).toThrow(/batch size 11 is larger than the 10 examples/);
  });
});

describe('packPixels', () => {
  it('packs bytes little-endian and round-trips an image size not a multiple of 4', () => {
    const count = 3;
    const size = 5;
    const pixels = Uint8Array.from({ length: count * size }, (_, i) => (i * 37 + 200) % 256);
    const { words, strideWords } = packPixels(pixels, count, size);
    expect(strideWords).toBe(2);
    expect(words.length).toBe(count * 2);
    // Little-endian order: pixel 0 in the low byte of word 0, pixel 4 alone in word 1, padding zero.
    expect(words[0]).toBe((pixels[0] | (pixels[1] << 8) | (pixels[2] << 16) | (pixels[3] << 24)) >>> 0);
    expect(words[1]).toBe(pixels[4]);
    expect(words[3]).toBe(pixels[9]);
    for (let img = 0; img < count; img++) {
      for (let i = 0; i < size; i++) {
        const word = words[img * strideWords + (i >> 2)];
        expect((word >>> ((i & 3) * 8)) & 0xff).toBe(pixels[img * size + i]);
      }
    }
  });

  it('packs whole words for sizes that are multiples of 4', () => {
    const { words, strideWords } = packPixels(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 2, 4);
    expect(strideWords).toBe(1);
    expect([...words]).toEqual([0x04030201, 0x08070605]);
  });

  it('rejects a pixel buffer of the wrong length', () => {
    expect(() => packPixels(new Uint8Array(9), 2, 5)).toThrow(/2 images of 5 bytes need 10 bytes, got 9/);
  });
});
