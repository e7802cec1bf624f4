/**
 * A small histogram's geometry, with no DOM (unit-tested in tests/histogram-bars.test.ts): its bars in a
 * width x height box and where zero falls on its x axis.
 */

/** Equal-width bins over [min, max]: bin i covers [min + i w, min + (i + 1) w), w = (max - min) / counts.length. */
export interface Bins {
  min: number;
  max: number;
  counts: readonly number[];
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  count: number;
}

/** A bin holding any value is at least this tall, so that a lone outlier still shows. */
const MIN_HEIGHT = 1;

/**
 * One bar per non-empty bin, side by side across `width`, standing on the bottom edge of the box. Heights
 * follow the square root of the counts: a ReLU layer puts half of its values or more in the bin at zero, and
 * on a linear scale that spike flattens everything else to nothing; the root keeps a tail of a few dozen
 * values visible while the largest bin still stands tallest.
 */
export function histogramBars(bins: Bins, width: number, height: number): Bar[] {
  const peak = Math.max(0, ...bins.counts);
  if (peak === 0) return [];
  const step = width / bins.counts.length;
  const bars: Bar[] = [];
  bins.counts.forEach((count, i) => {
    if (count <= 0) return;
    const h = Math.max(MIN_HEIGHT, height * Math.sqrt(count / peak));
    bars.push({ x: i * step, y: height - h, width: step, height: h, count });
  });
  return bars;
}

/** Where zero lies across the range (0 at min, 1 at max), or null when it is not strictly inside. */
export function zeroFraction(min: number, max: number): number | null {
  return min < 0 && max > 0 ? -min / (max - min) : null;
}

/** The range can be drawn: both ends are finite numbers (a diverged run's are not). */
export function drawable(bins: Bins): boolean {
  return Number.isFinite(bins.min) && Number.isFinite(bins.max) && bins.counts.every(Number.isFinite);
}
