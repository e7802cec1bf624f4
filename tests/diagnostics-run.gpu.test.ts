/**
 * Diagnostics inside a run: which steps are sampled and how their statistics reach onProgress and onEpoch;
 * the dispatches each step encodes (a step that is not sampled keeps exactly the 3L + 1 of the plain step);
 * nothing created and one mapping per chunk inside the step loop; training itself unchanged, bit for bit;
 * the same samples from the same seed; and a diverged run that says where it broke.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import type { StepDiagnostics } from '../src/train/diagnostics.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { DivergenceError, Trainer, type EpochResult, type RunOptions } from '../src/train/trainer.ts';
import { withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

/** Counts calls of `method` on the prototype of `object` while `body` runs. */
async function counting<T extends object>(object: T, method: keyof T & string, body: () => Promise<unknown>): Promise<number> {
  const proto = Object.getPrototypeOf(object) as Record<string, (...args: unknown[]) => unknown>;
  const original = proto[method];
  let calls = 0;
  proto[method] = function (this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  try {
    await body();
  } finally {
    proto[method] = original;
  }
  return calls;
}

/** Dispatches encoded while `body` runs. */
function dispatches(body: () => Promise<unknown>): Promise<number> {
  const pass = ctx.device.createCommandEncoder().beginComputePass();
  pass.end();
  return counting(pass, 'dispatchWorkgroups', body);
}

const MLP: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 1000 };

/** Trains `recipe` to its end with `options`, keeping every loss, sample and epoch result. */
async function train(recipe: Recipe, options: RunOptions = {}): Promise<{ losses: number[]; samples: StepDiagnostics[]; epochs: EpochResult[]; params: Float32Array }> {
  const trainer = await Trainer.create(ctx, mnist, recipe);
  const losses: number[] = [];
  const samples: StepDiagnostics[] = [];
  const epochs = await trainer.fit({
    ...options,
    onProgress: (p) => {
      losses.push(...p.losses);
      samples.push(...(p.diagnostics ?? []));
    },
  });
  const params = await trainer.readParameters();
  trainer.destroy();
  return { losses, samples, epochs, params };
}

describe('diagnostics in a run', () => {
  it('encodes 3L + 1 dispatches on a plain step and L + 1 more on a sampled one (mlp: 10 and 14)', async () => {
    const trainer = await Trainer.create(ctx, mnist, MLP);
    expect(trainer.dispatchesPerStep).toBe(10);
    expect(trainer.sampledDispatchesPerStep).toBe(14);
    expect(await dispatches(() => trainer.run({ maxSteps: 1 }))).toBe(10);
    // Steps 2 and 3 with every = 3: step 3 is sampled.
    expect(await dispatches(() => trainer.run({ maxSteps: 2, diagnostics: { every: 3 } }))).toBe(10 + 14);
    // Without diagnostics again: plain steps only.
    expect(await dispatches(() => trainer.run({ maxSteps: 3 }))).toBe(30);
    trainer.destroy();
  });

  it('creates no buffer or bind group and maps one buffer per chunk once its sampled step is built', async () => {
    const trainer = await Trainer.create(ctx, mnist, MLP);
    await trainer.run({ maxSteps: 1, diagnostics: { every: 2 } });
    const buffersBefore = ctx.liveBuffers().length;
    const work = (): Promise<unknown> => trainer.run({ maxSteps: 6, diagnostics: { every: 2 } });
    let groups = -1;
    const created = await counting(ctx.device, 'createBuffer', async () => (groups = await counting(ctx.device, 'createBindGroup', work)));
    expect(created).toBe(0);
    expect(groups).toBe(0);
    expect(ctx.liveBuffers().length).toBe(buffersBefore);
    // One mapping per chunk (each chunk reports once), the samples riding with the losses.
    let chunks = 0;
    let samples = 0;
    const staging = ctx.device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const maps = await counting(staging, 'mapAsync', () =>
      trainer.run({ maxSteps: 3, diagnostics: { every: 2 }, onProgress: (p) => ((chunks += 1), (samples += p.diagnostics?.length ?? 0)) }),
    );
    staging.destroy();
    expect(samples).toBe(2); // steps 8 and 10 (the epoch's last)
    expect(maps).toBe(chunks);
    trainer.destroy();
  });

  it('samples the first step, every K-th and each epoch last, in onProgress, with the epoch last in onEpoch', async () => {
    // 10 steps per epoch, 2 epochs, every 4: steps 1, 4, 8, 10 (epoch 1's last), 12, 16, 20.
    const { samples, epochs } = await train(MLP, { diagnostics: { every: 4 } });
    expect(samples.map((s) => s.step)).toEqual([1, 4, 8, 10, 12, 16, 20]);
    expect(samples.map((s) => s.epoch)).toEqual([1, 1, 1, 1, 2, 2, 2]);
    expect(epochs.map((e) => e.diagnostics?.step)).toEqual([10, 20]);
    for (const s of samples) {
      expect(s.layers.map((l) => l.layer)).toEqual([1, 2, 3]);
      expect(s.nonFinite).toBeUndefined();
      for (const l of s.layers) {
        expect(l.actHistogram.counts.reduce((a, b) => a + b, 0)).toBe(100 * MLP.layers[l.layer]);
        // Adam's first steps move each weight by about lr = 1e-3 against weights of about 0.05: log10 near -1.7.
        expect(l.updateRatio).toBeGreaterThan(-3);
        expect(l.updateRatio).toBeLessThan(-1);
      }
    }
    // Without diagnostics nothing is reported.
    const plain = await train({ ...MLP, epochs: 1 });
    expect(plain.samples).toEqual([]);
    expect(plain.epochs[0].diagnostics).toBeUndefined();
  });

  it('changes no loss and no weight, and gives the same samples from the same seed', async () => {
    const plain = await train(MLP);
    const a = await train(MLP, { diagnostics: { every: 1 } });
    const b = await train(MLP, { diagnostics: { every: 1 } });
    expect(a.losses).toEqual(plain.losses);
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(plain.params.buffer))).toBe(true);
    expect(a.samples).toHaveLength(20);
    expect(b.samples).toEqual(a.samples);
  });

  it('a diverged run names the layer and the tensor where the values stopped being finite', async () => {
    // Weights of 1e18: layer 1's outputs are about 1e19 (sqrt(784 x 0.1) x 1e18), layer 2's sums of 256
    // products of 1e37 reach float32's 3.4e38 and some overflow. (At 1e20 every product overflows, the sums
    // are NaN and the ReLU turns them into 0: a dead layer 2 and a finite loss, which the samples show.)
    const recipe: Recipe = { ...RECIPES.mlp, init: 'normal:0,1e18', epochs: 1, trainLimit: 1000 };
    const trainer = await Trainer.create(ctx, mnist, recipe);
    const samples: StepDiagnostics[] = [];
    const failure = await trainer.fit({ diagnostics: { every: 100 }, onProgress: (p) => samples.push(...(p.diagnostics ?? [])) }).then(() => null, (error: Error) => error);
    trainer.destroy();
    expect(failure).toBeInstanceOf(DivergenceError);
    expect(failure?.message).toMatch(/^the loss became (NaN|-?Infinity) at epoch 1, step 1: training diverged\. /);
    expect(failure?.message).toContain("Measured again on that step's batch, the first value that was not finite is in layer 2's activations.");
    expect(failure?.message).toContain('with a lower learning rate (now 0.001)');
  });
});
