/**
 * The evaluation kernel's wrapper (src/shaders/evaluate.wgsl; oracle: evaluateLogits in
 * src/reference/kernels.ts): argmax, correct count and confusion matrix of one batch of logits.
 */
import source from '../shaders/evaluate.wgsl?raw';
import { slot, type GpuContext, type KernelSpec } from './context.ts';
import { prepare, view, type Dispatch } from './dispatch.ts';

const WORKGROUP = 64;

export function evaluateSpec(B: number, C: number, count: number): KernelSpec<'z' | 'labels' | 'predictions' | 'confusion' | 'step'> {
  return {
    name: 'evaluate',
    source,
    defines: {},
    constants: { B, C, COUNT: count, WG: WORKGROUP },
    bindings: {
      z: slot(0, 'read'),
      labels: slot(1, 'read'),
      predictions: slot(2, 'read_write'),
      confusion: slot(3, 'read_write'),
      step: slot(4, 'uniform_dynamic'),
    },
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
    { z: view(b.logits, 0, B * C), labels: b.labels, predictions: b.predictions, confusion: b.confusion, step: b.step },
    [Math.ceil(B / WORKGROUP), 1, 1],
    'evaluate',
  );
}
