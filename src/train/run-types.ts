/**
 * What a training run takes and reports: the options of fit() and run(), the progress and epoch reports, an
 * evaluation's result and the whole state a snapshot holds. The trainer (trainer.ts) re-exports them.
 */
import type { RngState } from '../init/rng.ts';
import type { StepDiagnostics } from './diagnostics.ts';
import type { GpuDataset } from './gpu-dataset.ts';
import type { Recipe } from './recipe.ts';
import type { DiagnosticsOptions } from './sampling.ts';

export interface Progress {
  /** 1-based epoch being trained. */
  epoch: number;
  epochs: number;
  /** Steps finished in this epoch, and in the run. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  step: number;
  /** Mean loss of the steps just finished. */
  loss: number;
  samplesPerSecond: number;
  /** Per-step losses just finished (for charts). */
  losses: Float32Array;
  /** With diagnostics on: the steps of this chunk that were sampled (often none), in order. */
  diagnostics?: StepDiagnostics[];
}

export interface EpochResult {
  epoch: number;
  /** Mean over the epoch's batches, as the lesson prints it. */
  loss: number;
  seconds: number;
  samplesPerSecond: number;
  steps: number;
  /** Awaited-or-not readbacks this epoch: one per chunk, none inside the step loop. */
  readbacks: number;
  /** With diagnostics on: the epoch's last sample (its last step is always sampled). */
  diagnostics?: StepDiagnostics;
}

export interface EvalResult {
  correct: number;
  count: number;
  accuracy: number;
  /**
   * C x C counts, C the model's outputs (at least the classes), rows = true label, columns = prediction; rows
   * past the dataset's classes are zero.
   */
  confusion: Uint32Array;
  predictions: Uint32Array;
}

/** A run's whole state between steps; see Trainer.snapshot(). */
export interface TrainingState {
  recipe: Recipe;
  /** Parameter arena and the optimizer's arenas (Adam: m, v; SGD: momentum), ParamLayout order. */
  params: Float32Array;
  optimizer: Float32Array[];
  /** Epochs finished and steps taken. */
  epoch: number;
  step: number;
  /** The shuffle's state before the interrupted epoch's permutation (or the next one's). */
  rng: RngState;
  partialEpoch: { epoch: number; done: number; losses: Float32Array; seconds: number } | null;
}

export interface RunOptions extends TrainOptions {
  /** Run at most this many steps. */
  maxSteps?: number;
  /** Return once the current epoch is finished (to evaluate between epochs). */
  untilEpochEnd?: boolean;
}

export interface CreateOptions {
  /** Images already on the GPU (shared by several trainers); the caller keeps ownership. */
  images?: GpuDataset;
  /**
   * Whether the optimizer checks every gradient, moment and updated parameter for NaN and infinity, and the
   * trainer keeps the state from before each chunk to go back to when one is found (default true). Off, only
   * a loss that is not finite stops a run; the benchmark turns it off to measure what the checks cost.
   */
  checkValues?: boolean;
}

export interface TrainOptions {
  onProgress?: (p: Progress) => void;
  onEpoch?: (e: EpochResult) => void;
  /** Stops after the chunk in flight; run() then resolves with the epochs finished. */
  signal?: AbortSignal;
  /**
   * Per-layer statistics of every `every`-th step (and of the run's first step and each epoch's last, see
   * sampling.ts), measured on the GPU and reported in Progress.diagnostics and EpochResult.diagnostics.
   * Off when absent; defaultDiagnosticsEvery(layers) keeps their cost within 5% of the throughput.
   */
  diagnostics?: DiagnosticsOptions;
}
