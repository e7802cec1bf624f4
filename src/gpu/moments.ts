/**
 * The moments kernel's wrapper (src/shaders/moments.wgsl): mean and standard deviation of a tensor into a
 * slot of a stats buffer. The float64 oracle is a two-line loop in the test.
 */
import source from '../shaders/moments.wgsl?raw';
import { slot, type GpuContext, type KernelSpec } from './context.ts';
import { prepare, view, type Dispatch } from './dispatch.ts';

export function momentsSpec(count: number, statsSlot: number): KernelSpec<'x' | 'stats'> {
  return { name: 'moments', source, defines: {}, constants: { COUNT: count, SLOT: statsSlot }, bindings: { x: slot(0, 'read'), stats: slot(1, 'read_write') } };
}

/** Statistics of `count` floats of `buffer` starting at float `offset`, written to slot `slot` of `stats`. */
export function prepareMoments(ctx: GpuContext, buffer: GPUBuffer, offset: number, count: number, stats: GPUBuffer, slot: number, label: string): Promise<Dispatch> {
  return prepare(ctx, momentsSpec(count, slot), { x: view(buffer, offset, count), stats }, [1, 1, 1], `moments of ${label}`);
}
