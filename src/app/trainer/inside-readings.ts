/**
 * What the "Inside the network" panel says in words: a few one-line readings computed from the engine's
 * per-layer measurements, each said only when the numbers support it, with the thresholds below. Pure
 * (unit-tested in tests/inside-readings.test.ts).
 */
import { HEALTHY_UPDATE_RATIO, type LayerDiagnostics, type StepDiagnostics } from '../../train/diagnostics.ts';

export type ReadingTopic = 'diverged' | 'dead' | 'activations' | 'gradients' | 'updates';

export interface Reading {
  topic: ReadingTopic;
  /** good: inside what is healthy; warn: worth a look; bad: training is (or will be) hurt. */
  tone: 'good' | 'warn' | 'bad';
  text: string;
}

/**
 * A layer is named once a fifth of its units are dead on the batch measured. Zero for every image of one
 * batch (a hundred or so) is not yet dead for good: a unit can wait for a rarer input, and healthy Quick runs
 * here show up to a tenth of layer 2 so; from a fifth on it is more than that (N(0, 0.01) shows 20-30%, a
 * learning rate of 0.05 kills 90% of layer 1). From half on it is bad, not a warning.
 */
const DEAD_WARN = 0.2;
const DEAD_BAD = 0.5;

/**
 * Spreads that differ by more than two decades (100 times) between the first and the last layer: the
 * signal vanishes or explodes with depth. A well-initialized ReLU stack keeps them within a few times of
 * each other; the lesson's N(0, 0.01) on 784-256-256-10 already loses about two decades.
 */
const SPREAD_RATIO = 100;

/** The update ratio's healthy band, in log10(std(ΔW) / std(W)). */
const [UPDATE_LOW, UPDATE_HIGH] = HEALTHY_UPDATE_RATIO;

/** 0.000412 → "4e-4"; 5230 → "5e3": a ratio across decades, to one figure. */
export function decades(ratio: number): string {
  return ratio.toExponential(0).replace('+', '');
}

/** A log10 update ratio as a percentage of the weights' typical size, to two figures: -1.2 → "6.3%". */
export function updatePercent(log10Ratio: number): string {
  return `${Number((10 ** log10Ratio * 100).toPrecision(2))}%`;
}

/** The healthy band in words: "0.01% to 1%". */
export const HEALTHY_RANGE = `${updatePercent(UPDATE_LOW)} to ${updatePercent(UPDATE_HIGH)}`;

/** "layer 2", "layers 2 and 3", "layers 1, 2 and 3". */
function layerList(layers: number[]): string {
  if (layers.length === 1) return `layer ${layers[0]}`;
  return `layers ${layers.slice(0, -1).join(', ')} and ${layers[layers.length - 1]}`;
}

/**
 * The tensor that stopped being finite, in words, for the names the engine gives (src/train/sampling.ts:
 * NonFiniteWhat); any other name is said as it is.
 */
const WHAT_WORDS: Record<string, string> = {
  activations: 'the activations',
  'dLoss/dz': 'the gradients (dLoss/dz)',
  'dLoss/dW': 'the weight gradients (dLoss/dW)',
  weights: 'the weights',
  update: 'the weight update',
};

function diverged(nonFinite: NonNullable<StepDiagnostics['nonFinite']>): Reading {
  const what = WHAT_WORDS[nonFinite.what] ?? nonFinite.what;
  return {
    topic: 'diverged',
    tone: 'bad',
    text: `The run diverged at step ${nonFinite.step}: ${what} of layer ${nonFinite.layer} stopped being finite (NaN or infinity). A lower learning rate or smaller starting weights usually prevent it.`,
  };
}

function deadUnits(hidden: LayerDiagnostics[]): Reading | null {
  const named = hidden.filter((l) => l.deadFrac >= DEAD_WARN);
  if (named.length === 0) return null;
  const pct = (l: LayerDiagnostics) => `${Math.round(l.deadFrac * 100)}%`;
  const tone = named.some((l) => l.deadFrac >= DEAD_BAD) ? 'bad' : 'warn';
  const text =
    named.length === 1
      ? `Layer ${named[0].layer}: ${pct(named[0])} of units dead (zero for every image of the batch: they get no gradient).`
      : `Dead units (zero for every image of the batch: they get no gradient): ${named.map((l) => `${pct(l)} in layer ${l.layer}`).join(', ')}.`;
  return { topic: 'dead', tone, text };
}

/** The hidden layers' output spread, first against last: compared only across two or more ReLU layers. */
function activations(hidden: LayerDiagnostics[]): Reading | null {
  if (hidden.length < 2) return null;
  const first = hidden[0];
  const last = hidden[hidden.length - 1];
  // A layer whose output is all zero is said by the dead units (100%), not as a ratio of 0.
  if (!(first.actStd > 0 && last.actStd > 0)) return null;
  const ratio = last.actStd / first.actStd;
  if (ratio < 1 / SPREAD_RATIO) {
    return { topic: 'activations', tone: 'bad', text: `Activations fade with depth: layer ${last.layer}'s spread is ${decades(ratio)} of layer ${first.layer}'s.` };
  }
  if (ratio > SPREAD_RATIO) {
    return { topic: 'activations', tone: 'bad', text: `Activations explode with depth: layer ${last.layer}'s spread is ${decades(ratio)} times layer ${first.layer}'s.` };
  }
  return null;
}

/** dLoss/dz at the first layer against the output's: what backpropagation delivers to the bottom of the stack. */
function gradients(layers: LayerDiagnostics[]): Reading | null {
  if (layers.length < 2) return null;
  const first = layers[0];
  const output = layers[layers.length - 1];
  if (!(output.gradStd > 0)) return null;
  // Exactly zero (every unit feeding it dead, say): there is no ratio to write, only the fact.
  if (first.gradStd === 0) {
    return { topic: 'gradients', tone: 'bad', text: `No gradient reaches layer ${first.layer}: its dLoss/dz is zero for every image of the batch, so it does not learn.` };
  }
  const ratio = first.gradStd / output.gradStd;
  if (ratio < 1 / SPREAD_RATIO) {
    return { topic: 'gradients', tone: 'bad', text: `Gradients reaching layer ${first.layer} are ${decades(ratio)} of those at the output: the first layers barely learn (vanishing gradients).` };
  }
  if (ratio > SPREAD_RATIO) {
    return { topic: 'gradients', tone: 'bad', text: `Gradients reaching layer ${first.layer} are ${decades(ratio)} times those at the output (exploding gradients).` };
  }
  return null;
}

/**
 * Each layer's step against its weights, read against the healthy band; the extreme layer's number is said.
 * A ratio of -Infinity is an update of exactly zero: a layer whose inputs are all zero (every unit before it
 * dead) gets no weight gradient, and its weights stand still.
 */
function updates(layers: LayerDiagnostics[]): Reading[] {
  const readings: Reading[] = [];
  const still = layers.filter((l) => l.updateRatio === -Infinity);
  if (still.length > 0) {
    const verb = still.length === 1 ? 'does' : 'do';
    readings.push({ topic: 'updates', tone: 'bad', text: `The weights of ${layerList(still.map((l) => l.layer))} ${verb} not change at all: their update is zero.` });
  }
  const measured = layers.filter((l) => Number.isFinite(l.updateRatio));
  if (measured.length === 0) return readings;
  const above = measured.filter((l) => l.updateRatio > UPDATE_HIGH);
  const below = measured.filter((l) => l.updateRatio < UPDATE_LOW);
  if (above.length > 0) {
    const most = Math.max(...above.map((l) => l.updateRatio));
    const size = above.length === 1 ? `about ${updatePercent(most)}` : `up to ${updatePercent(most)}`;
    readings.push({
      topic: 'updates',
      tone: 'warn',
      text: `Each step changes the weights of ${layerList(above.map((l) => l.layer))} by ${size} of their typical size, above the healthy ${HEALTHY_RANGE}: steps may be too large.`,
    });
  }
  if (below.length > 0) {
    const least = Math.min(...below.map((l) => l.updateRatio));
    const size = below.length === 1 ? `only about ${updatePercent(least)}` : `as little as ${updatePercent(least)}`;
    readings.push({
      topic: 'updates',
      tone: 'warn',
      text: `Each step changes the weights of ${layerList(below.map((l) => l.layer))} by ${size} of their typical size, below the healthy ${HEALTHY_RANGE}: learning there is slow.`,
    });
  }
  if (above.length === 0 && below.length === 0) {
    const lo = updatePercent(Math.min(...measured.map((l) => l.updateRatio)));
    const hi = updatePercent(Math.max(...measured.map((l) => l.updateRatio)));
    const size = lo === hi ? `about ${lo}` : `${lo} to ${hi}`;
    const where = still.length > 0 ? `in ${layerList(measured.map((l) => l.layer))}` : 'in every layer';
    readings.push({ topic: 'updates', tone: 'good', text: `Each step changes the weights by ${size} of their typical size ${where}: inside the healthy ${HEALTHY_RANGE}.` });
  }
  return readings;
}

/**
 * The readings for a run's measurements so far (oldest first): once a statistic stopped being finite, only
 * where and when (the numbers after it mean nothing); otherwise dead units, activations and gradients across
 * depth, and the size of the updates, from the latest measurement. None before the first measurement.
 */
export function readNetwork(history: readonly StepDiagnostics[]): Reading[] {
  const broke = history.find((d) => d.nonFinite)?.nonFinite;
  if (broke) return [diverged(broke)];
  const latest = history[history.length - 1];
  if (!latest) return [];
  const hidden = latest.layers.slice(0, -1);
  return [deadUnits(hidden), activations(hidden), gradients(latest.layers), ...updates(latest.layers)].filter((r): r is Reading => r !== null);
}
