/**
 * What diagnostics cost (issue 10): our engine trains the same recipe twice on one device, side by side,
 * with and without diagnostics every K steps, from the same weights through the same batches. The timed
 * steps are split into rounds run alternately (plain then sampled, then sampled then plain, ...), so a
 * machine that slows down or speeds up meanwhile weighs on both alike. Both trainers warm up first (the
 * sampled step's pipelines compile then, and the run's first step, always sampled, is taken there).
 */
import { createContext } from '../src/gpu/acquire.ts';
import { freeImages, uploadDataset } from '../src/train/gpu-dataset.ts';
import { deviceNeeds, Trainer, type RunOptions } from '../src/train/trainer.ts';
import { loadMnist, planRun, type PageProgress, type TrainBenchOptions } from './common.ts';
import type { RecipeName } from '../src/train/recipe.ts';

export interface OverheadOptions extends TrainBenchOptions {
  /** Diagnostics every this many steps. */
  every: number;
  /** Rounds the timed steps (`steps` for each trainer) are split into. */
  rounds: number;
}

export interface OverheadSide {
  seconds: number;
  samplesPerSecond: number;
  /** Sampled steps among the timed ones. */
  sampledSteps: number;
}

export interface OverheadResult {
  recipe: RecipeName;
  layers: number[];
  batch: number;
  every: number;
  steps: number;
  rounds: number;
  warmupSteps: number;
  dispatchesPerStep: number;
  sampledDispatchesPerStep: number;
  plain: OverheadSide;
  sampled: OverheadSide;
  /** Throughput with diagnostics over throughput without. */
  ratio: number;
}

export async function runOverhead(opts: OverheadOptions, progress: PageProgress): Promise<OverheadResult> {
  progress.phase = 'loading MNIST';
  const data = await loadMnist();
  const plan = planRun(data, opts);
  const warmupSteps = opts.warmupSteps ?? 2;
  const recipe = { ...plan.recipe, epochs: Math.ceil((warmupSteps + plan.steps) / plan.stepsPerEpoch) };
  progress.phase = 'building';
  progress.steps = 2 * plan.steps;
  const ctx = await createContext(navigator.gpu, deviceNeeds(data, recipe));
  try {
    const images = uploadDataset(ctx, data, recipe.trainLimit);
    const plain = await Trainer.create(ctx, data, recipe, { images });
    const sampled = await Trainer.create(ctx, data, recipe, { images });
    const diagnostics = { every: opts.every };
    progress.phase = 'warming up';
    await plain.run({ maxSteps: warmupSteps });
    await sampled.run({ maxSteps: warmupSteps, diagnostics });

    progress.phase = 'training, with and without diagnostics';
    const sides = { plain: { seconds: 0, samplesPerSecond: 0, sampledSteps: 0 }, sampled: { seconds: 0, samplesPerSecond: 0, sampledSteps: 0 } };
    const timed = async (trainer: Trainer, side: OverheadSide, steps: number, options: RunOptions): Promise<void> => {
      const started = performance.now();
      await trainer.run({ ...options, maxSteps: steps, onProgress: (p) => (side.sampledSteps += p.diagnostics?.length ?? 0) });
      side.seconds += (performance.now() - started) / 1000;
      progress.step += steps;
    };
    let left = plan.steps;
    for (let round = 0; round < opts.rounds && left > 0; round++) {
      const steps = Math.ceil(left / (opts.rounds - round));
      left -= steps;
      const pair = [() => timed(plain, sides.plain, steps, {}), () => timed(sampled, sides.sampled, steps, { diagnostics })];
      for (const side of round % 2 ? pair.reverse() : pair) await side();
    }
    for (const side of [sides.plain, sides.sampled]) side.samplesPerSecond = (plan.steps * recipe.batch) / side.seconds;
    const result: OverheadResult = {
      recipe: opts.recipe,
      layers: recipe.layers,
      batch: recipe.batch,
      every: opts.every,
      steps: plan.steps,
      rounds: opts.rounds,
      warmupSteps,
      dispatchesPerStep: plain.dispatchesPerStep,
      sampledDispatchesPerStep: sampled.sampledDispatchesPerStep,
      ...sides,
      ratio: sides.sampled.samplesPerSecond / sides.plain.samplesPerSecond,
    };
    plain.destroy();
    sampled.destroy();
    freeImages(ctx, images.train);
    freeImages(ctx, images.test);
    return result;
  } finally {
    ctx.destroy();
  }
}
