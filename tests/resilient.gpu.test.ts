/**
 * A lost GPU device mid-run: the run goes on from the last epoch's snapshot on a new device and ends with
 * exactly the numbers of a run that never lost its device.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import { loadMnist } from '../src/data/node.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { fitWithRecovery } from '../src/train/resilient.ts';
import { gpuContext } from './gpu.ts';

describe('device loss', () => {
  it('destroying the device mid-run resumes on a new device with identical results', async () => {
    const mnist = await loadMnist();
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 500 };
    const contexts: GpuContext[] = [];
    const makeContext = async (): Promise<GpuContext> => {
      const ctx = await gpuContext();
      contexts.push(ctx);
      return ctx;
    };

    const clean = await fitWithRecovery({ makeContext, dataset: mnist, start: recipe });
    const want = await clean.trainer.readParameters();
    clean.trainer.destroy();
    clean.ctx.destroy();

    const messages: string[] = [];
    let lost = false;
    const run = await fitWithRecovery({
      makeContext,
      dataset: mnist,
      start: recipe,
      onProgress: (p) => {
        if (!lost && p.epoch === 2 && p.stepInEpoch >= 2) {
          lost = true;
          contexts.at(-1)!.device.destroy();
        }
      },
      onRecover: (message) => messages.push(message),
    });
    const got = await run.trainer.readParameters();
    run.trainer.destroy();
    run.ctx.destroy();

    expect(lost).toBe(true);
    expect(run.recoveries).toBe(1);
    expect(messages[0]).toMatch(/device was lost.*continuing from the snapshot after epoch 1 \(step 5\) on a new device/);
    expect(run.epochs.map((e) => e.loss)).toEqual(clean.epochs.map((e) => e.loss));
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
});
