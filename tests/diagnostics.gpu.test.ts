/**
 * Diagnostics on the GPU against the float64 oracle (src/reference/diagnostics.ts), step by step: the
 * reference runs the forward and backward pass from the GPU's own weights before the step (read back), and
 * measures the update from the GPU's weights before and after, so what is compared is the statistics, not
 * the float32 drift of training. Shapes: a batch of 1, widths below the 256-invocation workgroup and not a
 * multiple of it, every unit dead, signals that exploded (1e27) or vanished (1e-30), and the mlp recipe.
 *
 * Tolerances, |got - want| <=
 *   mean of activations and of dLoss/dz:      TOL (|mean| + std): dLoss/dz's mean is 0 up to rounding, so
 *                                             the error is measured against the spread;
 *   std of activations, dLoss/dz, dLoss/dW:   TOL std (relative);
 *   histogram min and max:                    TOL max(|min|, |max|);
 *   update ratio log10(std(dW) / std(W)):     TOL (absolute in log10: 2.3e-5 relative in the ratio);
 *   dead units:                               exact (a unit is dead when all B of its float32 outputs are 0;
 *                                             float32 rounding could only flip one whose float64 output is
 *                                             within ~1e-7 of 0 in every row: none in these batches);
 *   histogram counts:                         they add up to the values exactly; per bin, the counts may
 *                                             differ only by values whose float64 position lies within
 *                                             EDGE of a bin edge (float32 rounding moves them across it):
 *                                             sum |got - want| <= 2 x those values.
 * TOL = 1e-5 is float32's 6e-8 times the few hundred terms a float32 product or per-invocation sum adds up.
 * The largest errors seen are printed at the end (README-ready).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { permutation } from '../src/data/batches.ts';
import { deriveSeed, Rng } from '../src/init/rng.ts';
import { paramsFromArena } from '../src/reference/mlp.ts';
import { pixelsToInput } from '../src/reference/kernels.ts';
import { binPosition, referenceDiagnostics, tensorStats, type ReferenceStep } from '../src/reference/diagnostics.ts';
import { encodeJobs, prepareStats, STATS_WORDS, type StatsJob } from '../src/gpu/stats.ts';
import { StepSlots } from '../src/gpu/step-slots.ts';
import { readUints } from '../src/gpu/readback.ts';
import { HISTOGRAM_BINS, type Histogram, type StepDiagnostics } from '../src/train/diagnostics.ts';
import { firstNonFinite } from '../src/train/sampling.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { run, withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

const TOL = 1e-5;

/** Largest error seen per statistic (in the unit its tolerance uses), over every case. */
const worst: Record<string, number> = {};
const note = (stat: string, error: number): void => {
  worst[stat] = Math.max(worst[stat] ?? 0, error);
};

afterAll(() => {
  const rows = Object.entries(worst).map(([stat, error]) => `| ${stat} | ${error.toExponential(1)} |`);
  console.log(['diagnostics against the float64 reference, largest error seen:', '| statistic | max error |', '| --- | --- |', ...rows].join('\n'));
});

/** Trains `steps` single steps with every step sampled; each sample with its reference. */
async function sampleAgainstReference(recipe: Recipe, steps: number): Promise<Array<{ got: StepDiagnostics; want: ReferenceStep }>> {
  const trainer = await Trainer.create(ctx, mnist, recipe);
  const { model } = trainer;
  const B = recipe.batch;
  const order = permutation(trainer.trainCount, new Rng(deriveSeed(recipe.seed, 1)));
  const out: Array<{ got: StepDiagnostics; want: ReferenceStep }> = [];
  try {
    for (let s = 0; s < steps; s++) {
      const before = await trainer.readParameters();
      const samples: StepDiagnostics[] = [];
      await trainer.run({ maxSteps: 1, diagnostics: { every: 1 }, onProgress: (p) => samples.push(...(p.diagnostics ?? [])) });
      const after = await trainer.readParameters();
      expect(samples.map((d) => d.step)).toEqual([s + 1]);
      const rows = order.subarray(s * B, (s + 1) * B);
      const x = pixelsToInput(mnist.train.pixels, rows, 784);
      const labels = Array.from(rows, (i) => mnist.train.labels[i]);
      out.push({ got: samples[0], want: referenceDiagnostics(recipe.layers, paramsFromArena(model, before), paramsFromArena(model, after), x, labels, B) });
    }
  } finally {
    trainer.destroy();
  }
  return out;
}

/** Values of `x` within EDGE of an inner bin edge of the histogram over [min, max]. */
function nearEdges(x: Float64Array, h: Histogram, edge: number): number {
  let n = 0;
  for (const v of x) {
    const p = binPosition(v, h.min, h.max);
    const nearest = Math.round(p);
    if (nearest > 0 && nearest < HISTOGRAM_BINS && Math.abs(p - nearest) <= edge) n++;
  }
  return n;
}

function expectHistogram(stat: string, got: Histogram, want: Histogram, values: Float64Array): void {
  const span = Math.max(Math.abs(want.min), Math.abs(want.max));
  for (const end of ['min', 'max'] as const) {
    const error = span === 0 ? Math.abs(got[end]) : Math.abs(got[end] - want[end]) / span;
    note(`${stat} histogram range`, error);
    expect(error, `${stat} histogram ${end}`).toBeLessThanOrEqual(TOL);
  }
  expect(got.counts.reduce((a, b) => a + b, 0), `${stat} histogram total`).toBe(want.counts.reduce((a, b) => a + b, 0));
  // A value's position moves by about its error (TOL of the span) over the bin width.
  const edge = want.max === want.min ? 0 : (HISTOGRAM_BINS * TOL * span) / (want.max - want.min);
  const moved = got.counts.reduce((sum, c, i) => sum + Math.abs(c - want.counts[i]), 0);
  note(`${stat} histogram: values in another bin`, moved / 2);
  expect(moved, `${stat} histogram counts`).toBeLessThanOrEqual(2 * nearEdges(values, want, edge));
}

/** Compares one step's statistics with the reference's, within the tolerances of the header. */
function expectClose(got: StepDiagnostics, want: ReferenceStep): void {
  expect(got.layers).toHaveLength(want.layers.length);
  got.layers.forEach((g, l) => {
    const w = want.layers[l];
    const where = `layer ${w.layer}`;
    expect(g.layer).toBe(w.layer);
    const relative = (stat: string, a: number, b: number): void => {
      const error = b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
      note(stat, error);
      expect(error, `${where} ${stat}: got ${a}, want ${b}`).toBeLessThanOrEqual(TOL);
    };
    const mean = (stat: string, a: number, b: number, std: number): void => {
      const scale = Math.abs(b) + std;
      const error = scale === 0 ? Math.abs(a) : Math.abs(a - b) / scale;
      note(stat, error);
      expect(error, `${where} ${stat}: got ${a}, want ${b}`).toBeLessThanOrEqual(TOL);
    };
    mean('activation mean', g.actMean, w.actMean, w.actStd);
    relative('activation std', g.actStd, w.actStd);
    relative('dLoss/dz std', g.gradStd, w.gradStd);
    relative('dLoss/dW std', g.weightGradStd, w.weightGradStd);
    expect(g.deadFrac, `${where} dead units`).toBe(w.deadFrac);
    if (Number.isFinite(w.updateRatio)) {
      const error = Math.abs(g.updateRatio - w.updateRatio);
      note('update ratio (log10)', error);
      expect(error, `${where} update ratio: got ${g.updateRatio}, want ${w.updateRatio}`).toBeLessThanOrEqual(TOL);
    } else {
      expect(g.updateRatio, `${where} update ratio`).toBe(w.updateRatio);
    }
    expectHistogram('activation', g.actHistogram, w.actHistogram, want.tensors[l].activations);
    expectHistogram('dLoss/dz', g.gradHistogram, w.gradHistogram, want.tensors[l].gradients);
  });
  expect(got.nonFinite).toBeUndefined();
  expect(firstNonFinite(want.flags)).toBeNull();
}

const shape = (layers: number[], batch: number, extra: Partial<Recipe> = {}): Recipe => ({ ...RECIPES.mlp, layers, batch, epochs: 1, trainLimit: 10 * batch, ...extra });

describe('diagnostics against the float64 reference', () => {
  it('a batch of 1, widths below a workgroup (784-3-10)', async () => {
    for (const { got, want } of await sampleAgainstReference(shape([784, 3, 10], 1), 3)) expectClose(got, want);
  });

  it('widths not a multiple of the workgroup, above and below it (784-300-17-10, batch 7), under SGD with momentum', async () => {
    const recipe = shape([784, 300, 17, 10], 7, { optimizer: 'sgd', lr: 0.05, momentum: 0.9 });
    for (const { got, want } of await sampleAgainstReference(recipe, 2)) expectClose(got, want);
  });

  it('every unit dead (a bias of -1000): dead fraction 1, zero gradients, an update ratio of -Infinity', async () => {
    const samples = await sampleAgainstReference(shape([784, 20, 12, 10], 5, { biasInit: 'constant:-1000' }), 1);
    for (const { got, want } of samples) {
      expectClose(got, want);
      expect(got.layers.map((l) => l.deadFrac)).toEqual([1, 1, 0]);
      expect(got.layers[0].gradStd).toBe(0);
      expect(got.layers[0].gradHistogram).toEqual({ min: 0, max: 0, counts: [5 * 20, ...new Array(HISTOGRAM_BINS - 1).fill(0)] });
      expect(got.layers[0].updateRatio).toBe(-Infinity);
    }
  });

  it('exploded and vanished signals are measured, not overflowed or flushed (1e27 and 1e-30)', async () => {
    const exploded = await sampleAgainstReference(shape([784, 32, 32, 10], 4, { init: 'normal:0,1e8', biasInit: 'zeros' }), 1);
    const vanished = await sampleAgainstReference(shape([784, 64, 64, 64, 10], 4, { init: 'normal:0,1e-9', biasInit: 'zeros' }), 1);
    for (const { got, want } of [...exploded, ...vanished]) expectClose(got, want);
    console.log(`exploded: activation std by layer ${exploded[0].got.layers.map((l) => l.actStd.toExponential(2)).join(' ')}`);
    console.log(`vanished: activation std by layer ${vanished[0].got.layers.map((l) => l.actStd.toExponential(2)).join(' ')}`);
    expect(exploded[0].got.layers[2].actStd).toBeGreaterThan(1e25);
    expect(vanished[0].got.layers[3].actStd).toBeLessThan(1e-28);
    expect(vanished[0].got.layers[3].actStd).toBeGreaterThan(0);
  });

  it('the mlp recipe (784-256-256-10, batch 100)', async () => {
    for (const { got, want } of await sampleAgainstReference(shape([784, 256, 256, 10], 100), 2)) expectClose(got, want);
  });
});

describe('the statistics kernel against tensorStats', () => {
  it('measures tensors with inf and NaN, constant, all-zero, dead columns and 1e-30 to 1e30, into the step slot asked', async () => {
    const rng = new Rng(11);
    const noise = (n: number, scale: number, shift = 0): number[] => Array.from({ length: n }, () => shift + scale * (rng.nextFloat() * 2 - 1));
    // (rows, cols) with columns 1 and 4 zero in every row: two dead units of seven.
    const relu = Array.from({ length: 5 * 7 }, (_, i) => (i % 7 === 1 || i % 7 === 4 ? 0 : Math.max(0, rng.nextFloat() - 0.3)));
    const cases: Array<{ values: number[]; cols: number }> = [
      { values: [...noise(300, 1), NaN, ...noise(40, 2), Infinity, -Infinity], cols: 0 },
      { values: new Array<number>(77).fill(-2.5), cols: 0 },
      { values: new Array<number>(513).fill(0), cols: 0 },
      { values: relu, cols: 7 },
      { values: noise(1000, 1e-30, 3e-30), cols: 0 },
      { values: noise(257, 1e30), cols: 0 },
      { values: [4], cols: 1 },
    ];
    // Each case starts at a multiple of 4 elements, as the kernel reads vec4s; the padding is garbage it must skip.
    const starts = cases.map((_, i) => cases.slice(0, i).reduce((sum, c) => sum + Math.ceil(c.values.length / 4) * 4, 0));
    const data = new Float32Array(starts[cases.length - 1] + Math.ceil(cases[cases.length - 1].values.length / 4) * 4).fill(NaN);
    cases.forEach((c, i) => data.set(c.values, starts[i]));
    const slotWords = cases.length * (STATS_WORDS + HISTOGRAM_BINS);
    const jobs: StatsJob[] = cases.map((c, i) => ({ source: i % 2 ? 'grads' : 'a', offset: starts[i], count: c.values.length, cols: c.cols, histogram: true, out: i * (STATS_WORDS + HISTOGRAM_BINS) }));
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
    const tensor = ctx.createStorage('stats input', data, 'activations');
    const table = ctx.createStorage('stats jobs', encodeJobs(jobs), 'metrics');
    const stats = ctx.createBuffer('stats', 2 * slotWords * 4, usage, 'metrics');
    const slots = new StepSlots(ctx, 2, 'stats test slots');
    slots.write([{ batchBase: 0, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0, diagSlot: 0 }, { batchBase: 0, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0, diagSlot: 1 }]);
    const whole = { buffer: tensor };
    const dispatch = await prepareStats(ctx, slotWords, HISTOGRAM_BINS, { a: whole, b: whole, params: tensor, delta: tensor, grads: tensor, jobs: { buffer: table }, stats, step: slots.binding() }, jobs.length, 'stats test');
    await run(ctx, [dispatch], slots.offset(1));
    const words = await readUints(ctx, stats, 0, 2 * slotWords);
    [tensor, table, stats, slots.buffer].forEach((b) => ctx.destroyBuffer(b));
    // Slot 0 was not asked for.
    expect(Array.from(words.subarray(0, slotWords)).every((w) => w === 0)).toBe(true);
    const floats = new Float32Array(words.buffer);
    cases.forEach((c, i) => {
      const at = slotWords + jobs[i].out;
      const want = tensorStats(Float32Array.from(c.values), c.cols);
      const span = Math.max(Math.abs(want.min), Math.abs(want.max));
      const what = `case ${i}`;
      expect(words[at + 4], `${what} non-finite`).toBe(want.nonFinite);
      expect(words[at + 5], `${what} dead`).toBe(want.dead);
      expect(words[at + 6], `${what} finite`).toBe(want.finite);
      if (want.nonFinite > 0) {
        expect(floats[at], what).toBeNaN();
        expect(floats[at + 1], what).toBeNaN();
      } else {
        expect(Math.abs(floats[at] - want.mean), `${what} mean`).toBeLessThanOrEqual(TOL * (Math.abs(want.mean) + want.std));
        expect(Math.abs(floats[at + 1] - want.std), `${what} std`).toBeLessThanOrEqual(TOL * want.std);
      }
      expect(floats[at + 2], `${what} min`).toBe(Math.fround(want.min));
      expect(floats[at + 3], `${what} max`).toBe(Math.fround(want.max));
      const counts = Array.from(words.subarray(at + STATS_WORDS, at + STATS_WORDS + HISTOGRAM_BINS));
      const edge = want.max === want.min ? 0 : (HISTOGRAM_BINS * TOL * span) / (want.max - want.min);
      const moved = counts.reduce((sum, n, b) => sum + Math.abs(n - want.counts[b]), 0);
      expect(counts.reduce((a, b) => a + b, 0), `${what} histogram total`).toBe(want.finite);
      expect(moved, `${what} histogram`).toBeLessThanOrEqual(2 * nearEdges(Float64Array.from(c.values), { min: want.min, max: want.max, counts: want.counts }, edge));
    });
  });
});
