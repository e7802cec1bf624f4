/**
 * The float64 reference trainer (src/reference/mlp.ts) on a benchmark's plan, in Node: the same initial
 * weights, the same batches in the same order as every engine in the page, so its test accuracy after the
 * same steps is the one float32 engines should land near. Engines that differ only in float32 rounding land
 * a few test images apart; this says which of them sits where the exact arithmetic does.
 * It favors checkable code over speed: about 0.1 s per mlp step and 0.5 s per deep step on 2 cores.
 */
import { batchesPerEpoch } from '../src/data/batches.ts';
import type { Dataset } from '../src/data/idx.ts';
import { paramsFromArena, ReferenceMlp } from '../src/reference/mlp.ts';
import { pixelsToInput } from '../src/reference/kernels.ts';
import { epochOrders, initialArena, planRun, type TrainBenchOptions } from './common.ts';

export interface ReferenceResult {
  steps: number;
  /** Mean loss of the last epoch when the plan is whole epochs, else of the steps run (as the engines report). */
  loss: number;
  testAccuracy: number;
  testCount: number;
  seconds: number;
}

export function referenceRun(data: Dataset, opts: TrainBenchOptions): ReferenceResult {
  const started = performance.now();
  const plan = planRun(data, opts);
  const { recipe } = plan;
  const { model, arena } = initialArena(recipe);
  const params = paramsFromArena(model, arena);
  const optimizer = recipe.optimizer === 'sgd'
    ? { kind: 'sgd' as const, lr: recipe.lr, momentum: recipe.momentum }
    : { kind: 'adam' as const, lr: recipe.lr, beta1: recipe.beta1, beta2: recipe.beta2, eps: recipe.eps };
  const ref = new ReferenceMlp(recipe.layers, params, optimizer);
  const imageSize = data.train.rows * data.train.cols;
  const nextOrder = epochOrders(recipe, plan.trainCount);
  const perEpoch = batchesPerEpoch(plan.trainCount, recipe.batch);
  let order = nextOrder();
  let lossSum = 0;
  let lossCount = 0;
  for (let step = 0; step < plan.steps; step++) {
    const i = step % perEpoch;
    if (step > 0 && i === 0) {
      order = nextOrder();
      if (plan.wholeEpochs) {
        lossSum = 0;
        lossCount = 0;
      }
    }
    const rows = order.subarray(i * recipe.batch, (i + 1) * recipe.batch);
    lossSum += ref.step(pixelsToInput(data.train.pixels, rows, imageSize), Array.from(rows, (r) => data.train.labels[r]), recipe.batch);
    lossCount++;
  }
  let correct = 0;
  const chunk = 1000;
  for (let start = 0; start < data.test.count; start += chunk) {
    const rows = Uint32Array.from({ length: Math.min(chunk, data.test.count - start) }, (_, i) => start + i);
    correct += ref.evaluate(pixelsToInput(data.test.pixels, rows, imageSize), Array.from(rows, (r) => data.test.labels[r]), rows.length).correct;
  }
  return { steps: plan.steps, loss: lossSum / lossCount, testAccuracy: correct / data.test.count, testCount: data.test.count, seconds: (performance.now() - started) / 1000 };
}
