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
