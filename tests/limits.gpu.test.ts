/**
 * A stack the device cannot hold is refused before anything is allocated: Trainer.create throws a
 * ConfigError that names the buffer, the bytes it needs and the device's limit, with the layer widths as its
 * field (so the lab shows it under Width), and the device holds no buffer more than before.
 */
import { describe, expect, it } from 'vitest';
import { uploadDataset } from '../src/train/gpu-dataset.ts';
import { ConfigError, RECIPES } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { gpuContext } from './gpu.ts';
import { bandDataset } from './idx-fixtures.ts';


describe('device limits', () => {
  it("refuses 30 hidden layers of 4096 before allocating, naming the parameters' bytes and the limit", async () => {
    const ctx = await gpuContext();
    try {
      const dataset = bandDataset(200, 100);
      const images = uploadDataset(ctx, dataset);
      const before = ctx.liveBuffers().length;
      const layers = [784, ...new Array<number>(30).fill(4096), 10];
      const limit = Math.min(ctx.device.limits.maxStorageBufferBindingSize, ctx.device.limits.maxBufferSize);
      const parameters = 4 * layers.slice(1).reduce((sum, fanOut, l) => sum + (layers[l] + 1) * fanOut, 0);
      expect(parameters).toBeGreaterThan(limit);
      const error = await Trainer.create(ctx, dataset, { ...RECIPES.mlp, layers, trainLimit: 200, epochs: 1 }, { images }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      const refusal = error as ConfigError;
      expect(refusal.field).toBe('layers');
      const named = /^the parameters \((\d+) in all\) needs (\d+) bytes in one GPU buffer, but this device allows at most (\d+) /.exec(refusal.message);
      expect(named?.slice(1).map(Number)).toEqual([parameters / 4, expect.any(Number), limit]);
      // The arena pads each tensor to an aligned offset: a little more than the parameters themselves.
      expect(Number(named![2])).toBeGreaterThanOrEqual(parameters);
      expect(refusal.allowed).toMatch(/^small enough for this GPU's limit of [\d.]+ MiB in one buffer \(the parameters \(\d+ in all\) would need [\d.]+ MiB\)$/);
      expect(ctx.liveBuffers().length).toBe(before);
      ctx.check();
    } finally {
      ctx.destroy();
    }
  });
});
