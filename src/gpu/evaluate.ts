/**
 * The evaluation kernel's wrapper (src/shaders/evaluate.wgsl; oracle: evaluateLogits in
 * src/reference/kernels.ts): argmax, correct count and confusion matrix of one batch of logits.
 */
import source from '../shaders/evaluate.wgsl?raw';
import type { GpuContext, KernelSpec } from './context.ts';
import { prepare, view, type Dispatch } from './dispatch.ts';

const WORKGROUP = 64;

export function evaluateSpec(B: number, C: number, count: number): KernelSpec {
  return {
    name: 'evaluate',
    source,
    defines: {},
    constants: { B, C, COUNT: count, WG: WORKGROUP },
    bindings: ['read', 'read', 'read_write', 'read_write', 'uniform_dynamic'],
  };
}

export function prepareEvaluate(
  ctx: GpuContext,
  B: number,
  C: number,
  count: number,
  b: { logits: GPUBuffer; labels: GPUBuffer; predictions: GPUBuffer; confusion: GPUBuffer; step: GPUBufferBinding },
): Promise<Dispatch> {
  return prepare(
    ctx,
    evaluateSpec(B, C, count),
    [view(b.logits, 0, B * C), { buffer: b.labels }, { buffer: b.predictions }, { buffer: b.confusion }, b.step],
    [Math.ceil(B / WORKGROUP), 1, 1],
    'evaluate',
  );
}
