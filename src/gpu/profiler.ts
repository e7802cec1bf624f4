/**
 * Per-kernel GPU time from timestamp queries: each prepared dispatch is encoded in a compute pass of its
 * own whose beginning and end write timestamps, the query set is resolved into a buffer and read back once.
 *
 * This is a measuring tool, not part of the step loop: a pass per dispatch adds pass boundaries the real
 * step does not have, so the sum of the kernel times is the GPU work, not the step's wall time. Running the
 * dispatches executes them (a training step's dispatches update the weights), so profile after the numbers
 * that matter have been taken. Needs the device feature 'timestamp-query' (requestDevice asks for it when the
 * adapter has it); Chromium quantizes timestamps to 100 us unless started with
 * --enable-webgpu-developer-features.
 */
import { GpuError, type GpuContext } from './context.ts';
import type { Dispatch } from './dispatch.ts';
import { readBytes } from './readback.ts';

export interface KernelTime {
  /** The dispatch's name (its label). */
  name: string;
  /** Median GPU time over the repeats, in milliseconds. */
  ms: number;
  /** Every repeat's time, in milliseconds. */
  samples: number[];
}

/** Largest query set WebGPU implementations accept. */
const MAX_QUERIES = 4096;

export function hasTimestamps(ctx: GpuContext): boolean {
  return ctx.device.features.has('timestamp-query');
}

/**
 * Runs `dispatches` in order `repeats` times, each in its own timed compute pass, and returns one time per
 * dispatch (in the order given). `stepOffset` is the step slot's dynamic offset for dispatches that read it.
 */
export async function profileDispatches(ctx: GpuContext, dispatches: readonly Dispatch[], stepOffset = 0, repeats = 3): Promise<KernelTime[]> {
  if (!hasTimestamps(ctx)) {
    throw new GpuError("this device has no 'timestamp-query' feature: the adapter does not offer it, or the device was requested without it");
  }
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  const count = 2 * dispatches.length * repeats;
  if (count === 0) return [];
  if (count > MAX_QUERIES) throw new RangeError(`${dispatches.length} dispatches x ${repeats} repeats need ${count} timestamps; at most ${MAX_QUERIES}`);

  const { device } = ctx;
  const querySet = device.createQuerySet({ label: 'profiler', type: 'timestamp', count });
  const resolved = ctx.createBuffer('profiler timestamps', count * 8, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, 'metrics');
  try {
    const encoder = device.createCommandEncoder({ label: 'profiler' });
    let query = 0;
    for (let r = 0; r < repeats; r++) {
      for (const d of dispatches) {
        const pass = encoder.beginComputePass({
          label: d.name,
          timestampWrites: { querySet, beginningOfPassWriteIndex: query, endOfPassWriteIndex: query + 1 },
        });
        pass.setPipeline(d.kernel.pipeline);
        pass.setBindGroup(0, d.bindGroup, d.usesStep ? [stepOffset] : []);
        pass.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2]);
        pass.end();
        query += 2;
      }
    }
    encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
    device.queue.submit([encoder.finish()]);
    const ticks = new BigUint64Array(await readBytes(ctx, resolved, 0, count * 8));
    return dispatches.map((d, i) => {
      const samples = Array.from({ length: repeats }, (_, r) => {
        const begin = 2 * (r * dispatches.length + i);
        // A timestamp may go backwards across passes on some drivers; such a sample reads as 0.
        return ticks[begin + 1] > ticks[begin] ? Number(ticks[begin + 1] - ticks[begin]) / 1e6 : 0;
      });
      return { name: d.name, ms: median(samples), samples };
    });
  } finally {
    querySet.destroy();
    ctx.destroyBuffer(resolved);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
