// The chart widget's band and log-axis helpers without a browser: the y extent grows to hold the band (an
// empty chart shows the band alone), the band's pixels are cut to the plotting area on linear and log
// scales, and values for a log axis are clamped into [LOG_FLOOR, LOG_CEILING] (flagged) or become gaps. CPU only.
import { describe, expect, it } from 'vitest';
import { LOG_CEILING, LOG_FLOOR, bandPixels, forLogAxis, spanWithBand } from '../src/app/widgets/series.ts';

describe('chart band', () => {
  const band = { from: 0.01, to: 1 };

  it('grows the data extent to hold the band, and gives the band alone for an empty chart', () => {
    expect(spanWithBand(0.1, 0.5, band)).toEqual([0.01, 1]);
    expect(spanWithBand(1e-5, 0.5, band)).toEqual([1e-5, 1]);
    expect(spanWithBand(0.1, 6, band)).toEqual([0.01, 6]);
    expect(spanWithBand(null, null, band)).toEqual([0.01, 1]);
    expect(spanWithBand(2, 3, { from: 1, to: -1 })).toEqual([-1, 3]);
  });

  it('finds the band in pixels on a linear scale, cut to the plotting area', () => {
    // y from 0 (bottom, pixel 200) to 10 (top, pixel 0): the band 2..4 is pixels 120..160.
    const linear = (v: number) => 200 - v * 20;
    expect(bandPixels({ from: 2, to: 4 }, linear, 0, 200)).toEqual({ y: 120, height: 40 });
    expect(bandPixels({ from: 8, to: 14 }, linear, 0, 200)).toEqual({ y: 0, height: 40 });
    expect(bandPixels({ from: 11, to: 14 }, linear, 0, 200)).toBeNull();
  });

  it('finds the band in pixels on a log scale from its values, not their logarithms', () => {
    // 1e-4 (bottom, pixel 100) to 1 (top, pixel 20): one decade is 20 pixels.
    const log = (v: number) => 20 + (0 - Math.log10(v)) * 20;
    const strip = bandPixels({ from: 0.01, to: 1 }, log, 20, 80);
    expect(strip?.y).toBeCloseTo(20);
    expect(strip?.height).toBeCloseTo(40);
  });
});

describe('values for a log axis', () => {
  it('keeps a drawable value, clamps zero and overflow to the edges (flagged), and turns NaN into a gap', () => {
    expect(forLogAxis(3e-3)).toEqual({ value: 3e-3, clamped: false });
    expect(forLogAxis(0)).toEqual({ value: LOG_FLOOR, clamped: true });
    expect(forLogAxis(-Infinity)).toEqual({ value: LOG_FLOOR, clamped: true });
    expect(forLogAxis(Infinity)).toEqual({ value: LOG_CEILING, clamped: true });
    expect(forLogAxis(NaN)).toEqual({ value: null, clamped: false });
  });
});
