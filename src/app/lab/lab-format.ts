/**
 * Pure helpers for the initialization lab: the initializers it offers (with a stable colour each, so a
 * scheme looks the same in every chart), number formatting for tables, the clamp that keeps log-scale
 * charts drawable, and plain-language summaries for screen readers (series alignment is widgets/series.ts).
 * No DOM, no engine: unit-tested in tests/lab-format.test.ts.
 */

export interface InitChoice {
  /** The initializer in parseInitializer's grammar: what the worker receives. */
  value: string;
  label: string;
}

/** The schemes the lab compares, in the order they are listed. */
export const INIT_CHOICES: readonly InitChoice[] = [
  { value: 'xavier-uniform', label: 'Xavier uniform' },
  { value: 'xavier-normal', label: 'Xavier normal' },
  { value: 'he-uniform', label: 'He uniform' },
  { value: 'he-normal', label: 'He normal' },
  { value: 'pytorch-default', label: 'PyTorch default' },
  { value: 'normal:0,1', label: 'N(0, 1)' },
  { value: 'normal:0,0.01', label: 'N(0, 0.01)' },
];

/** Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), then a grey. */
const PALETTE = ['#0072b2', '#56b4e9', '#d55e00', '#e69f00', '#7f7f7f', '#cc79a7', '#009e73'];

export function colorFor(init: string): string {
  const index = INIT_CHOICES.findIndex((c) => c.value === init);
  return PALETTE[(index < 0 ? INIT_CHOICES.length : index) % PALETTE.length];
}

/** Each family also has its own dash, so the charts do not rely on colour alone. */
export function dashFor(init: string): number[] | undefined {
  if (init.startsWith('he-')) return [8, 4];
  if (init.startsWith('pytorch')) return [12, 4, 2, 4];
  if (init.startsWith('normal') || init.startsWith('uniform')) return [3, 3];
  return undefined;
}

export function labelFor(init: string): string {
  return INIT_CHOICES.find((c) => c.value === init)?.label ?? init;
}

/** Log-scale charts cannot draw 0 or 1e-300: values are clamped into this band for drawing only. */
export const LOG_FLOOR = 1e-30;
export const LOG_CEILING = 1e30;

/** A value as a log-scale chart can draw it: clamped into [LOG_FLOOR, LOG_CEILING]; NaN becomes a gap. */
export function forLogScale(value: number): number | null {
  if (Number.isNaN(value)) return null;
  return Math.min(LOG_CEILING, Math.max(LOG_FLOOR, value));
}

/** A standard deviation or loss for a table: exact enough to compare, and honest about 0, NaN and infinity. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e4 ? String(Number(value.toPrecision(4))) : value.toExponential(2);
}

export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(2)}%` : '—';
}


export type Trend = 'vanishes' | 'shrinks' | 'stays in range' | 'grows' | 'explodes' | 'breaks (NaN)';

/**
 * How a signal evolves as it travels through the layers (values in travel order), judged by where it ends
 * against where it starts: within a factor of 10 it stays in range; beyond a factor of 1000 a few more
 * layers would take it to nothing (or to overflow).
 */
export function trendOf(values: readonly number[]): Trend {
  if (values.some((v) => Number.isNaN(v))) return 'breaks (NaN)';
  const start = values[0];
  const end = values[values.length - 1];
  if (start === Infinity || end === Infinity) return 'explodes';
  if (start === 0) return end > 0 ? 'explodes' : 'vanishes';
  const ratio = end / start;
  if (ratio < 1e-3) return 'vanishes';
  if (ratio < 1e-1) return 'shrinks';
  if (ratio > 1e3) return 'explodes';
  if (ratio > 1e1) return 'grows';
  return 'stays in range';
}

/**
 * "activations vanish, from 0.5 at layer 1 to 1e-7 at layer 21": `values` are per layer, first to last;
 * the forward signal travels that way, the backward one (gradients) from the last layer back to the first.
 */
export function signalPhrase(what: string, values: readonly number[], direction: 'forward' | 'backward'): string {
  if (values.length === 0) return `no ${what} reported`;
  const n = values.length;
  const travel = direction === 'forward' ? [...values] : [...values].reverse();
  const [from, to] = direction === 'forward' ? [1, n] : [n, 1];
  return `${what} ${trendOf(travel)}, from ${formatValue(travel[0])} at layer ${from} to ${formatValue(travel[n - 1])} at layer ${to}`;
}

/** The probe's result for one scheme in a sentence, for screen readers and for anyone skimming. */
export function describeProbe(label: string, activationStd: readonly number[], gradientStd: readonly number[]): string {
  return `${label}: ${signalPhrase('activation spread', activationStd, 'forward')}; ${signalPhrase('gradient spread', gradientStd, 'backward')}.`;
}
