/**
 * What diagnostics cost (issue 10), or the optimizer's value checks (issue 11: every gradient, moment and
 * updated parameter checked for NaN and infinity, and the state kept before each chunk): our engine trains the
 * same recipe twice on one device, side by side, with and without them, from the same weights through the same
 * batches. The timed
 * steps are split into rounds run alternately (plain then sampled, then sampled then plain, ...), each round
 * a whole number of intervals (so each holds the same number of samples), so a machine that slows down or
 * speeds up meanwhile weighs on both alike; the median of the rounds' ratios is the figure a busy machine
 * (other processes taking the CPU in bursts) disturbs least, the ratio of the totals is printed beside it.
 * Both trainers warm up first (the sampled step's pipelines compile then, and the run's first step, always
 * sampled, is taken there).
 */
import { createContext } from '../src/gpu/acquire.ts';
import { freeImages, uploadDataset } from '../src/train/gpu-dataset.ts';
import { deviceNeeds, Trainer, type RunOptions } from '../src/train/trainer.ts';
import { loadMnist, planRun, type PageProgress, type TrainBenchOptions } from './common.ts';
import type { RecipeName } from '../src/train/recipe.ts';

export interface OverheadOptions extends TrainBenchOptions {
  /** What the two trainers differ in: diagnostics every `every` steps, or the value checks (CreateOptions.checkValues). */
  compare: 'diagnostics' | 'checks';
  /** Diagnostics every this many steps (with compare 'checks': neither trainer takes them, and rounds are of ROUND_STEPS). */
  every: number;
}

/** Steps of a round: whole intervals, at least about ROUND_STEPS steps (a round is one run() call, whose last chunks drain). */
const ROUND_STEPS = 20;
export const roundSteps = (every: number): number => every * Math.max(1, Math.round(ROUND_STEPS / every));

export interface OverheadSide {
  seconds: number;
  samplesPerSecond: number;
  /** Sampled steps among the timed ones. */
  sampledSteps: number;
}

export interface OverheadResult {
  compare: OverheadOptions['compare'];
  recipe: RecipeName;
  layers: number[];
  batch: number;
  every: number;
  /** Timed steps of each trainer: whole rounds. */
  steps: number;
  rounds: number;
  warmupSteps: number;
  dispatchesPerStep: number;
  sampledDispatchesPerStep: number;
  plain: OverheadSide;
  sampled: OverheadSide;
  /** Throughput with diagnostics over throughput without: of the totals, and the median of the rounds'. */
  ratio: number;
  medianRatio: number;
}

export async function runOverhead(opts: OverheadOptions, progress: PageProgress): Promise<OverheadResult> {
  progress.phase = 'loading MNIST';
  const data = await loadMnist();
  const plan = planRun(data, opts);
  const checks = opts.compare === 'checks';
  const round = roundSteps(checks ? 1 : opts.every);
  const rounds = Math.max(1, Math.round(plan.steps / round));
  const steps = rounds * round;
  const warmupSteps = opts.warmupSteps ?? 2;
  const recipe = { ...plan.recipe, epochs: Math.ceil((warmupSteps + steps) / plan.stepsPerEpoch) };
  progress.phase = 'building';
  progress.steps = 2 * steps;
  const ctx = await createContext(navigator.gpu, deviceNeeds(data, recipe), { mode: opts.matmul ?? 'auto' });
  try {
    const images = uploadDataset(ctx, data, recipe.trainLimit);
    // 'plain' is the trainer without (diagnostics, or the value checks), 'sampled' the one with them.
    const plain = await Trainer.create(ctx, data, recipe, { images, ...(checks ? { checkValues: false } : {}) });
    const sampled = await Trainer.create(ctx, data, recipe, { images });
    const diagnostics = checks ? undefined : { every: opts.every };
    progress.phase = 'warming up';
    await plain.run({ maxSteps: warmupSteps });
    await sampled.run({ maxSteps: warmupSteps, diagnostics });

    progress.phase = `training, with and without ${checks ? 'the value checks' : 'diagnostics'}`;
    const sides = { plain: { seconds: 0, samplesPerSecond: 0, sampledSteps: 0 }, sampled: { seconds: 0, samplesPerSecond: 0, sampledSteps: 0 } };
    const timed = async (trainer: Trainer, side: OverheadSide, options: RunOptions): Promise<number> => {
      const started = performance.now();
      await trainer.run({ ...options, maxSteps: round, onProgress: (p) => (side.sampledSteps += p.diagnostics?.length ?? 0) });
      const seconds = (performance.now() - started) / 1000;
      side.seconds += seconds;
      progress.step += round;
      return seconds;
    };
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const plainFirst = r % 2 === 0;
      const first = await (plainFirst ? timed(plain, sides.plain, {}) : timed(sampled, sides.sampled, { diagnostics }));
      const second = await (plainFirst ? timed(sampled, sides.sampled, { diagnostics }) : timed(plain, sides.plain, {}));
      ratios.push(plainFirst ? first / second : second / first);
    }
    for (const side of [sides.plain, sides.sampled]) side.samplesPerSecond = (steps * recipe.batch) / side.seconds;
    ratios.sort((x, y) => x - y);
    const middle = Math.floor(ratios.length / 2);
    const medianRatio = ratios.length % 2 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
    const result: OverheadResult = {
      compare: opts.compare,
      recipe: opts.recipe,
      layers: recipe.layers,
      batch: recipe.batch,
      every: opts.every,
      steps,
      rounds,
      warmupSteps,
      dispatchesPerStep: plain.dispatchesPerStep,
      sampledDispatchesPerStep: sampled.sampledDispatchesPerStep,
      ...sides,
      ratio: sides.sampled.samplesPerSecond / sides.plain.samplesPerSecond,
      medianRatio,
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
