/**
 * The bundled weights (src/app/trainer/recorded/lesson-weights.safetensors) are the model of the recorded run
 * (lesson-run.json): loaded into the GPU engine they score the recorded test accuracy, exactly on the adapter
 * that recorded it; and the page's CPU forward pass (float64) gives the GPU's probabilities (float32) for
 * test digits, within 1e-4 per class, the matmul tolerance of the GPU tests.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { weightsFromSafetensors } from '../src/index.ts';
import { RECIPES } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { paramsFromSafetensors } from '../src/app/trainer/lesson-model.ts';
import { predictProbabilities } from '../src/reference/predict.ts';
import type { RecordedRun } from '../src/train/recording.ts';
import { compare, withGpuAndMnist } from './gpu.ts';

const RECORDED = new URL('../src/app/trainer/recorded/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('lesson-weights.safetensors', RECORDED)));
const record = JSON.parse(readFileSync(new URL('lesson-run.json', RECORDED), 'utf8')) as RecordedRun;

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

function describeAdapter(): string {
  const a = ctx.adapter;
  return `${a.vendor} ${a.architecture}${a.description ? ` (${a.description})` : ''}${a.software ? ' [software]' : ''}`;
}

describe('the bundled weights on the GPU', () => {
  it('score the recorded test accuracy, and the CPU forward pass gives the GPU\'s probabilities', async () => {
    const trainer = await Trainer.create(ctx, mnist, { ...RECIPES.mlp, trainLimit: 100 });
    try {
      trainer.writeParameters(weightsFromSafetensors(trainer.model, bytes));
      const { correct, count } = await trainer.evaluate();
      const recorded = Math.round(record.test_accuracy * count);
      // Another adapter sums in another order: a borderline image or two may flip there, never here.
      if (describeAdapter() === record.adapter) expect(correct).toBe(recorded);
      else expect(Math.abs(correct - recorded)).toBeLessThanOrEqual(3);

      const params = paramsFromSafetensors(bytes);
      const { test } = mnist;
      const size = test.rows * test.cols;
      for (const index of [0, 1, 115, 9999]) {
        const pixels = test.pixels.slice(index * size, (index + 1) * size);
        const gpu = await trainer.predict(pixels);
        const cpu = predictProbabilities(params, pixels, 1);
        const result = compare(gpu, cpu, 1e-4, 1e-4);
        expect(result.ok, `image ${index}: max |gpu - cpu| ${result.maxAbs}`).toBe(true);
      }
    } finally {
      trainer.destroy();
    }
  });
});
