/**
 * Chart data helpers with no DOM: merging series sampled at different x onto one axis (uPlot's AlignedData),
 * and fitting a y range around the data. Unit-tested in tests/chart-series.test.ts.
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
