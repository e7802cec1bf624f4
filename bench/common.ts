/**
 * What every benchmark run in the page shares: the options and result shapes the runner (cli/bench.ts)
 * exchanges with the page, the MNIST data, the run plan (recipe, steps, epochs), the initial weights and
 * the epoch permutations, so our engine and TensorFlow.js start from the same weights and see the same
 * batches in the same order.
 */
import { batchesPerEpoch, permutation } from '../src/data/batches.ts';
import { fetchIdxDataset } from '../src/data/fetch.ts';
import type { Dataset } from '../src/data/idx.ts';
import { parseInitializer } from '../src/init/initializers.ts';
import { deriveSeed, Rng } from '../src/init/rng.ts';
import { Mlp } from '../src/layers/mlp.ts';
import { RECIPES, type Recipe, type RecipeName } from '../src/train/recipe.ts';
import type { MatmulChoice, TuningReport } from '../src/gpu/tuner.ts';
import type { AdapterReport } from './adapter.ts';
import type { Engine, PageOptions } from './options.ts';

export interface TrainBenchOptions {
  recipe: RecipeName;
  /** Steps to time (ignored when epochs is set). */
  steps?: number;
  /** Whole epochs to time. */
  epochs?: number;
  /** Train on the first N training images (0: all 60,000). */
  trainLimit?: number;
  /** Untimed steps first (pipeline compilation, first-use costs); the timed run then starts from the initial weights. */
  warmupSteps?: number;
  /** How our engine picks each product's matmul variant (createContext's tuning mode; default 'auto'). TF.js ignores it. */
  matmul?: MatmulChoice;
}

export interface TrainBenchResult {
  engine: string;
  backend: string;
  recipe: RecipeName;
  layers: number[];
  batch: number;
  trainCount: number;
  stepsPerEpoch: number;
  /** Steps timed, and whether they were whole epochs (else per-epoch figures are projected). */
  steps: number;
  wholeEpochs: boolean;
  seconds: number;
  samplesPerSecond: number;
  /** Seconds per epoch of this run's training set, and of the whole training set (60,000 images: 600 steps of 100). */
  secondsPerEpoch: number;
  secondsPerFullEpoch: number;
  /** Mean loss of the last epoch, or of the steps run. */
  loss: number;
  testAccuracy: number;
  testCount: number;
  /** GPU buffer maps (GPUBuffer.mapAsync calls) during the timed run: every readback, awaited or not. */
  readbacks: number;
  readbacksPerEpoch: number;
  /** The first weights equal the shared CPU initialization (checked by reading them back before training). */
  initialWeightsChecked: boolean;
  /** Our engine: the matmul variant chosen for each product, and how (src/gpu/tuner.ts). */
  matmul?: TuningReport;
  extra: Record<string, unknown>;
}

/** What the bench page offers to copy after a run (and what `npm run bench` reads from it). */
export interface BenchReport {
  /** Which page made it, and its format's version. */
  report: 'webgpu-mlp bench page';
  version: 1;
  date: string;
  userAgent: string;
  crossOriginIsolated: boolean;
  /** The adapter, or why the page got none. */
  adapter: AdapterReport | { error: string };
  options: PageOptions;
  /** Each engine that finished; ours carries its matmul choices (`matmul`). */
  results: Partial<Record<Engine, TrainBenchResult>>;
  /** Each engine that failed, with the page's message and stack. */
  errors: Partial<Record<Engine, string>>;
  /** Wall seconds of the whole run, every engine's loading and building included. */
  seconds: number;
}

export interface PageProgress {
  phase: string;
  step: number;
  steps: number;
}

let dataset: Promise<Dataset> | null = null;

/** MNIST as the site serves it (mnist/*.gz beside the bench/ folder), loaded once per page. */
export function loadMnist(): Promise<Dataset> {
  dataset ??= fetchIdxDataset(new URL('../mnist/', location.href).href);
  return dataset;
}

export interface RunPlan {
  recipe: Recipe;
  trainCount: number;
  stepsPerEpoch: number;
  /** Steps per epoch of the whole training set, for the projection to a full epoch. */
  fullStepsPerEpoch: number;
  steps: number;
  wholeEpochs: boolean;
}

/** The recipe and step count for `opts` on `data`: epochs when given, else steps (default 60). */
export function planRun(data: Dataset, opts: TrainBenchOptions): RunPlan {
  const base = RECIPES[opts.recipe];
  if (!base) throw new Error(`unknown recipe ${opts.recipe}; known: ${Object.keys(RECIPES).join(', ')}`);
  const trainLimit = opts.trainLimit ?? 0;
  const trainCount = trainLimit > 0 ? Math.min(trainLimit, data.train.count) : data.train.count;
  const stepsPerEpoch = batchesPerEpoch(trainCount, base.batch);
  const wholeEpochs = opts.epochs !== undefined;
  const steps = wholeEpochs ? opts.epochs! * stepsPerEpoch : (opts.steps ?? 60);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`the run must have at least one step, got ${steps}`);
  const recipe: Recipe = { ...base, layers: [...base.layers], trainLimit, epochs: Math.ceil(steps / stepsPerEpoch) };
  return { recipe, trainCount, stepsPerEpoch, fullStepsPerEpoch: batchesPerEpoch(data.train.count, base.batch), steps, wholeEpochs };
}

/** The initial parameter arena exactly as Trainer.create draws it (same initializers, same seed stream). */
export function initialArena(recipe: Recipe): { model: Mlp; arena: Float32Array } {
  const model = new Mlp(recipe.layers);
  const arena = model.initialize(parseInitializer(recipe.init), parseInitializer(recipe.biasInit), deriveSeed(recipe.seed, 0));
  return { model, arena };
}

/** The trainer's epoch permutations, in order: the same generator and draws as Trainer's shuffle. */
export function epochOrders(recipe: Recipe, trainCount: number): () => Uint32Array {
  const rng = new Rng(deriveSeed(recipe.seed, 1));
  return () => permutation(trainCount, rng);
}

/** Counts GPUBuffer.mapAsync calls made in this page (by our engine and by TensorFlow.js alike). */
export const mapCounter = (() => {
  let count = 0;
  if (typeof GPUBuffer !== 'undefined') {
    const original = GPUBuffer.prototype.mapAsync;
    GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
      count++;
      return original.apply(this, args);
    };
  }
  return { get count(): number { return count; } };
})();

/** What a run measured; finishResult adds the plan and the derived rates. */
export type Measured = Pick<TrainBenchResult, 'engine' | 'backend' | 'seconds' | 'loss' | 'testAccuracy' | 'testCount' | 'readbacks' | 'initialWeightsChecked' | 'matmul' | 'extra'>;

export function finishResult(plan: RunPlan, name: RecipeName, m: Measured): TrainBenchResult {
  const perStep = m.seconds / plan.steps;
  return {
    ...m,
    recipe: name,
    layers: plan.recipe.layers,
    batch: plan.recipe.batch,
    trainCount: plan.trainCount,
    stepsPerEpoch: plan.stepsPerEpoch,
    steps: plan.steps,
    wholeEpochs: plan.wholeEpochs,
    samplesPerSecond: (plan.steps * plan.recipe.batch) / m.seconds,
    secondsPerEpoch: perStep * plan.stepsPerEpoch,
    secondsPerFullEpoch: perStep * plan.fullStepsPerEpoch,
    readbacksPerEpoch: (m.readbacks / plan.steps) * plan.stepsPerEpoch,
  };
}
