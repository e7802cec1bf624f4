/**
 * Checkpoints: a run saved mid-epoch, written to a safetensors file, read back and continued (on a new
 * device) ends with exactly the numbers of a run that was never interrupted.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { parseSafetensors } from '../src/data/safetensors.ts';
import { checkpointFromSafetensors, checkpointToSafetensors, isCheckpoint } from '../src/train/checkpoint.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { gpuContext, withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('checkpoints', () => {
  for (const optimizer of ['adam', 'sgd'] as const) {
    it(`resuming a ${optimizer} run from a mid-epoch checkpoint on a new device equals the uninterrupted run`, async () => {
      const recipe: Recipe = { ...RECIPES.mlp, optimizer, lr: optimizer === 'sgd' ? 0.05 : 1e-3, momentum: optimizer === 'sgd' ? 0.9 : 0, epochs: 2, trainLimit: 500 };
      const whole = await Trainer.create(ctx, mnist, recipe);
      const wholeLosses: number[] = [];
      const wholeEpochs = await whole.fit({ onProgress: (p) => wholeLosses.push(...p.losses) });
      const wholeParams = await whole.readParameters();
      whole.destroy();

      const first = await Trainer.create(ctx, mnist, recipe);
      const losses: number[] = [];
      await first.run({ maxSteps: 7, onProgress: (p) => losses.push(...p.losses) });
      const bytes = checkpointToSafetensors(await first.snapshot());
      first.destroy();
      expect(isCheckpoint(bytes)).toBe(true);
      expect(parseSafetensors(bytes).tensors.get('0.weight')?.shape).toEqual([256, 784]);

      const other = await gpuContext();
      try {
        const resumed = await Trainer.resume(other, mnist, checkpointFromSafetensors(bytes));
        const epochs = await resumed.fit({ onProgress: (p) => losses.push(...p.losses) });
        const params = await resumed.readParameters();
        resumed.destroy();
        expect(losses).toEqual(wholeLosses);
        expect(epochs.map((e) => e.loss)).toEqual([wholeEpochs[1].loss]);
        expect(same(params, wholeParams)).toBe(true);
      } finally {
        other.destroy();
      }
    });
  }

  it('rejects a weights-only file as a checkpoint, and a checkpoint whose tensors do not fit its recipe', async () => {
    const trainer = await Trainer.create(ctx, mnist, { ...RECIPES.mlp, epochs: 1, trainLimit: 200 });
    const state = await trainer.snapshot();
    trainer.destroy();
    const bytes = checkpointToSafetensors(state);
    const { weightsToSafetensors, Mlp } = await import('../src/index.ts');
    const weightsOnly = weightsToSafetensors(new Mlp(state.recipe.layers), state.params);
    expect(() => checkpointFromSafetensors(weightsOnly)).toThrow(/not a training checkpoint/);
    // Same length, so the header stays valid: only the recipe's second hidden width changes.
    const tampered = Buffer.from(bytes);
    const at = tampered.indexOf('\\"layers\\":[784,256,256,10]');
    expect(at).toBeGreaterThan(0);
    tampered.write('\\"layers\\":[784,256,128,10]', at);
    expect(() => checkpointFromSafetensors(tampered)).toThrow(/2\.weight.*shape \[256, 256\], expected \[128, 256\]/);
  });

  it("refuses a state whose step does not fit the dataset's steps per epoch, before writing anything", async () => {
    // Saved mid-epoch from a run on 500 images (5 steps an epoch): 7 steps, the second epoch 2 steps in.
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 500 };
    const first = await Trainer.create(ctx, mnist, recipe);
    await first.run({ maxSteps: 7 });
    const state = await first.snapshot();
    first.destroy();
    expect([state.epoch, state.step, state.partialEpoch?.done]).toEqual([1, 7, 2]);
    const { ConfigError } = await import('../src/train/recipe.ts');
    for (const bad of [{ ...state, step: 8 }, { ...state, recipe: { ...state.recipe, trainLimit: 300 } }]) {
      const refused = await Trainer.resume(ctx, mnist, bad).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toMatch(/^the saved state says step \d+ after 1 epochs and 2 steps, but this dataset gives \d+ steps per epoch/);
    }
  });
});
