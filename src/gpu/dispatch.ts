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

/** The buffers of a dispatch, by the names of the kernel's binding table. */
export type Resources<Name extends string> = Partial<Record<Name, GPUBufferBinding | GPUBuffer>>;

/**
 * Builds the dispatch: each binding the kernel's table lists gets the resource of the same name (a buffer
 * binds whole); a listed binding without one, or a resource the variant does not bind, is an error.
 */
export async function prepare<Name extends string>(
  ctx: GpuContext,
  spec: KernelSpec<Name>,
  resources: Resources<Name>,
  groups: [number, number, number],
  label = spec.name,
): Promise<Dispatch> {
  const entries: GPUBindGroupEntry[] = [];
  const table = Object.entries(spec.bindings) as Array<[Name, KernelSpec<Name>['bindings'][Name]]>;
  for (const [name, b] of table) {
    const resource = resources[name];
    if (!b) {
      if (resource) throw new Error(`${label}: ${name} is given a buffer, but this variant of ${spec.name} does not bind it`);
      continue;
    }
    if (!resource) throw new Error(`${label}: ${name} (binding ${b.binding}, ${b.kind}) has no buffer`);
    entries.push({ binding: b.binding, resource: 'buffer' in resource ? resource : { buffer: resource } });
  }
  for (const name of Object.keys(resources)) {
    if (!(name in spec.bindings) && resources[name as Name]) throw new Error(`${label}: ${spec.name} has no binding named ${name}`);
  }
  const kernel = await ctx.kernel(spec);
  const limit = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (groups.some((g) => g > limit)) {
    throw new Error(`${label}: grid ${groups.join('x')} exceeds this device's ${limit} workgroups per dimension`);
  }
  return {
    name: label,
    kernel,
    bindGroup: ctx.device.createBindGroup({ label, layout: kernel.layout, entries }),
    groups,
    usesStep: table.some(([, b]) => b?.kind === 'uniform_dynamic'),
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
