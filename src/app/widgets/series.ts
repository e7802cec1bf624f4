/**
 * Chart data helpers with no DOM: merging series sampled at different x onto one axis (uPlot's AlignedData),
 * fitting a y range around the data, and the ticks of whole-number and logarithmic axes. Unit-tested in
 * tests/chart-series.test.ts.
 */

export type Point = readonly [x: number, y: number | null];

/**
 * Series sampled at different x values, merged onto one sorted x axis as uPlot wants it (AlignedData):
 * [xs, ys of series 0, ys of series 1, ...] with null where a series has no point at that x.
 */
export function alignSeries(series: ReadonlyArray<ReadonlyArray<Point>>): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((points) => points.map(([x]) => x)))].sort((a, b) => a - b);
  const column = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((points) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, value] of points) y[column.get(x)!] = value;
    return y;
  });
  return [xs, ...ys];
}

/**
 * A y range that fits the data within [floor, ceiling] (a percentage: 0 and 100), with a tenth of the
 * spread (at least `minPad`) as margin, so that one point or a flat line still sits inside a readable axis.
 */
export function fitRange(min: number | null, max: number | null, floor: number, ceiling: number, minPad: number): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [floor, ceiling];
  const pad = Math.max(minPad, (max - min) / 10);
  return [Math.max(floor, Math.floor(min - pad)), Math.min(ceiling, Math.ceil(max + pad))];
}

/** The last value that is not a gap, for a legend that shows the latest values when nothing is hovered. */
export function lastValue(ys: ArrayLike<number | null | undefined>): number | null {
  for (let i = ys.length - 1; i >= 0; i--) {
    const y = ys[i];
    if (y !== null && y !== undefined) return y;
  }
  return null;
}

/** Tick labels that stay short from 1e-30 to 1e30 (and exact enough in between). */
export function tick(value: number | null): string {
  if (value === null) return '';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e4 ? String(Number(value.toPrecision(3))) : value.toExponential(0).replace('+', '');
}

/** Steps between ticks for an axis of whole numbers (steps, epochs, layers): no tick falls between two. */
export const WHOLE_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

/** Whole decades around [min, max] for a log axis; an empty chart gets 1e-3..1. */
export function decadeRange(min: number | null, max: number | null): [number, number] {
  if (!(min! > 0 && max! > 0)) return [1e-3, 1];
  const lo = Math.floor(Math.log10(min!));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max!)));
  return [10 ** lo, 10 ** hi];
}

/**
 * Ticks at whole decades, thinned to about eight. uPlot's own log splits enumerate every decade with its
 * minor steps, which fails outright when a probe spans sixty decades (1e-30 to 1e30).
 */
export function decadeSplits(min: number, max: number): number[] {
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  const splits: number[] = [];
  for (let e = lo; e <= hi; e += step) splits.push(10 ** e);
  return splits;
}

/** A shaded horizontal region of a chart, in the y axis' own units (a healthy range, a target). */
export interface Band {
  from: number;
  to: number;
  /** A word or two written inside the band ("healthy"). */
  label?: string;
}

/**
 * The data's y extent grown to hold the band, so that the band stays in view whatever the lines do (and an
 * empty chart shows the band alone). Nulls are the absence of data, as uPlot passes it.
 */
export function spanWithBand(min: number | null, max: number | null, band: Band): [number, number] {
  const lo = Math.min(band.from, band.to);
  const hi = Math.max(band.from, band.to);
  return [min === null ? lo : Math.min(min, lo), max === null ? hi : Math.max(max, hi)];
}

/**
 * Where the band falls on the canvas: its top edge and height in pixels, cut to the plotting area [top,
 * top + height], or null when none of it shows. `toPixel` is the y scale (uPlot's valToPos; on a log axis
 * too, so the band's edges are data values, never logarithms).
 */
export function bandPixels(band: Band, toPixel: (value: number) => number, top: number, height: number): { y: number; height: number } | null {
  const a = toPixel(band.from);
  const b = toPixel(band.to);
  const y0 = Math.max(top, Math.min(a, b));
  const y1 = Math.min(top + height, Math.max(a, b));
  return y1 > y0 ? { y: y0, height: y1 - y0 } : null;
}

/**
 * What a logarithmic axis can draw: values within [LOG_FLOOR, LOG_CEILING]. A spread of exactly zero (a dead
 * layer's gradients) or an overflow would otherwise vanish from the plot or stretch it over hundreds of
 * decades; hosts say when something was clamped.
 */
export const LOG_FLOOR = 1e-12;
export const LOG_CEILING = 1e12;

/** A value for a log axis: clamped into [LOG_FLOOR, LOG_CEILING] (flagged), or null (a gap) when it is not a number. */
export function forLogAxis(value: number): { value: number | null; clamped: boolean } {
  if (Number.isNaN(value)) return { value: null, clamped: false };
  if (value < LOG_FLOOR) return { value: LOG_FLOOR, clamped: true };
  if (value > LOG_CEILING) return { value: LOG_CEILING, clamped: true };
  return { value, clamped: false };
}
