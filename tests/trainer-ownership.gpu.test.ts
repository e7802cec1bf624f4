/**
 * Trainers built at the same time on one device own only their own buffers. The page's lab and depth probe
 * build trainers side by side; a trainer that took every buffer created while it compiled as its own freed
 * the other's on destroy ("[Buffer "training order"] used in submit while destroyed"). Here two trainers are
 * built concurrently, one is destroyed, and the other must still train and evaluate without a GPU error.
 */
import { describe, expect, it } from 'vitest';
import { uploadDataset } from '../src/train/gpu-dataset.ts';
import { RECIPES } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { gpuContext } from './gpu.ts';
import { bandDataset } from './idx-fixtures.ts';


describe('trainer ownership', () => {
  it('frees only its own buffers when trainers were built at the same time', async () => {
    const ctx = await gpuContext();
    try {
      const dataset = bandDataset(200, 100);
      const images = uploadDataset(ctx, dataset);
      const shared = new Set(ctx.liveBuffers());
      // Different widths, so each compiles its own kernels and the two creations interleave at their awaits.
      const [first, second] = await Promise.all([
        Trainer.create(ctx, dataset, { ...RECIPES.mlp, layers: [784, 48, 10], trainLimit: 200, epochs: 1 }, { images }),
        Trainer.create(ctx, dataset, { ...RECIPES.mlp, layers: [784, 32, 32, 10], trainLimit: 200, epochs: 1 }, { images }),
      ]);
      first.destroy();
      // The second's buffers are all alive: it trains and evaluates without a GPU error.
      const epochs = await second.run();
      expect(epochs).toHaveLength(1);
      expect((await second.evaluate()).count).toBe(100);
      ctx.check();
      // And each freed exactly what it made: nothing but the shared upload is left.
      second.destroy();
      expect(ctx.liveBuffers().filter((b) => !shared.has(b))).toEqual([]);
    } finally {
      ctx.destroy();
    }
  });
});
