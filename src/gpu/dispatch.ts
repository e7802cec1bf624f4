/**
 * A prepared dispatch: pipeline, bind group and grid, built once when the model is built and replayed every
 * step. Dispatches that read the per-step uniform take the step slot's dynamic offset when encoded.
 */
import type { GpuContext, Kernel, KernelSpec } from './context.ts';

export interface Dispatch {
  name: string;
  kernel: Kernel;
  bindGroup: GPUBindGroup;
  groups: [number, number, number];
  /** True when binding `stepBinding` is the dynamic-offset step uniform. */
  usesStep: boolean;
}

/** Buffer bindings by binding number (undefined for numbers the variant does not use). */
export type Bindings = Array<GPUBufferBinding | undefined>;

export async function prepare(
  ctx: GpuContext,
  spec: KernelSpec,
  bindings: Bindings,
  groups: [number, number, number],
  label = spec.name,
): Promise<Dispatch> {
  const kernel = await ctx.kernel(spec);
  const entries: GPUBindGroupEntry[] = [];
  spec.bindings.forEach((kind, binding) => {
    if (kind === null) return;
    const resource = bindings[binding];
    if (!resource) throw new Error(`${label}: binding ${binding} (${kind}) has no buffer`);
    entries.push({ binding, resource });
  });
  const limit = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (groups.some((g) => g > limit)) {
    throw new Error(`${label}: grid ${groups.join('x')} exceeds this device's ${limit} workgroups per dimension`);
  }
  return {
    name: label,
    kernel,
    bindGroup: ctx.device.createBindGroup({ label, layout: kernel.layout, entries }),
    groups,
    usesStep: spec.bindings.includes('uniform_dynamic'),
  };
}

/** Records `dispatches` into `pass`; `stepOffset` selects the step slot for those that read it. */
export function encode(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[], stepOffset = 0): void {
  for (const d of dispatches) {
    pass.setPipeline(d.kernel.pipeline);
    pass.setBindGroup(0, d.bindGroup, d.usesStep ? [stepOffset] : []);
    pass.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2]);
  }
}

/** A binding of `floats` f32 values at float offset `offset`, its size rounded up to whole vec4s. */
export function view(buffer: GPUBuffer, offset: number, floats: number): GPUBufferBinding {
  const size = Math.ceil(floats / 4) * 16;
  return { buffer, offset: offset * 4, size: Math.min(size, buffer.size - offset * 4) };
}
