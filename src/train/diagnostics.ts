/**
 * What the engine measures inside a network while it trains, every few steps, on the GPU: per layer, the
 * activations' mean and spread, the units that are dead for the whole batch, histograms of activations and
 * of dLoss/dz, the gradients' spread, and how big each step's update is against the weights. The types here
 * are what `fit` reports (Progress.diagnostics, EpochResult.diagnostics), what the worker sends the page and
 * what the CLI prints; the kernels that fill them are in src/gpu/ and src/shaders/, their float64 oracle in
 * src/reference/.
 */

/** Bins of every histogram. */
export const HISTOGRAM_BINS = 32;

export interface Histogram {
  /** The range the reduction chose (the values' min and max); bin i covers [min + i w, min + (i + 1) w), w = (max - min) / bins. */
  min: number;
  max: number;
  /** HISTOGRAM_BINS counts; they add up to the number of values. */
  counts: number[];
}

/** One Linear layer (1-based: layer 1 reads the images, the last writes the logits) at one step. */
export interface LayerDiagnostics {
  layer: number;
  /** Mean and standard deviation (population) of the layer's output over the batch: after ReLU for a hidden layer, the logits for the last. */
  actMean: number;
  actStd: number;
  /** Fraction of the layer's units that are zero for every example of the batch (ReLU units that are dead); 0 for the last layer. */
  deadFrac: number;
  /** Standard deviation of dLoss/dz, the gradient with respect to the layer's pre-activation, over the batch. */
  gradStd: number;
  /** Standard deviation of dLoss/dW over the layer's weight matrix. */
  weightGradStd: number;
  /** log10(std(ΔW) / std(W)): the step's update of the weight matrix against the weights; near -3 is healthy. */
  updateRatio: number;
  actHistogram: Histogram;
  gradHistogram: Histogram;
}

/** Every layer at one global step (1-based), measured on that step's batch. */
export interface StepDiagnostics {
  step: number;
  epoch: number;
  layers: LayerDiagnostics[];
  /**
   * When a statistic stopped being finite: the first layer (forward order) and the step where it did, so
   * that a diverged run names where it broke instead of showing NaN everywhere.
   */
  nonFinite?: { layer: number; step: number; what: string };
}

/** The healthy band of the update ratio log10(std(ΔW) / std(W)) drawn beside it: around -3. */
export const HEALTHY_UPDATE_RATIO: readonly [number, number] = [-4, -2];
