/**
 * The benchmark's float64 reference trainer (bench/reference.ts) follows the plan every engine follows: the
 * same initial weights and batches as our GPU trainer, so their losses agree step for step (tolerance as in
 * training.gpu.test.ts: 1e-4 + 1e-4 |ref|) and it reports the mean of the steps it ran.
 */
import { expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { planRun, type TrainBenchOptions } from '../bench/common.ts';
import { referenceRun } from '../bench/reference.ts';
import { Trainer } from '../src/train/trainer.ts';
import { withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

it('trains the steps of the plan on the batches our engine sees, across an epoch boundary', async () => {
  // 500 images: 5 steps per epoch, so 7 steps cross into the second epoch's permutation.
  const job: TrainBenchOptions = { recipe: 'mlp', steps: 7, trainLimit: 500 };
  const plan = planRun(mnist, job);
  const trainer = await Trainer.create(ctx, mnist, plan.recipe);
  const losses: number[] = [];
  await trainer.run({ maxSteps: plan.steps, onProgress: (p) => losses.push(...p.losses) });
  const gpuAccuracy = (await trainer.evaluate()).accuracy;
  trainer.destroy();

  const ref = referenceRun(mnist, job);
  expect(ref.steps).toBe(7);
  expect(losses).toHaveLength(7);
  const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
  expect(Math.abs(ref.loss - mean)).toBeLessThanOrEqual(1e-4 + 1e-4 * ref.loss);
  expect(ref.testCount).toBe(10000);
  // 7 steps from the same weights: the two models classify the test set alike to within a few images.
  expect(Math.abs(ref.testAccuracy - gpuAccuracy)).toBeLessThanOrEqual(0.002);
});
