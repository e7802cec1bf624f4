/**
 * Parameter health (issue 11): the optimizer kernels report the first gradient, moment or updated parameter
 * that is not finite, by arena index and kind, in the health words; and a trainer that meets one (or a loss
 * that is not finite) stops with a message naming the layer, the element and the step,
 * goes back to the state before the failing chunk (bit for bit), and can be saved and resumed from there.
 *
 * The trainer cases poison a real run of the lesson's model on MNIST:
 *   - one gradient element: finite weights chosen so that exactly one weight gradient overflows (hidden unit i
 *     of layer 1 outputs 3e38; only unit 0 of layer 2 reads it, through a tiny weight; that unit's output
 *     drives logit 0 hard, so its pre-activation gradient is about 100): d loss / d W2[0, i] = +infinity while
 *     the loss stays finite;
 *   - one parameter behind a ReLU: W1[k, c] = NaN makes unit k's pre-activation NaN, which this adapter's
 *     ReLU turns into 0, so the loss stays finite and only the optimizer can see it.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { healthyWords, readHealth } from '../src/gpu/health.ts';
import { prepareAdam, prepareSgd } from '../src/gpu/optimizer-kernels.ts';
import { readFloats, readUints } from '../src/gpu/readback.ts';
import { StepSlots } from '../src/gpu/step-slots.ts';
import { checkpointFromSafetensors, checkpointToSafetensors } from '../src/train/checkpoint.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { DivergenceError, Trainer, type TrainingState } from '../src/train/trainer.ts';
import { run, withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

const upload = (label: string, data: Float32Array | Uint32Array): GPUBuffer => ctx.createStorage(label, data, 'activations');
const ramp = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i + 1));
const sameBits = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('the optimizers report the first value that is not finite', () => {
  const FLOATS = 1000;
  const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

  /** One step of `optimizer` on the given arenas (state: Adam's m and v, or SGD's buffer); returns the health words and the arenas after it. */
  async function step(optimizer: 'adam' | 'sgd', p: Float32Array, g: Float32Array, state: Float32Array[], checkValues = true) {
    const slots = new StepSlots(ctx, 1, 'step');
    slots.write([{ batchBase: 0, lossSlot: 17, stepSize: 1e-3, invSqrtBc2: 1 / Math.sqrt(1 - 0.999), lr: 0.1, momentum: 0.9 }]);
    const b = { p: upload('params', p), g: upload('grads', g), s: state.map((s, i) => upload(`state ${i}`, s)), health: upload('health', healthyWords()) };
    const dispatch =
      optimizer === 'adam'
        ? await prepareAdam(ctx, FLOATS, hyper, { params: b.p, grads: b.g, m: b.s[0], v: b.s[1], step: slots.binding(), health: b.health }, checkValues)
        : await prepareSgd(ctx, FLOATS, { params: b.p, grads: b.g, momentum: b.s[0], step: slots.binding(), health: b.health }, checkValues);
    await run(ctx, [dispatch], slots.offset(0));
    const out = {
      words: await readUints(ctx, b.health, 0, 4),
      p: await readFloats(ctx, b.p, 0, FLOATS),
      state: await Promise.all(b.s.map((s) => readFloats(ctx, s, 0, FLOATS))),
    };
    [b.p, b.g, b.health, slots.buffer, ...b.s].forEach((buffer) => ctx.destroyBuffer(buffer));
    return out;
  }

  const cases: Array<{ name: string; optimizer: 'adam' | 'sgd'; poison: (p: Float32Array, g: Float32Array, s: Float32Array[]) => void; index: number; kind: string; bad: number[] }> = [
    { name: 'adam: a NaN gradient (and a later infinite one)', optimizer: 'adam', poison: (_p, g) => ((g[537] = NaN), (g[901] = Infinity)), index: 537, kind: 'gradient', bad: [537, 901] },
    { name: 'adam: a gradient whose square overflows the second moment', optimizer: 'adam', poison: (_p, g) => (g[222] = 3e21), index: 222, kind: 'moment', bad: [222] },
    { name: 'adam: an infinite moment after a NaN parameter', optimizer: 'adam', poison: (p, _g, s) => ((s[0][300] = Infinity), (p[12] = NaN)), index: 12, kind: 'parameter', bad: [12, 300] },
    { name: 'adam: a negative second moment (the square root is NaN)', optimizer: 'adam', poison: (_p, _g, s) => (s[1][5] = -1), index: 5, kind: 'parameter', bad: [5] },
    { name: 'sgd: a NaN momentum buffer', optimizer: 'sgd', poison: (_p, _g, s) => (s[0][44] = NaN), index: 44, kind: 'moment', bad: [44] },
    { name: 'sgd: an infinite gradient before a NaN parameter', optimizer: 'sgd', poison: (p, g) => ((g[3] = -Infinity), (p[999] = NaN)), index: 3, kind: 'gradient', bad: [3, 999] },
  ];
  for (const c of cases) {
    it(`${c.name}: reported by index and kind, left as it was; every other element updated as without it`, async () => {
      const fresh = () => ({ p: ramp(FLOATS, 1), g: ramp(FLOATS, 0.01), s: c.optimizer === 'adam' ? [ramp(FLOATS, 0.001), ramp(FLOATS, 1e-6).map(Math.abs)] : [ramp(FLOATS, 0.01)] });
      const poisoned = fresh();
      c.poison(poisoned.p, poisoned.g, poisoned.s);
      const [got, clean] = [await step(c.optimizer, poisoned.p, poisoned.g, poisoned.s), await step(c.optimizer, fresh().p, fresh().g, fresh().s)];
      expect(readHealth(got.words)).toEqual({ loss: false, value: { index: c.index, kind: c.kind, slot: 17 } });
      expect(Array.from(clean.words), 'a clean step leaves the words as they were').toEqual(Array.from(healthyWords()));
      // A bad element's invocation (its vec4) writes nothing: those keep their old values, bit for bit, NaN
      // included; every other element is updated exactly as in the clean step.
      const skipped = (i: number): boolean => c.bad.some((b) => Math.floor(b / 4) === Math.floor(i / 4));
      for (let i = 0; i < FLOATS; i++) {
        if (skipped(i)) {
          expect(sameBits(got.p.subarray(i, i + 1), poisoned.p.subarray(i, i + 1)), `p[${i}] kept`).toBe(true);
          got.state.forEach((s, k) => expect(sameBits(s.subarray(i, i + 1), poisoned.s[k].subarray(i, i + 1)), `state ${k}[${i}] kept`).toBe(true));
        } else {
          expect(got.p[i], `p[${i}]`).toBe(clean.p[i]);
        }
      }
    });
  }

  it('without the checks (CreateOptions.checkValues false) nothing is reported and the NaN spreads: what the checks prevent', async () => {
    const g = ramp(FLOATS, 0.01);
    g[10] = NaN;
    const got = await step('adam', ramp(FLOATS, 1), g, [new Float32Array(FLOATS), new Float32Array(FLOATS)], false);
    expect(Array.from(got.words)).toEqual(Array.from(healthyWords()));
    expect(Number.isNaN(got.p[10])).toBe(true);
  });
});

describe('a run that meets a value that is not finite', () => {
  const recipe: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 2000 };

  /** A trainer after `steps` healthy steps, and its state then. */
  async function trainedFor(steps: number, r: Recipe = recipe): Promise<{ trainer: Trainer; state: TrainingState }> {
    const trainer = await Trainer.create(ctx, mnist, r);
    await trainer.run({ maxSteps: steps });
    return { trainer, state: await trainer.snapshot() };
  }

  /** `state` with its parameters changed by `edit(arena, offset of a tensor)`. */
  function poisoned(trainer: Trainer, state: TrainingState, edit: (p: Float32Array, at: (tensor: string, row: number, col?: number) => number) => void): TrainingState {
    const params = state.params.slice();
    edit(params, (tensor, row, col = 0) => {
      const v = trainer.model.layout.get(tensor);
      return v.offset + (v.shape.length === 2 ? row * v.shape[1] + col : row);
    });
    return { ...state, params };
  }

  async function failure(trainer: Trainer, steps: number): Promise<DivergenceError> {
    const error = await trainer.run({ maxSteps: steps }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    return error as DivergenceError;
  }

  it('one gradient element that overflows: the stop names layer 2, the element and the step, and the state before the chunk is kept', async () => {
    const { trainer, state } = await trainedFor(7);
    // Adam: the parameters and both moments, copied at each chunk's start.
    expect(trainer.copiesPerChunk).toBe(3);
    const i = 5;
    const bad = poisoned(trainer, state, (p, at) => {
      p[at('0.bias', i)] = 3e38;
      for (let row = 0; row < 256; row++) p[at('2.weight', row, i)] = 0;
      p[at('2.weight', 0, i)] = 1e-37;
      p[at('4.weight', 0, 0)] = 1e4;
    });
    trainer.restore(bad);
    const error = await failure(trainer, 5);
    console.log(`poisoned gradient: ${error.message}`);
    expect(error.value).toEqual({ layer: 2, tensor: '2.weight', element: [0, i], kind: 'gradient' });
    expect(error.step).toBe(8);
    expect(error.keptStep).toBe(7);
    expect(error.message).toMatch(/^the gradient of layer 2's weight \[0, 5\] \(tensor 2\.weight\) was not finite at epoch 1, step 8, while the loss was still finite \([\d.e+]+\): training stopped\. The run went back to its weights and optimizer state after step 7/);
    // Back to the state before the failing chunk, bit for bit, with the counters to match.
    const after = await trainer.snapshot();
    expect(after.step).toBe(7);
    expect(after.partialEpoch?.done).toBe(7);
    expect(sameBits(after.params, bad.params)).toBe(true);
    after.optimizer.forEach((o, k) => expect(sameBits(o, bad.optimizer[k]), `optimizer state ${k}`).toBe(true));
    trainer.destroy();
  });

  it('one NaN parameter behind a ReLU: the loss stays finite, the optimizer stops the run at once, naming layer 1', async () => {
    const { trainer, state } = await trainedFor(3);
    const bad = poisoned(trainer, state, (p, at) => (p[at('0.weight', 17, 300)] = NaN));
    trainer.restore(bad);
    const error = await failure(trainer, 5);
    expect(error.step).toBe(4);
    if (ctx.adapter.software) {
      // SwiftShader's ReLU turns the NaN pre-activation into 0: only the optimizer's check sees it.
      expect(error.value).toEqual({ layer: 1, tensor: '0.weight', element: [17, 300], kind: 'parameter' });
      expect(error.message).toMatch(/^the updated value of layer 1's weight \[17, 300\] \(tensor 0\.weight\) was not finite at epoch 1, step 4, while the loss was still finite/);
    } else {
      // An adapter whose ReLU keeps the NaN stops on the loss instead; either way the run stops at that step.
      expect(error.value ?? error.message).toBeTruthy();
    }
    const after = await trainer.snapshot();
    expect(after.step).toBe(3);
    expect(sameBits(after.params, bad.params)).toBe(true);
    trainer.destroy();
  });

  it('a loss that diverges mid-run: the run goes back to the start of the failing chunk, bit for bit, as if it had stopped there, and resumes from it', async () => {
    // Eight hidden layers, He-initialized, SGD with momentum at lr 1: the loss overflows a few chunks into the run
    // (at step 6 on the software adapter).
    const steep: Recipe = { ...recipe, layers: [784, ...new Array(8).fill(256), 10], init: 'he-normal', optimizer: 'sgd', lr: 1, momentum: 0.9 };
    const trainer = await Trainer.create(ctx, mnist, steep);
    const error = await failure(trainer, 40);
    const kept = error.keptStep!;
    expect(error.value === null || error.value.kind !== undefined).toBe(true);
    expect(error.step).toBeGreaterThan(kept);
    expect(kept, 'the failure came after the first chunks').toBeGreaterThan(0);
    expect(trainer.step).toBe(kept);
    // A run of the same recipe stopped at that step holds the same state.
    const { trainer: straight, state: want } = await trainedFor(kept, steep);
    const got = await trainer.snapshot();
    expect(got.step).toBe(want.step);
    expect(got.rng).toEqual(want.rng);
    expect(got.partialEpoch?.done).toBe(want.partialEpoch?.done);
    expect(sameBits(got.params, want.params), 'parameters').toBe(true);
    expect(sameBits(got.optimizer[0], want.optimizer[0]), 'momentum buffer').toBe(true);
    // Saved and read back as a checkpoint (what the CLI writes when a run stops) and resumed, it runs into the
    // same step as the straight run does (those weights overflow in the next forward pass at any rate), and
    // both go back to a state before it again.
    const resumed = await Trainer.resume(ctx, mnist, checkpointFromSafetensors(checkpointToSafetensors(got)));
    trainer.destroy();
    const again = await Promise.all([resumed, straight].map(async (t) => ({ error: await failure(t, 10), state: await t.snapshot() })));
    // (Where each goes back to depends on its own chunks, which grow with the time steps take.)
    for (const { error: e, state } of again) {
      expect(e.step).toBe(error.step);
      expect(state.step).toBe(e.keptStep);
    }
    console.log(`lr 1 diverged at step ${error.step} (${error.value ? `${error.value.kind} of ${error.value.tensor}` : 'the loss'}); went back to step ${kept}`);
    resumed.destroy();
    straight.destroy();
  });

  it('with checkValues off, a diverged loss goes back to the step before it, whose weights the GPU left in place', async () => {
    const steep: Recipe = { ...recipe, layers: [784, ...new Array(8).fill(256), 10], init: 'he-normal', optimizer: 'sgd', lr: 1, momentum: 0.9 };
    const trainer = await Trainer.create(ctx, mnist, steep, { checkValues: false });
    const error = await failure(trainer, 40);
    expect(error.keptStep).toBe(error.step! - 1);
    expect(trainer.step).toBe(error.step! - 1);
    const { trainer: straight, state: want } = await trainedFor(error.step! - 1, steep);
    const got = await trainer.snapshot();
    expect(got.step).toBe(want.step);
    expect(sameBits(got.params, want.params), 'parameters').toBe(true);
    trainer.destroy();
    straight.destroy();
  });

  it('with checkValues off the same NaN parameter trains on without a word (what the checks are for), and nothing is copied', async () => {
    const trainer = await Trainer.create(ctx, mnist, recipe, { checkValues: false });
    expect(trainer.copiesPerChunk).toBe(0);
    await trainer.run({ maxSteps: 3 });
    const state = await trainer.snapshot();
    trainer.restore(poisoned(trainer, state, (p, at) => (p[at('0.weight', 17, 300)] = NaN)));
    const error = await trainer.run({ maxSteps: 5 }).then(() => null, (e: unknown) => e);
    if (ctx.adapter.software) {
      expect(error).toBeNull();
      expect(trainer.step).toBe(8);
      const v = trainer.model.layout.get('0.weight');
      expect(Number.isNaN((await trainer.readParameters())[v.offset + 17 * 784 + 300])).toBe(true);
    }
    trainer.destroy();
  });
});
