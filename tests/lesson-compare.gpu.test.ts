// `npm run pytorch` run whole, tiny: the lesson's recipe for one epoch on the first 500 training images (5
// steps) in PyTorch on the CPU (/usr/bin/python3 with Debian's python3-torch), then in our engine on the GPU
// adapter, back to back; the JSON output holds both runs. Needs torch importable from /usr/bin/python3
// (apt-get install -y python3-torch), as the README says.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

interface Output {
  recipe: { name: string; layers: number[]; epochs: number; trainLimit: number };
  train_images: number;
  steps_per_epoch: number;
  torch: { version: string; python: string; threads: number };
  adapter: string;
  epochs: Array<{ epoch: number; pytorch: { loss: number; seconds: number; samples_per_s: number }; ours: { loss: number; seconds: number; samples_per_s: number } }>;
  test_accuracy: { pytorch: number; ours: number; pytorch_lesson_test_cell: number };
  correct: { pytorch: number; ours: number; count: number };
}

describe('npm run pytorch, tiny', () => {
  it('trains the lesson\'s recipe in PyTorch, then in ours, and prints both epoch by epoch', () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['cli/launch.mjs', 'cli/pytorch.ts', '--epochs', '1', '--train-limit', '500', '--threads', '2', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (result.error) throw result.error;
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]) as Output;
    console.log(`npm run pytorch -- --epochs 1 --train-limit 500: ${((performance.now() - started) / 1000).toFixed(1)} s; ${JSON.stringify(out.epochs[0])}`);

    expect(out.recipe).toMatchObject({ name: 'mlp', layers: [784, 256, 256, 10], epochs: 1, trainLimit: 500 });
    expect([out.train_images, out.steps_per_epoch]).toEqual([500, 5]);
    expect(out.torch.version).toMatch(/^\d+\.\d+/);
    expect(out.torch.threads).toBe(2);
    expect(out.epochs.map((e) => e.epoch)).toEqual([1]);
    // Five Adam steps from Xavier weights: both below ln(10) = 2.303, the loss of a uniform guess, and above 1.
    for (const side of [out.epochs[0].pytorch, out.epochs[0].ours]) {
      expect(side.loss).toBeGreaterThan(1);
      expect(side.loss).toBeLessThan(Math.log(10));
      expect(side.seconds).toBeGreaterThan(0);
      expect(side.samples_per_s).toBeCloseTo(500 / side.seconds, 6);
    }
    // README: 71% after 10 steps of 100; after 5, either side is far above chance (10%) and far from done.
    for (const accuracy of [out.test_accuracy.pytorch, out.test_accuracy.ours, out.test_accuracy.pytorch_lesson_test_cell]) {
      expect(accuracy).toBeGreaterThan(0.3);
      expect(accuracy).toBeLessThan(0.9);
    }
    expect(out.correct.count).toBe(10000);
    expect(out.correct.pytorch / 10000).toBe(out.test_accuracy.pytorch);
  });
});
