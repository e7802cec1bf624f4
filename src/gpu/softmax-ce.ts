/**
 * The softmax cross-entropy kernel's wrapper (src/shaders/softmax_ce.wgsl; oracle: softmaxCrossEntropy in
 * src/reference/kernels.ts). One workgroup: B x C is tiny next to the matmuls.
 */
import source from '../shaders/softmax_ce.wgsl?raw';
import { slot, type GpuContext, type KernelSpec } from './context.ts';
import { prepare, view, type Dispatch } from './dispatch.ts';

export function softmaxCeSpec(B: number, C: number): KernelSpec<'z' | 'labels' | 'perm' | 'loss_log' | 'step' | 'health'> {
  return {
    name: 'softmax_ce',
    source,
    defines: {},
    constants: { B, C },
    bindings: {
      z: slot(0, 'read_write'),
      labels: slot(1, 'read'),
      perm: slot(2, 'read'),
      loss_log: slot(3, 'read_write'),
      step: slot(4, 'uniform_dynamic'),
      health: slot(5, 'read_write'),
    },
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
    { z: view(buffers.logits, 0, B * C), labels: buffers.labels, perm: buffers.perm, loss_log: buffers.lossLog, step: buffers.step, health: buffers.health },
    [1, 1, 1],
    'softmax cross-entropy',
  );
}
