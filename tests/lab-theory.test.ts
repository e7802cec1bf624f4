// The lab's theory against float64 arithmetic on the CPU: E[w^2] of every initializer against the values
// it draws, the predicted spread of a deep ReLU stack against a float64 forward and backward pass of that
// stack with drawn weights (within 15%, the 10 logits within 30%: one draw of weights and 256 rows, so a
// measured spread is itself an estimate),
// the verdicts' factors, and takeaways written from the numbers. CPU only.
import { describe, expect, it } from 'vitest';
import { fill, parseInitializer, weightSecondMoment } from '../src/init/initializers.ts';
import { Rng } from '../src/init/rng.ts';
import { formatFactor, predictedActivationStd, predictedFactor, predictedGradientStd, verdictOf } from '../src/app/lab/theory.ts';
import { probeTakeaway, runsTakeaway } from '../src/app/lab/takeaways.ts';
import type { LabRun } from '../src/app/lab/run-set.ts';

function std(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return Math.sqrt(sq / values.length);
}

describe('weightSecondMoment', () => {
  it.each(['xavier-uniform', 'xavier-normal', 'he-uniform', 'he-normal', 'lecun-normal', 'pytorch-default', 'normal:0,0.01', 'normal:0.5,2', 'uniform:-0.1,0.3', 'constant:0.2'])(
    '%s: the mean square of 262,144 drawn values within 1.5 percent',
    (spec) => {
      const [fanIn, fanOut] = [512, 512];
      const w = fill(parseInitializer(spec), new Float32Array(fanIn * fanOut), fanIn, fanOut, new Rng(5));
      let sum = 0;
      for (const v of w) sum += v * v;
      expect(Math.abs(sum / w.length / weightSecondMoment(parseInitializer(spec), fanIn, fanOut) - 1)).toBeLessThan(0.015);
    },
  );
});

/** A float64 forward and backward pass of a ReLU stack with zero biases, on `rows` inputs; dLoss/dz of the logits drawn N(0, 1). */
function simulate(layers: number[], init: string, rows: number, seed: number) {
  const rng = new Rng(seed);
  const spec = parseInitializer(init);
  const weights = layers.slice(0, -1).map((fanIn, l) => Float64Array.from(fill(spec, new Float32Array(fanIn * layers[l + 1]), fanIn, layers[l + 1], rng)));
  // Inputs in [0, 1]: a pixel is 0 with probability 0.8, else uniform, as MNIST's are roughly.
  let a = new Float64Array(rows * layers[0]).map(() => (rng.nextFloat() < 0.8 ? 0 : rng.nextFloat()));
  const meanSquare = a.reduce((s, v) => s + v * v, 0) / a.length;
  const zs: Float64Array[] = [];
  const outputStd: number[] = [];
  weights.forEach((w, l) => {
    const [fanIn, fanOut] = [layers[l], layers[l + 1]];
    const z = new Float64Array(rows * fanOut);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < fanOut; o++) {
        let sum = 0;
        for (let i = 0; i < fanIn; i++) sum += w[o * fanIn + i] * a[r * fanIn + i];
        z[r * fanOut + o] = sum;
      }
    zs.push(z);
    a = l === weights.length - 1 ? z : z.map((v) => Math.max(0, v));
    outputStd.push(std(a));
  });
  const L = weights.length;
  const gradStd = new Array<number>(L);
  let dz = new Float64Array(rows * layers[L]).map(() => rng.nextNormal());
  gradStd[L - 1] = std(dz);
  for (let l = L - 2; l >= 0; l--) {
    const [width, next, w] = [layers[l + 1], layers[l + 2], weights[l + 1]];
    const back = new Float64Array(rows * width);
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < width; i++) {
        let sum = 0;
        for (let o = 0; o < next; o++) sum += w[o * width + i] * dz[r * next + o];
        back[r * width + i] = zs[l][r * width + i] > 0 ? sum : 0;
      }
    dz = back;
    gradStd[l] = std(dz);
  }
  return { meanSquare, outputStd, gradStd };
}

describe('the theory of a deep ReLU stack', () => {
  const layers = [784, ...new Array<number>(8).fill(256), 10];

  it.each(['he-normal', 'xavier-uniform', 'normal:0,0.01', 'normal:0,1'])('%s: predicted spreads within 15 percent of a float64 pass (the logits 30), forward and backward', (init) => {
    const run = simulate(layers, init, 256, 11);
    const forward = predictedActivationStd(layers, init, run.meanSquare);
    const backward = predictedGradientStd(layers, init, run.gradStd[run.gradStd.length - 1]);
    // The logits have 10 units, so their spread rests on 10 rows of weights: a looser estimate.
    forward.forEach((p, l) => expect(Math.abs(p / run.outputStd[l] - 1), `layer ${l + 1} forward`).toBeLessThan(l === forward.length - 1 ? 0.3 : 0.15));
    backward.forEach((p, l) => expect(Math.abs(p / run.gradStd[l] - 1), `layer ${l + 1} backward`).toBeLessThan(0.15));
  });

  it('predicts the factor per layer the lesson quotes', () => {
    expect(predictedFactor(256, 'he-normal')).toBeCloseTo(1, 12);
    expect(predictedFactor(256, 'xavier-uniform')).toBeCloseTo(Math.SQRT1_2, 12);
    expect(predictedFactor(256, 'normal:0,1')).toBeCloseTo(Math.sqrt(128), 12);
    expect(predictedFactor(256, 'normal:0,0.01')).toBeCloseTo(0.01 * Math.sqrt(128), 12);
  });
});

describe('verdicts', () => {
  it('judges the geometric mean factor per layer, steady within 10%', () => {
    const xavier = Array.from({ length: 20 }, (_, i) => 0.236 * Math.SQRT1_2 ** i);
    expect(verdictOf(xavier)).toMatchObject({ kind: 'vanishes', text: 'vanishes: ×0.707 per layer' });
    expect(verdictOf(Array.from({ length: 20 }, (_, i) => 0.2 * 11.3 ** i))).toMatchObject({ kind: 'explodes', text: 'explodes: ×11.3 per layer' });
    expect(verdictOf([0.25, 0.26, 0.24, 0.25])).toMatchObject({ kind: 'steady', text: 'steady: ×1.00 per layer' });
    expect(verdictOf([0.2, 1e-3, 0, 0])).toMatchObject({ kind: 'vanishes', factor: 0, text: 'vanishes: exactly zero from layer 3' });
    expect(verdictOf([0.2, Infinity, NaN])).toMatchObject({ kind: 'breaks', text: 'breaks: not finite from layer 2' });
    expect(formatFactor(1e-5)).toBe('×1.0e-5');
  });

  it('writes the probe takeaway from the numbers', () => {
    const text = probeTakeaway(
      [
        { init: 'he-normal', verdict: verdictOf([0.26, 0.26]), predicted: 1, last: 0.26 },
        { init: 'xavier-uniform', verdict: verdictOf(Array.from({ length: 20 }, (_, i) => 0.236 * Math.SQRT1_2 ** i)), predicted: Math.SQRT1_2, last: 3.1e-4 },
      ],
      20,
    );
    expect(text).toBe("He normal keeps the signal's spread through all 20 layers; Xavier uniform shrinks it ×0.707 per layer (theory ×0.707) to 3.10e-4 at layer 20.");
  });
});

function run(init: string, losses: number[], accuracy?: number, diverged?: LabRun['diverged']): LabRun {
  return { init, losses: losses.map((l, i) => [i + 1, l]), epochs: accuracy === undefined ? [] : [{ epoch: 1, loss: losses[0], accuracy }], diagnostics: [], diverged };
}

describe('runsTakeaway', () => {
  it('names the best, its lead, the runs no better than guessing and the diverged', () => {
    const text = runsTakeaway(
      [run('xavier-uniform', [2.28], 0.1953), run('he-normal', [0.31], 0.9204), run('normal:0,0.01', [2.2996], 0.1135), run('normal:0,1', [NaN], undefined, { step: 2, message: 'x', where: { layer: 3, what: 'activations' } })],
      10,
    );
    expect(text).toBe(
      'He normal learned most: 92.04% test accuracy (loss 0.31), 72.5 points ahead of Xavier uniform. N(0, 0.01) (11.35%, loss 2.3) is no better than guessing, which scores 10.00%. ' +
        "N(0, 1) diverged at step 2: its values stopped being finite, first in layer 3's activations.",
    );
  });

  it('names the runs that trail 10 points or more behind the best', () => {
    expect(runsTakeaway([run('xavier-uniform', [0.3466], 0.9091), run('he-normal', [0.2775], 0.9169), run('normal:0,1', [1.744], 0.2951)], 10)).toBe(
      'He normal learned most: 91.69% test accuracy (loss 0.2775), 0.8 points ahead of Xavier uniform. N(0, 1) (29.51%, loss 1.744) trails far behind.',
    );
  });

  it('ranks by loss before any evaluation, and says nothing before any step', () => {
    expect(runsTakeaway([run('he-normal', [0.5, 0.7]), run('xavier-uniform', [2.2])], 10)).toBe('Lowest loss so far: He normal 0.6 and Xavier uniform 2.2.');
    expect(runsTakeaway([run('he-normal', [])], 10)).toBe('');
  });
});
