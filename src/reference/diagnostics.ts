/**
 * Float64 oracle of the diagnostics (src/shaders/stats.wgsl and the sampled step in src/train/graph.ts): the
 * statistics of one tensor, and every layer's LayerDiagnostics for one training step, from a ReferenceMlp's
 * forward and backward pass of the batch and the weights before and after the step's update.
 *
 * The rules the GPU follows, stated once more as plain loops: values that are not finite are counted and
 * left out; mean and standard deviation (population) are NaN when any value was not finite; the histogram
 * has HISTOGRAM_BINS bins over [min, max] of the finite values, bin = min(floor((x - min) / (max - min) *
 * bins), bins - 1), every value in bin 0 when max == min; a dead unit is a column of a hidden layer's (B, N)
 * activations that is zero in every row; the update ratio is log10(std(W_after - W_before) / std(W_after)),
 * the weights the update produced, as Karpathy's makemore measures it right after the step.
 */
import { HISTOGRAM_BINS, type LayerDiagnostics } from '../train/diagnostics.ts';
import type { NonFiniteFlags } from '../train/sampling.ts';
import { ReferenceMlp, type LayerParams } from './mlp.ts';

export interface TensorStats {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Values that are not finite (left out of everything else), and those kept. */
  nonFinite: number;
  finite: number;
  /** Columns zero in every row (when `cols` was given). */
  dead: number;
  counts: number[];
}

/** Where `x` falls among `bins` bins over [min, max], as a real number (its bin is the floor, capped). */
export function binPosition(x: number, min: number, max: number, bins = HISTOGRAM_BINS): number {
  return max === min ? 0 : ((x - min) / (max - min)) * bins;
}

/** Statistics of `x`; `cols` (> 0) reads it as (x.length / cols, cols) row-major and counts dead columns. */
export function tensorStats(x: ArrayLike<number>, cols = 0, bins = HISTOGRAM_BINS): TensorStats {
  const kept: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) kept.push(x[i]);
  const nonFinite = x.length - kept.length;
  let min = kept.length ? Infinity : 0;
  let max = kept.length ? -Infinity : 0;
  let sum = 0;
  for (const v of kept) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const n = Math.max(kept.length, 1);
  const mean = sum / n;
  let squares = 0;
  for (const v of kept) squares += (v - mean) ** 2;
  const counts = new Array<number>(bins).fill(0);
  for (const v of kept) counts[Math.min(Math.floor(binPosition(v, min, max, bins)), bins - 1)]++;
  let dead = 0;
  if (cols > 0) {
    const rows = x.length / cols;
    for (let c = 0; c < cols; c++) {
      let zero = true;
      for (let r = 0; r < rows && zero; r++) zero = x[r * cols + c] === 0;
      if (zero) dead++;
    }
  }
  const bad = nonFinite > 0;
  return { mean: bad ? NaN : mean, std: bad ? NaN : Math.sqrt(squares / n), min, max, nonFinite, finite: kept.length, dead, counts };
}

export interface ReferenceStep {
  layers: LayerDiagnostics[];
  /** Which of each layer's tensors held a value that was not finite. */
  flags: NonFiniteFlags[];
  /** The statistics behind each layer's numbers, for tests that look closer (histogram edges, say). */
  tensors: Array<{ activations: Float64Array; gradients: Float64Array }>;
}

/**
 * Every layer's diagnostics for one step of an MLP of `widths` on the batch `x` (B, widths[0]) with
 * `labels`, from the parameters before the step (which the forward and backward pass use) and after it.
 */
export function referenceDiagnostics(widths: number[], before: LayerParams[], after: LayerParams[], x: Float64Array, labels: ArrayLike<number>, B: number): ReferenceStep {
  const mlp = new ReferenceMlp(widths, before, { kind: 'sgd', lr: 0, momentum: 0 });
  const { hidden, logits, dz, grads } = mlp.trace(x, labels, B);
  const L = widths.length - 1;
  const flags: NonFiniteFlags[] = [];
  const tensors: ReferenceStep['tensors'] = [];
  const layers = Array.from({ length: L }, (_, l): LayerDiagnostics => {
    const last = l === L - 1;
    const activations = last ? logits : hidden[l];
    const act = tensorStats(activations, last ? 0 : widths[l + 1]);
    const grad = tensorStats(dz[l]);
    const weightGrad = tensorStats(grads[l].weight);
    const w = after[l].weight;
    const weights = tensorStats(w);
    const update = tensorStats(w.map((v, i) => v - before[l].weight[i]));
    flags.push({ activations: act.nonFinite > 0, 'dLoss/dz': grad.nonFinite > 0, 'dLoss/dW': weightGrad.nonFinite > 0, weights: weights.nonFinite > 0, update: update.nonFinite > 0 });
    tensors.push({ activations, gradients: dz[l] });
    return {
      layer: l + 1,
      actMean: act.mean,
      actStd: act.std,
      deadFrac: last ? 0 : act.dead / widths[l + 1],
      gradStd: grad.std,
      weightGradStd: weightGrad.std,
      updateRatio: Math.log10(update.std / weights.std),
      actHistogram: { min: act.min, max: act.max, counts: act.counts },
      gradHistogram: { min: grad.min, max: grad.max, counts: grad.counts },
    };
  });
  return { layers, flags, tensors };
}
