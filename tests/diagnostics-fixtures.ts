/**
 * Synthetic StepDiagnostics for the "Inside the network" panel's tests: a run measured every `every` steps
 * on a ReLU stack (hidden layers of 256 units, 10 outputs, batch 100), shaped after what each kind of run
 * does. Pure and deterministic (formulas, no randomness); not product code.
 *
 * - healthy: spreads within a few times of each other across layers, 2-6% dead units, updates near 1e-3;
 * - vanishing: N(0, 0.01)-like, every layer's activations a tenth of the one before, gradients likewise
 *   towards the input, updates below the band;
 * - dead: layer 2 has 38% of its units dead;
 * - large-steps: updates at 10^-1.2 of the weights (6.3%);
 * - diverged: from step `divergeAt` on, layer 2's gradients are NaN (and everything after them).
 */
import { HISTOGRAM_BINS, type Histogram, type LayerDiagnostics, type StepDiagnostics } from '../src/train/diagnostics.ts';

export type Scenario = 'healthy' | 'vanishing' | 'dead' | 'large-steps' | 'diverged';

export interface SyntheticRun {
  scenario: Scenario;
  /** Linear layers (2 or more): layers - 1 hidden ReLU layers of 256 units, then 10 outputs. */
  layers: number;
  steps: number;
  every: number;
  /** For 'diverged': the first step whose statistics are not finite. */
  divergeAt?: number;
  stepsPerEpoch?: number;
}

const BATCH = 100;

/** Counts over HISTOGRAM_BINS bins adding up to `total`, shaped by `weight(i)` (rounding lands in the largest bin). */
function shaped(total: number, weight: (i: number) => number): number[] {
  const w = Array.from({ length: HISTOGRAM_BINS }, (_, i) => weight(i));
  const sum = w.reduce((a, b) => a + b, 0);
  const counts = w.map((x) => Math.floor((x / sum) * total));
  const peak = counts.indexOf(Math.max(...counts));
  counts[peak] += total - counts.reduce((a, b) => a + b, 0);
  return counts;
}

/** After ReLU: a spike at zero (the inactive and dead units) and a decaying tail up to four spreads. */
function reluHistogram(total: number, std: number, zeros: number): Histogram {
  const tail = shaped(Math.round(total * (1 - zeros)), (i) => (i === 0 ? 0 : Math.exp(-i / 6)));
  tail[0] = total - tail.reduce((a, b) => a + b, 0);
  return { min: 0, max: 4 * std, counts: tail };
}

/** Bell-shaped around zero over ±4 spreads (gradients, logits). */
function bellHistogram(total: number, std: number): Histogram {
  const centre = (HISTOGRAM_BINS - 1) / 2;
  return { min: -4 * std, max: 4 * std, counts: shaped(total, (i) => Math.exp(-(((i - centre) / 4) ** 2) / 2)) };
}

const NAN_HISTOGRAM: Histogram = { min: NaN, max: NaN, counts: new Array(HISTOGRAM_BINS).fill(0) };

function layerAt(run: SyntheticRun, layer: number, step: number): LayerDiagnostics {
  const output = layer === run.layers;
  const width = output ? 10 : 256;
  const fromOutput = run.layers - layer;
  const settle = Math.log10(step + 1); // slow drift as training goes on
  let actStd = 0.6 + 0.05 * layer;
  let gradStd = 3e-3 * 0.8 ** fromOutput;
  let deadFrac = output ? 0 : 0.02 * layer;
  let updateRatio = -2.6 - 0.2 * settle;
  switch (run.scenario) {
    case 'vanishing':
      actStd = 0.08 * 0.1 ** (layer - 1);
      gradStd = 3e-3 * 0.1 ** fromOutput;
      updateRatio = -4.5 - 0.3 * fromOutput;
      break;
    case 'dead':
      if (layer === 2 && !output) deadFrac = 0.38;
      break;
    case 'large-steps':
      updateRatio = -1.2;
      break;
    default:
      break;
  }
  const broken = run.scenario === 'diverged' && step >= (run.divergeAt ?? Infinity) && layer >= 2;
  if (broken) {
    actStd = NaN;
    gradStd = NaN;
    updateRatio = NaN;
  }
  const values = BATCH * width;
  return {
    layer,
    actMean: actStd / 2,
    actStd,
    deadFrac,
    gradStd,
    weightGradStd: gradStd * 2,
    updateRatio,
    actHistogram: broken ? NAN_HISTOGRAM : output ? bellHistogram(values, actStd) : reluHistogram(values, actStd, 0.45 + deadFrac / 2),
    gradHistogram: broken ? NAN_HISTOGRAM : bellHistogram(values, gradStd),
  };
}

/** The measurements of a synthetic run, oldest first: steps every, 2 every, ... up to steps. */
export function syntheticRun(run: SyntheticRun): StepDiagnostics[] {
  const out: StepDiagnostics[] = [];
  for (let step = run.every; step <= run.steps; step += run.every) {
    const layers = Array.from({ length: run.layers }, (_, i) => layerAt(run, i + 1, step));
    const d: StepDiagnostics = { step, epoch: Math.ceil(step / (run.stepsPerEpoch ?? 100)), layers };
    if (run.scenario === 'diverged' && step >= (run.divergeAt ?? Infinity)) d.nonFinite = { layer: 2, step: run.divergeAt!, what: 'dLoss/dz' };
    out.push(d);
  }
  return out;
}
