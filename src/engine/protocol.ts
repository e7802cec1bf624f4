/**
 * The typed message protocol between the page and the engine's worker. Components never touch GPU objects:
 * they send intents (Command) and render the state the engine reports (EngineEvent).
 */
import type { AdapterSummary } from '../gpu/context.ts';
import type { EpochResult, Progress } from '../train/trainer.ts';
import type { Recipe } from '../train/recipe.ts';

/** A test image the page can draw: 28x28 u8 pixels with its label and the model's prediction. */
export interface DigitSample {
  index: number;
  label: number;
  prediction: number;
  pixels: Uint8Array;
}

export interface Evaluation {
  epoch: number;
  accuracy: number;
  correct: number;
  count: number;
  /** C x C counts, rows = true label, columns = prediction. */
  confusion: number[];
  /** A random test image (seeded by the recipe's seed and the epoch). */
  sample: DigitSample;
  /** Up to 48 misclassified test images, in test-set order. */
  misclassified: DigitSample[];
}

/** Per-layer statistics of a deep ReLU stack at initialization, measured on the GPU from one real batch. */
export interface ProbeResult {
  init: string;
  /** Standard deviation of each hidden layer's activations (post-ReLU), first to last, then of the logits. */
  activationStd: number[];
  /** Standard deviation of dLoss/dz (pre-activation gradient) of each layer, first to last. */
  gradientStd: number[];
  /** Standard deviation of each layer's weight gradient, first to last. */
  weightGradientStd: number[];
}

/** The most bytes a user's dataset (its four files together, as given) may have. */
export const MAX_DATASET_BYTES = 256 * 1024 * 1024;

export type RunState = 'loading' | 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'error';

export type Command =
  /** Load the dataset (once) from `dataUrl` (a folder holding MNIST's four IDX files, .gz) and report ready. */
  | { type: 'init'; dataUrl: string }
  /**
   * Replace the dataset with the user's four IDX files (MNIST's names, plain or .gz; 256 MB at most in all).
   * Answered by 'ready' with the new dataset, or by 'error' with the old one kept.
   */
  | { type: 'load-dataset'; name: string; files: Array<{ name: string; bytes: Uint8Array }> }
  /** Build a model for `recipe` and train; `evalEachEpoch` evaluates on the test set after every epoch. */
  | { type: 'start'; recipe: Recipe; evalEachEpoch: boolean }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Stop the run and free its GPU buffers (the trained weights stay for predict/export until the next start). */
  | { type: 'stop' }
  /** One training step (builds the run first if there is none; leaves it paused). */
  | { type: 'step'; recipe: Recipe }
  | { type: 'set-lr'; lr: number }
  /** Classify `pixels` (rows*cols u8) with the current weights. */
  | { type: 'predict'; id: number; pixels: Uint8Array }
  | { type: 'export-weights' }
  /** Load weights (safetensors, PyTorch nn.Sequential layout) into a model of `recipe`'s widths. */
  | { type: 'import-weights'; bytes: Uint8Array; recipe: Recipe }
  /** Depth probe: for each initializer, one forward and backward pass of `layers` on a real batch. */
  | { type: 'probe'; id: number; layers: number[]; inits: string[]; batch: number; seed: number }
  /** Initialization lab: train `recipe` once per initializer, interleaved, reporting each run separately. */
  | { type: 'lab'; recipe: Recipe; inits: string[] }
  | { type: 'lab-stop' }
  /** After 'device-lost': a new device, and the run continued from the checkpoint kept in memory. */
  | { type: 'recover' }
  /** Destroys the GPU device, as a driver reset would: for testing how a run survives it. */
  | { type: 'simulate-device-loss' }
  /** Report what the engine holds on the GPU now. */
  | { type: 'stats'; id: number };

export type EngineEvent =
  | { type: 'ready'; adapter: AdapterSummary; dataset: { name: string; train: number; test: number; rows: number; cols: number; classes: number } }
  /** WebGPU is missing or no adapter could be had: `reason` says which and what to do. */
  | { type: 'unsupported'; reason: string }
  | { type: 'state'; state: RunState }
  | { type: 'progress'; progress: Progress; stepsTotal: number }
  | { type: 'epoch'; result: EpochResult }
  | { type: 'evaluation'; evaluation: Evaluation }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'weights'; bytes: Uint8Array; filename: string }
  | { type: 'weights-imported'; evaluation: Evaluation }
  | { type: 'probe'; id: number; results: ProbeResult[] }
  /** Every step's loss since the last report; `step` is the global step of the first. */
  | { type: 'lab-progress'; init: string; step: number; losses: number[] }
  | { type: 'lab-epoch'; init: string; epoch: number; loss: number; accuracy: number }
  | { type: 'lab-done' }
  /** GPU bytes held (in all and by purpose), live buffers and compiled pipelines. */
  | { type: 'stats'; id: number; bytes: number; byPurpose: Record<string, number>; buffers: number; pipelines: number }
  /** The GPU device was lost; `checkpoint` says what 'recover' would continue from (null: nothing to resume). */
  | { type: 'device-lost'; message: string; checkpoint: { epoch: number; step: number } | null }
  /**
   * A failure; the page stays usable. `field` names the setting at fault when there is one; `about` (the run,
   * the lab, a dataset upload) or `id` (a request) says what it concerns, so it reaches the element concerned.
   */
  | { type: 'error'; message: string; field?: string; about?: 'run' | 'lab' | 'dataset'; id?: number };
