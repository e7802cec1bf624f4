// The page's CPU model (src/reference/predict.ts, src/app/trainer/lesson-model.ts): the float64 forward pass
// against loops written here, weights read from nn.Sequential safetensors, and the bundled weights, which
// must be the model of the recorded run: same recipe, and the recorded test accuracy on the real test set.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { predictProbabilities } from '../src/reference/predict.ts';
import { cpuClassifier, paramsFromSafetensors } from '../src/app/trainer/lesson-model.ts';
import { parseSafetensors, writeSafetensors } from '../src/data/safetensors.ts';
import { loadMnist } from '../src/data/node.ts';
import type { LayerParams } from '../src/reference/mlp.ts';
import type { RecordedRun } from '../src/train/recording.ts';

const WEIGHTS = new URL('../src/app/trainer/recorded/lesson-weights.safetensors', import.meta.url);
const RECORD = new URL('../src/app/trainer/recorded/lesson-run.json', import.meta.url);

/** An LCG in [-0.5, 0.5), so the expectations do not lean on the project's own RNG. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5;
}

function randomParams(widths: number[], rand: () => number, scale = 0.3): LayerParams[] {
  return widths.slice(1).map((out, l) => ({
    weight: Float64Array.from({ length: out * widths[l] }, () => rand() * scale),
    bias: Float64Array.from({ length: out }, () => rand() * scale),
  }));
}

/** The forward pass as plain loops: h = relu(W h + b) for all but the last layer, then softmax. */
function naiveProbabilities(params: LayerParams[], pixels: Uint8Array): number[] {
  let h = Array.from(pixels, (v) => v / 255);
  params.forEach(({ weight, bias }, l) => {
    const next: number[] = [];
    for (let o = 0; o < bias.length; o++) {
      let z = bias[o];
      for (let i = 0; i < h.length; i++) z += weight[o * h.length + i] * h[i];
      next.push(l < params.length - 1 ? Math.max(0, z) : z);
    }
    h = next;
  });
  const max = Math.max(...h);
  const exps = h.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function sequentialFile(params: LayerParams[]): Uint8Array {
  return writeSafetensors(
    params.flatMap((p, l) => [
      { name: `${2 * l}.weight`, shape: [p.bias.length, p.weight.length / p.bias.length], data: Float32Array.from(p.weight) },
      { name: `${2 * l}.bias`, shape: [p.bias.length], data: Float32Array.from(p.bias) },
    ]),
  );
}

describe('the float64 forward pass', () => {
  it('equals plain loops for a batch of images, row by row, and each row sums to 1', () => {
    const rand = random(7);
    const widths = [12, 9, 5, 4];
    const params = randomParams(widths, rand);
    const pixels = Uint8Array.from({ length: 3 * 12 }, () => Math.floor((rand() + 0.5) * 256));
    const got = predictProbabilities(params, pixels, 3);
    expect(got).toHaveLength(3 * 4);
    for (let r = 0; r < 3; r++) {
      const want = naiveProbabilities(params, pixels.subarray(r * 12, (r + 1) * 12));
      const row = Array.from(got.subarray(r * 4, (r + 1) * 4));
      row.forEach((p, c) => expect(Math.abs(p - want[c])).toBeLessThanOrEqual(1e-14));
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-14);
    }
  });

  it('stays finite for huge logits (the softmax subtracts the max)', () => {
    const params: LayerParams[] = [{ weight: Float64Array.from([5000, -5000]), bias: new Float64Array(2) }];
    expect(Array.from(predictProbabilities(params, Uint8Array.from([255]), 1))).toEqual([1, 0]);
  });

  it('refuses pixels that are not count images of the first layer\'s width', () => {
    const params = randomParams([4, 2], random(1));
    expect(() => predictProbabilities(params, new Uint8Array(7), 2)).toThrow('2 images of 4 pixels need 8 values, got 7');
  });
});

describe('weights from nn.Sequential safetensors', () => {
  it('reads every Linear (keys 0, 2, 4, ...) in float32 precision, and classifies as the float64 weights do', async () => {
    const rand = random(11);
    const params = randomParams([6, 5, 3], rand);
    const read = paramsFromSafetensors(sequentialFile(params));
    expect(read.map((p) => [p.weight.length, p.bias.length])).toEqual([[30, 5], [15, 3]]);
    read.forEach((p, l) => expect(Array.from(p.weight)).toEqual(Array.from(Float32Array.from(params[l].weight))));
    const pixels = Uint8Array.from([0, 30, 90, 160, 220, 255]);
    const got = await cpuClassifier(read)(pixels);
    const want = naiveProbabilities(params, pixels);
    got.forEach((p, c) => expect(Math.abs(p - want[c])).toBeLessThanOrEqual(1e-6));
  });

  it('refuses a chain whose widths do not meet, and a file with no first layer', () => {
    const rand = random(3);
    const [first] = randomParams([6, 5], rand);
    const [second] = randomParams([4, 3], rand);
    expect(() => paramsFromSafetensors(sequentialFile([first, second]))).toThrow('2.weight takes 4 inputs, but the layer before it has 5 outputs');
    expect(() => paramsFromSafetensors(writeSafetensors([{ name: 'fc.weight', shape: [1, 1], data: new Float32Array(1) }]))).toThrow('no tensor 0.weight');
  });
});

describe('the bundled weights', () => {
  const bytes = new Uint8Array(readFileSync(WEIGHTS));
  const record = JSON.parse(readFileSync(RECORD, 'utf8')) as RecordedRun;

  it('are the lesson\'s 784-256-256-10, saved by the recorded run (its recipe in their metadata)', () => {
    const params = paramsFromSafetensors(bytes);
    expect(params.map((p) => p.bias.length)).toEqual([256, 256, 10]);
    expect(params[0].weight.length).toBe(256 * 784);
    expect(JSON.parse(parseSafetensors(bytes).metadata.recipe)).toEqual(record.recipe);
  });

  it('classify the MNIST test set on the CPU at the recorded (float32, GPU) accuracy, within 3 images', async () => {
    // float64 here against float32 on the GPU: only images whose two best logits nearly tie can differ.
    const { test } = await loadMnist();
    const params = paramsFromSafetensors(bytes);
    const size = test.rows * test.cols;
    const chunk = 500;
    let correct = 0;
    for (let start = 0; start < test.count; start += chunk) {
      const n = Math.min(chunk, test.count - start);
      const probabilities = predictProbabilities(params, test.pixels.subarray(start * size, (start + n) * size), n);
      for (let r = 0; r < n; r++) {
        const row = probabilities.subarray(r * 10, r * 10 + 10);
        if (row.indexOf(Math.max(...row)) === test.labels[start + r]) correct++;
      }
    }
    expect(Math.abs(correct - Math.round(record.test_accuracy * test.count))).toBeLessThanOrEqual(3);
  });
});
