// The chart widget's data helpers without a browser: series sampled at different x merge onto one axis with
// gaps, a percentage axis fits the data (one point included) within 0..100, and the legend's "latest value"
// skips trailing gaps. CPU only.
import { describe, expect, it } from 'vitest';
import { alignSeries, decadeRange, decadeSplits, fitRange, lastValue, tick } from '../src/app/widgets/series.ts';

describe('chart series', () => {
  it('aligns series on the union of their x values, with null where one has no point', () => {
    expect(alignSeries([[[1, 10], [3, 30]], [[2, 20], [3, 33]]])).toEqual([[1, 2, 3], [10, null, 30], [null, 20, 33]]);
    expect(alignSeries([])).toEqual([[]]);
  });

  it('fits a percentage axis around the data, never past 0 or 100', () => {
    expect(fitRange(65.41, 65.41, 0, 100, 1)).toEqual([64, 67]);
    expect(fitRange(90, 98, 0, 100, 1)).toEqual([89, 99]);
    expect(fitRange(99.5, 99.9, 0, 100, 1)).toEqual([98, 100]);
    expect(fitRange(0.2, 50, 0, 100, 1)).toEqual([0, 55]);
    expect(fitRange(null, null, 0, 100, 1)).toEqual([0, 100]);
  });

  it('finds the latest value that is not a gap', () => {
    expect(lastValue([1, 2, null, undefined])).toBe(2);
    expect(lastValue([null])).toBeNull();
    expect(lastValue([])).toBeNull();
  });
});

describe('axis ticks', () => {
  it('writes ticks short from 1e-30 to 1e30', () => {
    expect([0, 0.5, 123.456, 1e-5, 3e21, -2e-7, null].map(tick)).toEqual(['0', '0.5', '123', '1e-5', '3e21', '-2e-7', '']);
  });

  it('spans whole decades on a log axis, thinned to about eight ticks', () => {
    expect(decadeRange(0.03, 2)).toEqual([0.01, 10]);
    expect(decadeRange(5, 5)).toEqual([1, 10]);
    expect(decadeRange(null, null)).toEqual([1e-3, 1]);
    expect(decadeSplits(1e-3, 10)).toEqual([1e-3, 1e-2, 1e-1, 1, 10]);
    const wide = decadeSplits(1e-30, 1e30);
    expect(wide.length).toBeLessThanOrEqual(9);
    expect(wide[0]).toBe(1e-30);
  });
});
