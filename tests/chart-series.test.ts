// The chart widget's data helpers without a browser: series sampled at different x merge onto one axis with
// gaps, a percentage axis fits the data (one point included) within 0..100, and the legend's "latest value"
// skips trailing gaps. CPU only.
import { describe, expect, it } from 'vitest';
import { alignSeries, fitRange, lastValue } from '../src/app/widgets/series.ts';

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
