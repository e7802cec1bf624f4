/**
 * Dawn in Node polls its device while a GPU promise is pending; left alone it does so from a setImmediate
 * callback that queues itself again, a busy loop that keeps the main thread at 100% and takes a core from a
 * software adapter's own threads. src/gpu/node.ts defers those polls (native callbacks only) by DAWN_POLL_MS:
 * while the GPU works the event loop mostly sleeps, readbacks still resolve, and setImmediate keeps its
 * meaning for everything else.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import type { Dataset } from '../src/data/idx.ts';
import { RECIPES } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { encode } from '../src/gpu/dispatch.ts';
import { withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

describe("Dawn's polling in Node", () => {
  it('lets the event loop sleep while the GPU works, and readbacks still resolve', async () => {
    const trainer = await Trainer.create(ctx, mnist, { ...RECIPES.mlp, epochs: 1, trainLimit: 2000 });
    await trainer.run({ maxSteps: 2 });
    const encoder = ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < 10; i++) encode(pass, trainer.stepDispatches, 0);
    pass.end();
    const before = performance.eventLoopUtilization();
    const started = performance.now();
    ctx.device.queue.submit([encoder.finish()]);
    await ctx.device.queue.onSubmittedWorkDone();
    const busy = performance.eventLoopUtilization(before);
    const ms = performance.now() - started;
    trainer.destroy();
    console.log(`10 steps on the GPU in ${ms.toFixed(0)} ms; the event loop was busy ${(100 * busy.utilization).toFixed(1)}% of it`);
    // With the busy loop, utilization is about 100%.
    expect(busy.utilization).toBeLessThan(0.5);
  });

  it("leaves setImmediate as it was for everything else: functions, a promise's resolve, builtins", async () => {
    const handles: Array<ReturnType<typeof setImmediate>> = [];
    await new Promise<void>((done) => handles.push(setImmediate(done)));
    await new Promise<void>((done) => handles.push(setImmediate(() => done())));
    handles.push(setImmediate(Math.random));
    // Node's own Immediates, not deferred timers.
    expect(handles.map((h) => h.constructor.name)).toEqual(['Immediate', 'Immediate', 'Immediate']);
  });
});
