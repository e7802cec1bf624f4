/**
 * The depth probe and single-image prediction against the float64 reference.
 * Tolerances: activation and gradient standard deviations within 1e-3 relative (float32 statistics of
 * float32 products through up to 11 layers); probabilities within 1e-5.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { permutation } from '../src/data/batches.ts';
import { deriveSeed, Rng } from '../src/init/rng.ts';
import { paramsFromArena, ReferenceMlp } from '../src/reference/mlp.ts';
import { pixelsToInput, softmaxCrossEntropy } from '../src/reference/kernels.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

const std = (x: Float64Array): number => {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
};

/** The trainer's parameters as the reference's per-layer float64 arrays. */
async function referenceOf(trainer: Trainer): Promise<ReferenceMlp> {
  const arena = await trainer.readParameters();
  const { model } = trainer;
  const params = paramsFromArena(model, arena);
  return new ReferenceMlp(model.widths.slice(), params, { kind: 'sgd', lr: 0, momentum: 0 });
}

const DEEP = [784, ...Array<number>(10).fill(256), 10];

describe('depth probe', () => {
  for (const init of ['normal:0,0.01', 'he-normal']) {
    it(`matches the float64 forward and backward of the same batch (${init}, 10 hidden layers)`, async () => {
      // Zero biases, as in Glorot and Bengio's and He et al.'s analyses: the weights alone set the signal's scale.
      const recipe: Recipe = { ...RECIPES.mlp, layers: DEEP, init, biasInit: 'zeros', trainLimit: 1000, epochs: 1 };
      const trainer = await Trainer.create(ctx, mnist, recipe);
      const probe = await trainer.probe();
      const ref = await referenceOf(trainer);
      trainer.destroy();

      const rows = permutation(1000, new Rng(deriveSeed(recipe.seed, 2))).subarray(0, recipe.batch);
      const x = pixelsToInput(mnist.train.pixels, rows, 784);
      const labels = Array.from(rows, (i) => mnist.train.labels[i]);
      const { hidden, logits } = ref.forward(x, recipe.batch);
      const wantActivations = [...hidden, logits].map(std);
      const { grads } = ref.gradients(x, labels, recipe.batch);
      const wantWeightGrads = grads.map((g) => std(g.weight));
      const wantLogitGrad = std(softmaxCrossEntropy(logits, labels, recipe.batch, 10).dlogits);

      console.log(`${init}: activation std by layer ${probe.activationStd.map((v) => v.toExponential(2)).join(' ')}`);
      console.log(`${init}: gradient std by layer ${probe.gradientStd.map((v) => v.toExponential(2)).join(' ')}`);
      probe.activationStd.forEach((v, l) => expect(Math.abs(v - wantActivations[l])).toBeLessThanOrEqual(1e-3 * wantActivations[l] + 1e-30));
      probe.weightGradientStd.forEach((v, l) => expect(Math.abs(v - wantWeightGrads[l])).toBeLessThanOrEqual(1e-3 * wantWeightGrads[l] + 1e-30));
      expect(Math.abs(probe.gradientStd[DEEP.length - 2] - wantLogitGrad)).toBeLessThanOrEqual(1e-3 * wantLogitGrad);

      const first = probe.activationStd[0];
      const last = probe.activationStd[DEEP.length - 3];
      if (init === 'he-normal') {
        // He keeps the forward signal's scale: every hidden layer within a factor 4 of the first.
        probe.activationStd.slice(0, -1).forEach((v) => expect(v / first).toBeGreaterThan(0.25));
        probe.activationStd.slice(0, -1).forEach((v) => expect(v / first).toBeLessThan(4));
      } else {
        // N(0, 0.01) shrinks it by about 0.01 * sqrt(256 / 2) = 0.11 per layer.
        expect(last / first).toBeLessThan(1e-6);
      }
    });
  }
});

describe('prediction of one image', () => {
  it('gives the float64 forward pass softmax for a test image', async () => {
    const trainer = await Trainer.create(ctx, mnist, { ...RECIPES.mlp, trainLimit: 300, epochs: 1 });
    await trainer.fit();
    const image = mnist.test.pixels.subarray(0, 784);
    const probabilities = await trainer.predict(image);
    const ref = await referenceOf(trainer);
    await expect(trainer.predict(new Uint8Array(10))).rejects.toThrow(/784 pixels/);
    trainer.destroy();
    const { logits } = ref.forward(pixelsToInput(mnist.test.pixels, [0], 784), 1);
    const max = Math.max(...logits);
    const exps = Array.from(logits, (z) => Math.exp(z - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    probabilities.forEach((p, c) => expect(Math.abs(p - exps[c] / sum)).toBeLessThanOrEqual(1e-5));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });
});

describe('moments kernel', () => {
  it('measures standard deviations from 1e-30 to 1e30 without overflow or underflow', async () => {
    const { prepareMoments } = await import('../src/gpu/moments.ts');
    const { readFloats } = await import('../src/gpu/readback.ts');
    const { run } = await import('./gpu.ts');
    const rng = new Rng(5);
    const cases = [1e-30, 1e-3, 1, 1e30].map((scale) => Float32Array.from({ length: 1000 }, () => scale * (rng.nextFloat() * 2 - 0.5)));
    cases.push(new Float32Array(17));
    const stats = ctx.createBuffer('stats', cases.length * 8, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'metrics');
    const inputs = cases.map((c) => ctx.createStorage('x', c, 'activations'));
    await run(ctx, await Promise.all(inputs.map((b, i) => prepareMoments(ctx, b, 0, cases[i].length, stats, i, `case ${i}`))));
    const got = await readFloats(ctx, stats, 0, cases.length * 2);
    cases.forEach((c, i) => {
      const want = std(Float64Array.from(c));
      const mean = c.reduce((a, b) => a + b, 0) / c.length;
      expect(Math.abs(got[2 * i] - mean)).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-45);
      expect(Math.abs(got[2 * i + 1] - want)).toBeLessThanOrEqual(1e-5 * want);
    });
    [stats, ...inputs].forEach((b) => ctx.destroyBuffer(b));
  });
});
