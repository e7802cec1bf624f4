/**
 * The softmax cross-entropy kernel's wrapper (src/shaders/softmax_ce.wgsl; oracle: softmaxCrossEntropy in
 * src/reference/kernels.ts). One workgroup: B x C is tiny next to the matmuls.
 */
import source from '../shaders/softmax_ce.wgsl?raw';
import type { GpuContext, KernelSpec } from './context.ts';
import { prepare, view, type Dispatch } from './dispatch.ts';

export function softmaxCeSpec(B: number, C: number): KernelSpec {
  return {
    name: 'softmax_ce',
    source,
    defines: {},
    constants: { B, C },
    bindings: ['read_write', 'read', 'read', 'read_write', 'uniform_dynamic', 'read_write'],
  };
}

export interface SoftmaxCeBuffers {
  /** (B, C) logits in, dlogits out. */
  logits: GPUBuffer;
  labels: GPUBuffer;
  perm: GPUBuffer;
  lossLog: GPUBuffer;
  step: GPUBufferBinding;
  /** Set to 1 when the loss is not finite. */
  health: GPUBuffer;
}

export function prepareSoftmaxCe(ctx: GpuContext, B: number, C: number, buffers: SoftmaxCeBuffers): Promise<Dispatch> {
  return prepare(
    ctx,
    softmaxCeSpec(B, C),
    [view(buffers.logits, 0, B * C), { buffer: buffers.labels }, { buffer: buffers.perm }, { buffer: buffers.lossLog }, buffers.step, { buffer: buffers.health }],
    [1, 1, 1],
    'softmax cross-entropy',
  );
}
