// The small histograms' geometry without a browser: one bar per non-empty bin, side by side, heights on a
// square-root scale with the largest bin full height and any non-empty bin at least 1 unit tall; where zero
// falls across the range; a range with NaN or infinity is not drawn. CPU only.
import { describe, expect, it } from 'vitest';
import { drawable, histogramBars, zeroFraction } from '../src/app/widgets/histogram-bars.ts';

describe('histogram bars', () => {
  it('draws one bar per non-empty bin, the largest full height, the others by the square root of their share', () => {
    const bars = histogramBars({ min: 0, max: 4, counts: [100, 25, 0, 1] }, 40, 100);
    expect(bars).toEqual([
      { x: 0, y: 0, width: 10, height: 100, count: 100 },
      { x: 10, y: 50, width: 10, height: 50, count: 25 },
      { x: 30, y: 90, width: 10, height: 10, count: 1 },
    ]);
  });

  it('keeps a lone value visible beside a spike of a million', () => {
    const [, lone] = histogramBars({ min: 0, max: 1, counts: [1_000_000, 1] }, 2, 100);
    expect(lone.height).toBe(1);
    expect(lone.y).toBe(99);
  });

  it('draws nothing for a histogram with no values', () => {
    expect(histogramBars({ min: 0, max: 0, counts: [0, 0, 0] }, 30, 10)).toEqual([]);
  });
});

describe('histogram range', () => {
  it('places zero across the range only when it lies strictly inside', () => {
    expect(zeroFraction(-1, 3)).toBe(0.25);
    expect(zeroFraction(0, 3)).toBeNull();
    expect(zeroFraction(-2, 0)).toBeNull();
    expect(zeroFraction(1, 2)).toBeNull();
  });

  it('refuses to draw a range or counts that are not finite', () => {
    expect(drawable({ min: -1, max: 1, counts: [1, 2] })).toBe(true);
    expect(drawable({ min: NaN, max: NaN, counts: [0, 0] })).toBe(false);
    expect(drawable({ min: 0, max: Infinity, counts: [1, 0] })).toBe(false);
  });
});
