/**
 * A model with more outputs than classes, as the lesson's deep cell trains one (512 logits for MNIST's 10
 * labels): 784-64-16 here, on the GPU against the float64 reference trainer. Softmax cross-entropy runs over
 * all 16 outputs with labels 0..9; evaluation takes the argmax over all 16, so a prediction of 10..15 is
 * simply wrong; the page's view folds the 16 x 16 confusion matrix into 10 x 10 plus an "other" column.
 *
 * Tolerances as tests/training.gpu.test.ts states them: per-step losses 1e-4 + 1e-4 |ref|, final weights
 * 1e-4 (mean 1e-6). Evaluation: the GPU's float32 logits against float64 ones from the same weights, so a
 * prediction may differ only where the reference's two candidates are within 1e-4 of each other (a tie in
 * float32 rounding); everything else, and every count derived from the predictions, is exact.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { permutation } from '../src/data/batches.ts';
import { deriveSeed, Rng } from '../src/init/rng.ts';
import { parseInitializer } from '../src/init/initializers.ts';
import { Mlp } from '../src/layers/mlp.ts';
import { paramsFromArena, ReferenceMlp } from '../src/reference/mlp.ts';
import { pixelsToInput } from '../src/reference/kernels.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import type { EvalResult } from '../src/train/run-types.ts';
import { describeEvaluation } from '../src/engine/test-set.ts';
import { weightErrors, withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

const OUTPUTS = 16;
const CLASSES = 10;
const recipe: Recipe = { ...RECIPES.mlp, layers: [784, 64, OUTPUTS], epochs: 1, trainLimit: 2000 };
const adam = { kind: 'adam' as const, lr: recipe.lr, beta1: recipe.beta1, beta2: recipe.beta2, eps: recipe.eps };

/** The whole test set's logits in float64 under `arena`'s weights. */
function referenceLogits(model: Mlp, arena: Float32Array): Float64Array {
  const ref = new ReferenceMlp(recipe.layers, paramsFromArena(model, arena), adam);
  const all = Uint32Array.from({ length: mnist.test.count }, (_, i) => i);
  return ref.forward(pixelsToInput(mnist.test.pixels, all, 784), mnist.test.count).logits;
}

/**
 * The GPU's evaluation against the float64 logits: each prediction the reference's argmax unless the two are
 * within 1e-4 (a float32 tie), and the counts exactly those of the GPU's own predictions.
 */
function checkEvaluation(result: EvalResult, logits: Float64Array): { beyond: number; ties: number } {
  const labels = mnist.test.labels;
  expect(result.confusion).toHaveLength(OUTPUTS * OUTPUTS);
  const confusion = new Array<number>(OUTPUTS * OUTPUTS).fill(0);
  let ties = 0;
  let correct = 0;
  let beyond = 0;
  for (let i = 0; i < result.count; i++) {
    const row = logits.subarray(i * OUTPUTS, (i + 1) * OUTPUTS);
    let best = 0;
    for (let c = 1; c < OUTPUTS; c++) if (row[c] > row[best]) best = c;
    const got = result.predictions[i];
    if (got !== best) {
      expect(row[best] - row[got], `test image ${i}: GPU predicts ${got}, the reference ${best}`).toBeLessThanOrEqual(1e-4);
      ties++;
    }
    confusion[labels[i] * OUTPUTS + got]++;
    if (got === labels[i]) correct++;
    if (got >= CLASSES) beyond++;
  }
  expect(Array.from(result.confusion)).toEqual(confusion);
  expect(result.correct).toBe(correct);
  expect(result.accuracy).toBe(correct / result.count);
  // No label reaches the rows past the classes.
  expect(confusion.slice(CLASSES * OUTPUTS).every((n) => n === 0)).toBe(true);
  return { beyond, ties };
}

describe('a model with more outputs than classes (784-64-16 on MNIST\'s 10 labels)', () => {
  it('trains as the float64 reference does, step for step, with cross-entropy over all 16 outputs', async () => {
    const trainer = await Trainer.create(ctx, mnist, recipe);
    const losses: number[] = [];
    await trainer.fit({ onProgress: (p) => losses.push(...p.losses) });
    const params = await trainer.readParameters();
    trainer.destroy();
    expect(losses).toHaveLength(20);

    const model = new Mlp(recipe.layers);
    const init = model.initialize(parseInitializer(recipe.init), parseInitializer(recipe.biasInit), deriveSeed(recipe.seed, 0));
    const ref = new ReferenceMlp(recipe.layers, paramsFromArena(model, init), adam);
    const order = permutation(recipe.trainLimit, new Rng(deriveSeed(recipe.seed, 1)));
    const refLosses: number[] = [];
    for (let s = 0; s < 20; s++) {
      const rows = order.subarray(s * recipe.batch, (s + 1) * recipe.batch);
      refLosses.push(ref.step(pixelsToInput(mnist.train.pixels, rows, 784), Array.from(rows, (i) => mnist.train.labels[i]), recipe.batch));
    }
    // The first loss is near ln(16), not ln(10): the extra outputs take their share of the softmax.
    expect(refLosses[0]).toBeGreaterThan(Math.log(CLASSES));

    const { max: maxWeightError, mean: meanWeightError } = weightErrors(model, params, ref.params);
    const lossErrors = losses.map((l, i) => Math.abs(l - refLosses[i]));
    console.log(`16 outputs, 20 steps: losses ${refLosses[0].toFixed(5)} -> ${refLosses[19].toFixed(5)}; max loss error ${Math.max(...lossErrors).toExponential(2)}; weights max error ${maxWeightError.toExponential(2)}, mean ${meanWeightError.toExponential(2)}`);
    losses.forEach((l, i) => expect(Math.abs(l - refLosses[i])).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(refLosses[i])));
    expect(maxWeightError).toBeLessThanOrEqual(1e-4);
    expect(meanWeightError).toBeLessThanOrEqual(1e-6);
  });

  it('evaluates by the argmax over all 16: predictions past the classes count as wrong, and the page folds them into "other"', async () => {
    const trainer = await Trainer.create(ctx, mnist, recipe);
    try {
      await trainer.fit();
      const model = trainer.model;
      const trained = await trainer.readParameters();

      // As trained: the extra outputs were pushed down and no image should land on them.
      const asTrained = checkEvaluation(await trainer.evaluate(), referenceLogits(model, trained));
      expect(asTrained.beyond).toBe(0);

      // Raise output 12's bias to halfway between two neighbours of the median margin, so that about half of
      // the test images predict 12, with no image near the boundary.
      const logits = referenceLogits(model, trained);
      const margins = Array.from({ length: mnist.test.count }, (_, i) => {
        const row = logits.subarray(i * OUTPUTS, (i + 1) * OUTPUTS);
        return Math.max(...row.filter((_, c) => c !== 12)) - row[12];
      }).sort((a, b) => a - b);
      const middle = mnist.test.count / 2;
      const raised = trained.slice();
      const bias = model.layout.get(model.layers[1].biasName);
      raised[bias.offset + 12] += (margins[middle - 1] + margins[middle]) / 2;
      trainer.writeParameters(raised);

      const result = await trainer.evaluate();
      const shifted = checkEvaluation(result, referenceLogits(model, raised));
      console.log(`16 outputs, evaluation: ${asTrained.ties} and ${shifted.ties} float32 ties; ${shifted.beyond} test images predicted past the classes after raising output 12`);
      expect(shifted.beyond).toBeGreaterThan(4000);
      expect(shifted.beyond).toBeLessThan(6000);
      expect(result.correct).toBeLessThan(mnist.test.count - shifted.beyond);

      // The page's view: 10 x 10 plus, per true label, the predictions past the classes.
      const view = describeEvaluation(result, mnist.test, 1, recipe.seed);
      expect(view.confusion).toHaveLength(CLASSES * CLASSES);
      expect(view.otherOutputs).toHaveLength(CLASSES);
      expect(view.otherOutputs.reduce((a, b) => a + b, 0)).toBe(shifted.beyond);
      expect(view.confusion.reduce((a, b) => a + b, 0) + shifted.beyond).toBe(mnist.test.count);
      expect(Array.from({ length: CLASSES }, (_, c) => view.confusion[c * CLASSES + c]).reduce((a, b) => a + b, 0)).toBe(result.correct);

      // One image through the pad's path: 16 probabilities, its argmax the evaluation's prediction.
      const index = Array.from(result.predictions).indexOf(12);
      const size = mnist.test.rows * mnist.test.cols;
      const probabilities = await trainer.predict(mnist.test.pixels.subarray(index * size, (index + 1) * size));
      expect(probabilities).toHaveLength(OUTPUTS);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(probabilities.indexOf(Math.max(...probabilities))).toBe(12);
    } finally {
      trainer.destroy();
    }
  });
});
