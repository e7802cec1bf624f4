/**
 * Whole training runs on the GPU: parity of 20 steps of the mlp recipe with the float64 reference trainer,
 * reproducibility from a seed, and real learning on real MNIST.
 *
 * Parity tolerances: per-step losses |gpu - ref| <= 1e-4 + 1e-4 |ref|; final weights |gpu - ref| <= 1e-4 (mean <= 1e-6).
 * Float32 rounding in the products (errors ~1e-6 per step, see the kernel tests) is what separates the two;
 * Adam divides each gradient by its own running scale, so an element whose gradient is pure rounding noise can
 * move by up to lr (1e-3) per step in either run: the weight bound allows that for a few elements, and the
 * mean error must stay far below it.
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
import { weightErrors, withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

/** Trains on the GPU and returns every step's loss and the final parameter arena. */
async function trainOnGpu(recipe: Recipe): Promise<{ losses: number[]; params: Float32Array; trainer: Trainer }> {
  const trainer = await Trainer.create(ctx, mnist, recipe);
  const losses: number[] = [];
  await trainer.fit({ onProgress: (p) => losses.push(...p.losses) });
  return { losses, params: await trainer.readParameters(), trainer };
}

describe('training on the GPU', () => {
  it('matches the float64 reference trainer step for step (20 steps of the mlp recipe)', async () => {
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 1, trainLimit: 2000 };
    const gpu = await trainOnGpu(recipe);
    gpu.trainer.destroy();
    expect(gpu.losses).toHaveLength(20);

    // The same initial weights, batches and optimizer in float64.
    const model = new Mlp(recipe.layers);
    const init = model.initialize(parseInitializer(recipe.init), parseInitializer(recipe.biasInit), deriveSeed(recipe.seed, 0));
    const params = paramsFromArena(model, init);
    const ref = new ReferenceMlp(recipe.layers, params, { kind: 'adam', lr: recipe.lr, beta1: recipe.beta1, beta2: recipe.beta2, eps: recipe.eps });
    const order = permutation(recipe.trainLimit, new Rng(deriveSeed(recipe.seed, 1)));
    const refLosses: number[] = [];
    for (let s = 0; s < 20; s++) {
      const rows = order.subarray(s * recipe.batch, (s + 1) * recipe.batch);
      const labels = Array.from(rows, (i) => mnist.train.labels[i]);
      refLosses.push(ref.step(pixelsToInput(mnist.train.pixels, rows, 784), labels, recipe.batch));
    }

    const lossErrors = gpu.losses.map((l, i) => Math.abs(l - refLosses[i]));
    const { max: maxWeightError, mean: meanWeightError } = weightErrors(model, gpu.params, ref.params);
    console.log(
      `parity over 20 steps: losses ${refLosses[0].toFixed(5)} -> ${refLosses[19].toFixed(5)}; ` +
        `max loss error ${Math.max(...lossErrors).toExponential(2)}; weights max error ${maxWeightError.toExponential(2)}, mean ${meanWeightError.toExponential(2)}`,
    );
    gpu.losses.forEach((l, i) => expect(Math.abs(l - refLosses[i])).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(refLosses[i])));
    expect(maxWeightError).toBeLessThanOrEqual(1e-4);
    expect(meanWeightError).toBeLessThanOrEqual(1e-6);
  });

  it('gives identical losses and weights for the same seed, and different ones for another seed', async () => {
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 500 };
    const a = await trainOnGpu(recipe);
    const b = await trainOnGpu(recipe);
    const c = await trainOnGpu({ ...recipe, seed: recipe.seed + 1 });
    for (const run of [a, b, c]) run.trainer.destroy();
    expect(b.losses).toEqual(a.losses);
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('pauses and resumes mid-epoch without changing a number', async () => {
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 500 };
    const whole = await trainOnGpu(recipe);
    whole.trainer.destroy();
    const trainer = await Trainer.create(ctx, mnist, recipe);
    const losses: number[] = [];
    const epochs: number[] = [];
    while (!trainer.finished) {
      const done = await trainer.run({ maxSteps: 3, onProgress: (p) => losses.push(...p.losses) });
      epochs.push(...done.map((e) => e.epoch));
    }
    // A stop through the signal before any step runs nothing.
    const stopped = new AbortController();
    stopped.abort();
    expect(await trainer.run({ signal: stopped.signal })).toEqual([]);
    const params = await trainer.readParameters();
    trainer.destroy();
    expect(epochs).toEqual([1, 2]);
    expect(losses).toEqual(whole.losses);
    expect(Buffer.from(params.buffer).equals(Buffer.from(whole.params.buffer))).toBe(true);
  });

  it('records a learning-rate change in the recipe, which then replays the run exactly', async () => {
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 500 };
    const live = await Trainer.create(ctx, mnist, recipe);
    const liveLosses: number[] = [];
    await live.run({ maxSteps: 3, onProgress: (p) => liveLosses.push(...p.losses) });
    expect(live.setLearningRate(0.01)).toBe(4);
    await live.run({ maxSteps: 4, onProgress: (p) => liveLosses.push(...p.losses) });
    // Two changes before the same step: the later one wins.
    live.setLearningRate(0.5);
    expect(live.setLearningRate(2e-4)).toBe(8);
    await live.fit({ onProgress: (p) => liveLosses.push(...p.losses) });
    expect(live.recipe.lrChanges).toEqual([{ step: 4, lr: 0.01 }, { step: 8, lr: 2e-4 }]);
    const liveParams = await live.readParameters();
    live.destroy();

    const replay = await trainOnGpu({ ...recipe, lrChanges: live.recipe.lrChanges });
    replay.trainer.destroy();
    const constant = await trainOnGpu(recipe);
    constant.trainer.destroy();
    expect(replay.losses).toEqual(liveLosses);
    expect(Buffer.from(replay.params.buffer).equals(Buffer.from(liveParams.buffer))).toBe(true);
    // The change did something: the first three steps agree with a constant rate, the fifth does not.
    expect(constant.losses.slice(0, 4)).toEqual(liveLosses.slice(0, 4));
    expect(constant.losses[4]).not.toBe(liveLosses[4]);
  });

  it('learns: 2 epochs on 3000 MNIST images reach at least 85% on the 10,000 test images', async () => {
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 3000 };
    const { losses, trainer } = await trainOnGpu(recipe);
    const result = await trainer.evaluate();
    trainer.destroy();
    console.log(`2 epochs on 3000 images: loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)}, test accuracy ${(100 * result.accuracy).toFixed(2)}%`);
    expect(result.count).toBe(10000);
    expect(result.confusion.reduce((a, b) => a + b, 0)).toBe(10000);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.85);
  });

  it('frees every buffer it allocated when destroyed', async () => {
    const before = ctx.bytes().total;
    const trainer = await Trainer.create(ctx, mnist, { ...RECIPES.mlp, epochs: 1, trainLimit: 200 });
    expect(ctx.bytes().total).toBeGreaterThan(before);
    trainer.destroy();
    expect(ctx.bytes().total).toBe(before);
  });
});

describe('timing', () => {
  it("times each epoch of one fit() call from its own first step: the epochs' seconds add up to about the call", async () => {
    const trainer = await Trainer.create(ctx, mnist, { ...RECIPES.mlp, epochs: 3, trainLimit: 3000 });
    const started = performance.now();
    const epochs = await trainer.fit();
    const wall = (performance.now() - started) / 1000;
    trainer.destroy();
    const sum = epochs.reduce((total, e) => total + e.seconds, 0);
    expect(epochs).toHaveLength(3);
    // Epochs overlap by the chunk in flight when the next one begins (two chunks in flight); when each epoch was
    // timed from the call's start, the three summed to about twice the call.
    expect(sum).toBeLessThanOrEqual(1.3 * wall);
    for (const e of epochs) expect(e.samplesPerSecond).toBeCloseTo((e.steps * 100) / e.seconds, 6);
  });
});

describe('divergence', () => {
  it('stops with a message when the loss stops being finite, keeping the weights from before that step', async () => {
    // Weights of size 1e18 overflow float32 in the logits at the first step.
    const recipe: Recipe = { ...RECIPES.mlp, init: 'normal:0,1e18', epochs: 1, trainLimit: 2000 };
    const trainer = await Trainer.create(ctx, mnist, recipe);
    const losses: number[] = [];
    const failure = await trainer.fit({ onProgress: (p) => losses.push(...p.losses) }).then(() => null, (error: Error) => error);
    const weights = await trainer.readParameters();
    const model = trainer.model;
    const initial = model.initialize(parseInitializer(recipe.init), parseInitializer(recipe.biasInit), deriveSeed(recipe.seed, 0));
    trainer.destroy();
    expect(failure?.name).toBe('DivergenceError');
    expect(failure?.message).toMatch(/the loss became (NaN|Infinity|-Infinity) at epoch 1, step \d+: training diverged\. The run went back to its weights and optimizer state from before its first step/);
    // The loss of step 1 was not finite, and the run went back to the state before it: the initial weights.
    expect(Buffer.from(weights.buffer).equals(Buffer.from(initial.buffer))).toBe(true);
  });
});
