/**
 * Tests of the float64 CPU oracle in src/reference. Every expectation here comes from something independent of
 * the code under test: naive loops written in this file, hand-computed numbers, or central finite differences.
 */
import { describe, expect, it } from 'vitest';
import {
  adamStep,
  biasGrad,
  evaluateLogits,
  linearForward,
  matmul,
  pixelsToInput,
  relu,
  reluBackward,
  sgdStep,
  softmaxCrossEntropy,
} from '../src/reference/kernels.ts';
import { ReferenceMlp, type LayerParams } from '../src/reference/mlp.ts';

/** Small deterministic generator (an LCG) so the tests do not depend on the project's own RNG. */
function makeRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5; // uniform in [-0.5, 0.5)
  };
}

function randomArray(n: number, rand: () => number, scale = 2): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() * scale;
  return a;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

describe('matmul', () => {
  it('matches hand-computed 2x2 products in all four transpose modes', () => {
    const a = new Float64Array([1, 2, 3, 4]); // [[1,2],[3,4]]
    const b = new Float64Array([5, 6, 7, 8]); // [[5,6],[7,8]]
    expect(Array.from(matmul(a, b, 2, 2, 2))).toEqual([19, 22, 43, 50]);
    expect(Array.from(matmul(a, b, 2, 2, 2, true, false))).toEqual([26, 30, 38, 44]); // A^T B
    expect(Array.from(matmul(a, b, 2, 2, 2, false, true))).toEqual([17, 23, 39, 53]); // A B^T
    expect(Array.from(matmul(a, b, 2, 2, 2, true, true))).toEqual([23, 31, 34, 46]); // A^T B^T
  });

  it('handles a non-square case by hand: (1,3) x (3,2)', () => {
    const a = new Float64Array([1, 2, 3]);
    const b = new Float64Array([1, 0, 0, 1, 2, 2]); // [[1,0],[0,1],[2,2]]
    expect(Array.from(matmul(a, b, 1, 2, 3))).toEqual([7, 8]);
  });

  it('matches a naive triple loop on random shapes in all four transpose modes', () => {
    const rand = makeRandom(1);
    for (const [M, N, K] of [[3, 5, 4], [1, 7, 2], [6, 1, 3], [4, 4, 9]]) {
      // Logical matrices, then stored in whichever layout the mode asks for.
      const A = randomArray(M * K, rand); // (M,K)
      const Bm = randomArray(K * N, rand); // (K,N)
      const naive = new Float64Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) naive[i * N + j] += A[i * K + k] * Bm[k * N + j];
      const At = new Float64Array(K * M);
      for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) At[k * M + i] = A[i * K + k];
      const Bt = new Float64Array(N * K);
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) Bt[j * K + k] = Bm[k * N + j];
      expectClose(matmul(A, Bm, M, N, K, false, false), naive);
      expectClose(matmul(At, Bm, M, N, K, true, false), naive);
      expectClose(matmul(A, Bt, M, N, K, false, true), naive);
      expectClose(matmul(At, Bt, M, N, K, true, true), naive);
    }
  });

  it('rejects operands of the wrong length', () => {
    expect(() => matmul(new Float64Array(5), new Float64Array(6), 2, 3, 2)).toThrow(/length/);
  });
});

describe('linear layer pieces', () => {
  it('linearForward computes X W^T + b with an optional ReLU', () => {
    const x = new Float64Array([1, 2]); // B=1, in=2
    const w = new Float64Array([1, 1, -1, 0, 0, 2]); // out=3: rows [1,1], [-1,0], [0,2]
    const b = new Float64Array([0.5, 0, -5]);
    expect(Array.from(linearForward(x, w, b, 1, 2, 3, false))).toEqual([3.5, -1, -1]);
    expect(Array.from(linearForward(x, w, b, 1, 2, 3, true))).toEqual([3.5, 0, 0]);
  });

  it('relu, reluBackward and biasGrad', () => {
    expect(Array.from(relu(new Float64Array([-1, 0, 2])))).toEqual([0, 0, 2]);
    expect(Array.from(reluBackward(new Float64Array([5, 6, 7]), new Float64Array([0, 1, 0.5])))).toEqual([0, 6, 7]);
    expect(Array.from(biasGrad(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([5, 7, 9]);
  });

  it('pixelsToInput gathers rows by index and scales by 1/255', () => {
    const pixels = new Uint8Array([0, 255, 51, 102, 10, 20]); // three images of two pixels
    expectClose(pixelsToInput(pixels, [2, 0], 2), [10 / 255, 20 / 255, 0, 1]);
    expect(() => pixelsToInput(pixels, [3], 2)).toThrow(/outside/);
  });
});

/** Mean cross-entropy written independently: -log(exp(z_y) / sum exp(z)), computed stably. */
function naiveCrossEntropy(logits: Float64Array, labels: ArrayLike<number>, B: number, C: number): number {
  let total = 0;
  for (let r = 0; r < B; r++) {
    const row = Array.from(logits.subarray(r * C, (r + 1) * C));
    const m = Math.max(...row);
    total += -(row[labels[r]] - m) + Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
  }
  return total / B;
}

describe('softmaxCrossEntropy', () => {
  it('gives log C for uniform logits', () => {
    const C = 10;
    const { loss, probs } = softmaxCrossEntropy(new Float64Array(2 * C).fill(3), [4, 7], 2, C);
    expect(loss).toBeCloseTo(Math.log(C), 14);
    for (const p of probs) expect(p).toBeCloseTo(0.1, 15);
  });

  it('matches a hand-computed two-class case', () => {
    // logits [0, ln 3] -> probs [1/4, 3/4]; label 0 -> loss ln 4.
    const { loss, probs, dlogits } = softmaxCrossEntropy(new Float64Array([0, Math.log(3)]), [0], 1, 2);
    expect(loss).toBeCloseTo(Math.log(4), 14);
    expectClose(probs, [0.25, 0.75], 1e-15);
    expectClose(dlogits, [-0.75, 0.75], 1e-15);
  });

  it('does not overflow for huge logits', () => {
    // Row 0: [1000, 0] labelled 0 -> loss ~ e^-1000 ~ 0; row 1: [1000, 1000] labelled 1 -> ln 2. Mean ln(2)/2.
    const { loss, dlogits } = softmaxCrossEntropy(new Float64Array([1000, 0, 1000, 1000]), [0, 1], 2, 2);
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(Math.log(2) / 2, 14);
    for (const d of dlogits) expect(Number.isFinite(d)).toBe(true);
  });

  it('dlogits agrees with central finite differences of the loss', () => {
    const rand = makeRandom(2);
    const B = 3;
    const C = 5;
    const logits = randomArray(B * C, rand, 6);
    const labels = [1, 4, 0];
    const { loss, dlogits } = softmaxCrossEntropy(logits, labels, B, C);
    expect(loss).toBeCloseTo(naiveCrossEntropy(logits, labels, B, C), 14);
    const h = 1e-6;
    for (let i = 0; i < B * C; i++) {
      const plus = Float64Array.from(logits);
      plus[i] += h;
      const minus = Float64Array.from(logits);
      minus[i] -= h;
      const fd = (naiveCrossEntropy(plus, labels, B, C) - naiveCrossEntropy(minus, labels, B, C)) / (2 * h);
      // Tolerance 1e-7 relative to max(|grad|, 1): far above the ~1e-10 rounding noise of the difference.
      expect(Math.abs(fd - dlogits[i])).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(dlogits[i])));
    }
  });

  it('rejects labels outside [0, C)', () => {
    expect(() => softmaxCrossEntropy(new Float64Array(2), [2], 1, 2)).toThrow(/class index/);
  });
});

/** Mean loss of an MLP written from scratch in loops, for finite differences independent of the oracle. */
function naiveMlpLoss(widths: number[], params: LayerParams[], x: Float64Array, labels: number[], B: number): number {
  let h = Array.from(x);
  for (let l = 0; l < widths.length - 1; l++) {
    const fanIn = widths[l];
    const fanOut = widths[l + 1];
    const next: number[] = [];
    for (let r = 0; r < B; r++) {
      for (let o = 0; o < fanOut; o++) {
        let z = params[l].bias[o];
        for (let i = 0; i < fanIn; i++) z += h[r * fanIn + i] * params[l].weight[o * fanIn + i];
        next.push(l < widths.length - 2 ? Math.max(0, z) : z);
      }
    }
    h = next;
  }
  return naiveCrossEntropy(Float64Array.from(h), labels, B, widths[widths.length - 1]);
}

function randomParams(widths: number[], rand: () => number): LayerParams[] {
  const params: LayerParams[] = [];
  for (let l = 0; l < widths.length - 1; l++) {
    params.push({ weight: randomArray(widths[l + 1] * widths[l], rand, 2), bias: randomArray(widths[l + 1], rand, 1) });
  }
  return params;
}

describe('ReferenceMlp gradients', () => {
  it('every parameter gradient agrees with central finite differences (widths [5,4,3,3], B=4)', () => {
    const rand = makeRandom(3);
    const widths = [5, 4, 3, 3];
    const B = 4;
    const params = randomParams(widths, rand);
    const x = randomArray(B * widths[0], rand, 2);
    const labels = [0, 2, 1, 2];
    const mlp = new ReferenceMlp(widths, params, { kind: 'sgd', lr: 0.1, momentum: 0 });
    const { loss, grads } = mlp.gradients(x, labels, B);
    expect(loss).toBeCloseTo(naiveMlpLoss(widths, params, x, labels, B), 13);

    // Tolerance: |fd - analytic| <= 1e-7 * max(1, |analytic|). With h = 1e-6 the truncation error is ~1e-12
    // and rounding noise ~1e-10, so this is loose enough never to flake yet tight enough to catch any real bug.
    const h = 1e-6;
    let checked = 0;
    for (let l = 0; l < params.length; l++) {
      for (const key of ['weight', 'bias'] as const) {
        const p = params[l][key];
        for (let i = 0; i < p.length; i++) {
          const saved = p[i];
          p[i] = saved + h;
          const lp = naiveMlpLoss(widths, params, x, labels, B);
          p[i] = saved - h;
          const lm = naiveMlpLoss(widths, params, x, labels, B);
          p[i] = saved;
          const fd = (lp - lm) / (2 * h);
          const g = grads[l][key][i];
          expect(Math.abs(fd - g), `layer ${l} ${key}[${i}]`).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(g)));
          checked++;
        }
      }
    }
    expect(checked).toBe(5 * 4 + 4 + 4 * 3 + 3 + 3 * 3 + 3);
    // Some ReLU units must be inactive for the test to exercise the mask; check the setup does that.
    const { hidden } = mlp.forward(x, B);
    expect(hidden.some((hl) => hl.some((v) => v === 0))).toBe(true);
  });

  it('copies params and validates shapes', () => {
    const params = [{ weight: new Float64Array(6), bias: new Float64Array(3) }];
    const mlp = new ReferenceMlp([2, 3], params, { kind: 'sgd', lr: 0.1, momentum: 0 });
    params[0].weight[0] = 42;
    expect(mlp.params[0].weight[0]).toBe(0);
    expect(() => new ReferenceMlp([2, 3], [{ weight: new Float64Array(5), bias: new Float64Array(3) }], { kind: 'sgd', lr: 0.1, momentum: 0 })).toThrow(/weight/);
    expect(() => new ReferenceMlp([2, 3], [{ weight: new Float64Array(6), bias: new Float64Array(2) }], { kind: 'sgd', lr: 0.1, momentum: 0 })).toThrow(/bias/);
    expect(() => new ReferenceMlp([2, 3, 4], params, { kind: 'sgd', lr: 0.1, momentum: 0 })).toThrow(/layers/);
    expect(() => mlp.forward(new Float64Array(3), 2)).toThrow(/input/);
  });
});

describe('optimizers', () => {
  const cfg = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

  it('Adam at t=1 moves each parameter by about lr * sign(g)', () => {
    const p = new Float64Array([1, -2, 3]);
    const g = new Float64Array([0.5, -4, 0]);
    const m = new Float64Array(3);
    const v = new Float64Array(3);
    adamStep(p, g, m, v, 1, cfg);
    // g=0.5: m=0.05, v=0.00025, bc1=0.1, bc2=0.001, denom=0.5+1e-8, update=(1e-3/0.1)*0.05/denom.
    expect(p[0]).toBeCloseTo(1 - (0.01 * 0.05) / (0.5 + 1e-8), 15);
    // g=-4: m=-0.4, v=0.016, denom=4+1e-8, update=0.01*(-0.4)/denom.
    expect(p[1]).toBeCloseTo(-2 + (0.01 * 0.4) / (4 + 1e-8), 15);
    expect(p[2]).toBe(3); // zero gradient: m = 0, no movement
    expectClose(m, [0.05, -0.4, 0], 1e-15);
    expectClose(v, [0.00025, 0.016, 0], 1e-15);
  });

  it('Adam over two steps matches the formula expanded by hand', () => {
    const p = new Float64Array([1]);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    adamStep(p, new Float64Array([0.5]), m, v, 1, cfg);
    adamStep(p, new Float64Array([-1]), m, v, 2, cfg);
    // Step 1 as above. Step 2: m = 0.9*0.05 - 0.1 = -0.055; v = 0.999*0.00025 + 0.001 = 0.00124975;
    // bc1 = 1 - 0.81 = 0.19; bc2 = 1 - 0.998001 = 0.001999.
    const p1 = 1 - (0.01 * 0.05) / (0.5 + 1e-8);
    const m2 = -0.055;
    const v2 = 0.00124975;
    const p2 = p1 - (1e-3 / 0.19) * m2 / (Math.sqrt(v2) / Math.sqrt(0.001999) + 1e-8);
    expect(m[0]).toBeCloseTo(m2, 15);
    expect(v[0]).toBeCloseTo(v2, 15);
    expect(p[0]).toBeCloseTo(p2, 14);
  });

  it('Adam rejects t < 1', () => {
    const z = new Float64Array(1);
    expect(() => adamStep(z, z, z, z, 0, cfg)).toThrow(/t must/);
  });

  it('SGD without momentum is p -= lr g', () => {
    const p = new Float64Array([1, 2]);
    const buf = new Float64Array(2);
    sgdStep(p, new Float64Array([0.5, -1]), buf, { lr: 0.1, momentum: 0 });
    expectClose(p, [0.95, 2.1], 1e-15);
    sgdStep(p, new Float64Array([0.5, -1]), buf, { lr: 0.1, momentum: 0 });
    expectClose(p, [0.9, 2.2], 1e-15);
  });

  it('SGD with momentum accumulates buf = mu buf + g', () => {
    const p = new Float64Array([1]);
    const buf = new Float64Array(1);
    sgdStep(p, new Float64Array([0.5]), buf, { lr: 0.1, momentum: 0.9 });
    expect(buf[0]).toBeCloseTo(0.5, 15); // first step: buf = g, like PyTorch's clone
    expect(p[0]).toBeCloseTo(0.95, 15);
    sgdStep(p, new Float64Array([-0.2]), buf, { lr: 0.1, momentum: 0.9 });
    expect(buf[0]).toBeCloseTo(0.25, 15); // 0.9*0.5 - 0.2
    expect(p[0]).toBeCloseTo(0.925, 15);
  });
});

describe('evaluateLogits', () => {
  it('breaks ties toward the lowest index', () => {
    const logits = new Float64Array([1, 3, 3, 2, 2, 2, 0, 0, 5]);
    const { predictions } = evaluateLogits(logits, [0, 0, 0], 3, 3);
    expect(Array.from(predictions)).toEqual([1, 0, 2]);
  });

  it('counts correct predictions and fills confusion[true][predicted]', () => {
    // Sample 0: true 0, predicted 2. Sample 1: true 1, predicted 1. Sample 2: true 2, predicted 2.
    const logits = new Float64Array([0, 1, 9, 0, 9, 1, 1, 0, 9]);
    const { correct, confusion } = evaluateLogits(logits, [0, 1, 2], 3, 3);
    expect(correct).toBe(2);
    expect(Array.from(confusion)).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 1]);
    expect(confusion[0 * 3 + 2]).toBe(1); // row = true label 0, column = predicted 2
    expect(confusion[2 * 3 + 0]).toBe(0);
  });
});

describe('ReferenceMlp training', () => {
  function syntheticProblem(n: number, rand: () => number): { x: Float64Array; labels: number[] } {
    // Three well-separated clusters in 4 dimensions.
    const centers = [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 2]];
    const x = new Float64Array(n * 4);
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      labels.push(c);
      for (let d = 0; d < 4; d++) x[i * 4 + d] = centers[c][d] + rand() * 0.8;
    }
    return { x, labels };
  }

  for (const optimizer of [
    { kind: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const,
    { kind: 'sgd', lr: 0.1, momentum: 0.9 } as const,
  ]) {
    it(`${optimizer.kind} reduces the loss on a separable problem`, () => {
      const rand = makeRandom(4);
      const widths = [4, 8, 3];
      const params = randomParams(widths, rand);
      const mlp = new ReferenceMlp(widths, params, optimizer);
      const B = 30;
      const { x, labels } = syntheticProblem(B, rand);
      const first = mlp.step(x, labels, B);
      let last = first;
      for (let i = 0; i < 150; i++) last = mlp.step(x, labels, B);
      expect(last).toBeLessThan(first * 0.2);
      expect(mlp.evaluate(x, labels, B).correct).toBe(B);
    });
  }
});
