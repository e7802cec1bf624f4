/**
 * Diagnostics as the trainer takes them: which steps are sampled, where each statistic of a sampled step
 * sits in the statistics buffer (the words src/shaders/stats.wgsl writes), and the StepDiagnostics read back
 * from them. The step that measures is built in graph.ts (prepareSampledStep); its oracle is
 * src/reference/diagnostics.ts.
 */
import { STATS_WORDS } from '../gpu/stats.ts';
import { ConfigError } from './recipe.ts';
import { HISTOGRAM_BINS, type Histogram, type LayerDiagnostics, type StepDiagnostics } from './diagnostics.ts';

export interface DiagnosticsOptions {
  /** Sample every `every`-th step (see isSampled). */
  every: number;
}

/** The interval for a model of up to PARAMETERS_PER_INTERVAL parameters (the lesson's mlp has 269,322). */
export const DEFAULT_DIAGNOSTICS_EVERY = 100;

/**
 * A sampled step reads every weight three times (W, ΔW, dLoss/dW), one workgroup per tensor, so its cost
 * grows with the parameters faster than a step's. Measured by `npm run bench -- --diagnostics` on the
 * software adapter (2 cores), a sampled mlp step cost 0.3 to 3.7 plain steps more from run to run, a sampled
 * deep step (1,195,018 parameters) 2.7 to 2.9: every 50 steps took 92% of the mlp's throughput in one run and
 * 93% of deep's in another. The default interval grows by DEFAULT_DIAGNOSTICS_EVERY for every this many
 * parameters.
 */
const PARAMETERS_PER_INTERVAL = 300_000;

/** The default interval for a model of `widths`: within 5% of the throughput (100 for mlp, 400 for deep). */
export function defaultDiagnosticsEvery(widths: readonly number[]): number {
  const parameters = widths.slice(1).reduce((sum, fanOut, l) => sum + (widths[l] + 1) * fanOut, 0);
  return DEFAULT_DIAGNOSTICS_EVERY * Math.max(1, Math.ceil(parameters / PARAMETERS_PER_INTERVAL));
}

/** Largest interval accepted (a sample a million steps apart is as good as none). */
const MAX_EVERY = 1_000_000;
const EVERY_ALLOWED = `an integer from 1 to ${MAX_EVERY}`;

/** The interval of `options`, or a ConfigError (what is allowed as data) when it is not one. */
export function checkDiagnostics(options: DiagnosticsOptions): number {
  const { every } = options;
  if (!Number.isInteger(every) || every < 1 || every > MAX_EVERY) {
    throw new ConfigError(`diagnostics every is ${every}; allowed: ${EVERY_ALLOWED} (steps)`, { allowed: EVERY_ALLOWED });
  }
  return every;
}

/**
 * Whether global step `t` (1-based) is sampled: the run's first step (the network as initialized), every
 * `every`-th step, and the last step of each epoch (so every epoch ends with a sample).
 */
export function isSampled(t: number, stepInEpoch: number, stepsPerEpoch: number, every: number): boolean {
  return t === 1 || t % every === 0 || stepInEpoch === stepsPerEpoch;
}

/** Words of one job's statistics with and without a histogram. */
const HISTOGRAM_PART = STATS_WORDS + HISTOGRAM_BINS;

/** Where each of a layer's statistics starts in its part of a slot (words). */
export const LAYER_PART = {
  activations: 0,
  gradients: HISTOGRAM_PART,
  weights: 2 * HISTOGRAM_PART,
  update: 2 * HISTOGRAM_PART + STATS_WORDS,
  weightGradients: 2 * HISTOGRAM_PART + 2 * STATS_WORDS,
} as const;

/** Words per layer in a slot; a slot holds every layer of one sampled step, first layer first. */
export const LAYER_WORDS = 2 * HISTOGRAM_PART + 3 * STATS_WORDS;

/** What a non-finite statistic was about, in the order a step computes them (see firstNonFinite). */
export type NonFiniteWhat = 'activations' | 'dLoss/dz' | 'dLoss/dW' | 'weights' | 'update';

/** Which of one layer's tensors held a value that is not finite. */
export type NonFiniteFlags = Record<NonFiniteWhat, boolean>;

/**
 * The first tensor that was not finite, in the order the step computes them: activations from the first
 * layer to the logits, then dLoss/dz from the logits back, then dLoss/dW likewise, then the weights and
 * their update. A forward pass that overflowed in layer 2 thus names layer 2's activations, not the NaN
 * gradients that flowed back from it into layer 1.
 */
export function firstNonFinite(flags: readonly NonFiniteFlags[]): { layer: number; what: NonFiniteWhat } | null {
  const forward = flags.map((_, l) => l);
  const backward = [...forward].reverse();
  const order: Array<[NonFiniteWhat, number[]]> = [['activations', forward], ['dLoss/dz', backward], ['dLoss/dW', backward], ['weights', forward], ['update', forward]];
  for (const [what, layers] of order) {
    const l = layers.find((i) => flags[i][what]);
    if (l !== undefined) return { layer: l + 1, what };
  }
  return null;
}

/** One job's words: its statistics, and whether any value was not finite. */
function part(words: Uint32Array, floats: Float32Array, at: number, histogram: boolean): { mean: number; std: number; dead: number; bad: boolean; histogram: Histogram } {
  return {
    mean: floats[at],
    std: floats[at + 1],
    dead: words[at + 5],
    bad: words[at + 4] > 0,
    histogram: { min: floats[at + 2], max: floats[at + 3], counts: histogram ? Array.from(words.subarray(at + STATS_WORDS, at + HISTOGRAM_PART)) : [] },
  };
}

/**
 * The StepDiagnostics of the slot starting at word `at` of `words` (the statistics buffer read back), for
 * a model of `widths`. nonFinite is this step's own; the trainer carries the first one forward.
 */
export function readSample(words: Uint32Array, at: number, widths: readonly number[], step: number, epoch: number): StepDiagnostics {
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  const L = widths.length - 1;
  const flags: NonFiniteFlags[] = [];
  const layers = Array.from({ length: L }, (_, l): LayerDiagnostics => {
    const base = at + l * LAYER_WORDS;
    const act = part(words, floats, base + LAYER_PART.activations, true);
    const grad = part(words, floats, base + LAYER_PART.gradients, true);
    const weights = part(words, floats, base + LAYER_PART.weights, false);
    const update = part(words, floats, base + LAYER_PART.update, false);
    const weightGrad = part(words, floats, base + LAYER_PART.weightGradients, false);
    flags.push({ activations: act.bad, 'dLoss/dz': grad.bad, 'dLoss/dW': weightGrad.bad, weights: weights.bad, update: update.bad });
    return {
      layer: l + 1,
      actMean: act.mean,
      actStd: act.std,
      deadFrac: l < L - 1 ? act.dead / widths[l + 1] : 0,
      gradStd: grad.std,
      weightGradStd: weightGrad.std,
      updateRatio: Math.log10(update.std / weights.std),
      actHistogram: act.histogram,
      gradHistogram: grad.histogram,
    };
  });
  const broken = firstNonFinite(flags);
  return { step, epoch, layers, ...(broken ? { nonFinite: { ...broken, step } } : {}) };
}
