/**
 * Shared set-up of the GPU tests: a Dawn device on whatever adapter this machine has (the software adapter
 * on CI). No adapter is a failure with a message, never a skip.
 */
import { afterAll, beforeAll } from 'vitest';
import { createNodeContext } from '../src/gpu/node.ts';
import { loadMnist } from '../src/data/node.ts';
import type { Dataset } from '../src/data/idx.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { encode, type Dispatch } from '../src/gpu/dispatch.ts';
import type { Mlp } from '../src/layers/mlp.ts';
import type { LayerParams } from '../src/reference/mlp.ts';

export async function gpuContext(): Promise<GpuContext> {
  try {
    // The untuned matmul variants: a test's figures do not depend on what a measurement picked
    // (tests/tuner.gpu.test.ts tests the measuring itself).
    return await createNodeContext({ maxStorageBufferBindingSize: 256 << 20, maxBufferSize: 256 << 20, tuning: { mode: 'untuned' } });
  } catch (error) {
    throw new Error(`GPU tests need a WebGPU adapter and none could be created: ${(error as Error).message}`);
  }
}

/**
 * A device and the real MNIST for a whole test file: made before its first test and handed to `use`, the
 * device destroyed after its last.
 */
export function withGpuAndMnist(use: (ctx: GpuContext, mnist: Dataset) => void): void {
  let ctx: GpuContext | undefined;
  beforeAll(async () => {
    ctx = await gpuContext();
    use(ctx, await loadMnist());
  });
  afterAll(() => ctx?.destroy());
}

/** Runs dispatches in one submit and waits for the queue. */
export async function run(ctx: GpuContext, dispatches: Dispatch[], stepOffset = 0): Promise<void> {
  const encoder = ctx.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  encode(pass, dispatches, stepOffset);
  pass.end();
  ctx.device.queue.submit([encoder.finish()]);
  await ctx.device.queue.onSubmittedWorkDone();
  ctx.check();
}

/** Largest and mean |gpu - reference| over every weight and bias of `model`'s parameter arena `arena`. */
export function weightErrors(model: Mlp, arena: Float32Array, reference: readonly LayerParams[]): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  let count = 0;
  model.layers.forEach((layer, l) => {
    for (const [name, want] of [[layer.weightName, reference[l].weight], [layer.biasName, reference[l].bias]] as const) {
      const v = model.layout.get(name);
      for (let i = 0; i < v.length; i++) {
        const err = Math.abs(arena[v.offset + i] - want[i]);
        max = Math.max(max, err);
        sum += err;
        count++;
      }
    }
  });
  return { max, mean: sum / count };
}

/** Largest |got - want| and whether every element is within atol + rtol * |want|. */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): { maxAbs: number; maxRel: number; ok: boolean; worst: number } {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let maxAbs = 0;
  let maxRel = 0;
  let ok = true;
  let worst = -1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= atol + rtol * Math.abs(want[i]))) {
      ok = false;
      if (worst < 0) worst = i;
    }
    if (err > maxAbs || Number.isNaN(err)) maxAbs = Number.isNaN(err) ? Infinity : err;
    maxRel = Math.max(maxRel, err / Math.max(Math.abs(want[i]), 1e-30));
  }
  return { maxAbs, maxRel, ok, worst };
}
