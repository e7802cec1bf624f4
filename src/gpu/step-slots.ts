/**
 * The per-step uniform slots (see src/shaders/step.wgsl): one 256-byte slot per step of a chunk.
 *
 * A chunk of steps is encoded into one command buffer, so per-step values cannot be written between
 * dispatches; instead each step's values sit in their own slot and its dispatches bind that slot with a
 * dynamic offset. queue.writeBuffer is ordered with submits, so rewriting the slots for the next chunk after
 * submitting the previous one is safe: the GPU reads the old values first.
 */
import type { GpuContext } from './context.ts';

export interface StepValues {
  batchBase: number;
  lossSlot: number;
  stepSize: number;
  invSqrtBc2: number;
  lr: number;
  momentum: number;
  /** On a step sampled for diagnostics, which slot of the statistics buffer its statistics go to (default 0). */
  diagSlot?: number;
}

/** Bytes the Step struct takes; the binding size of each slot. */
export const STEP_STRUCT_BYTES = 28;

export class StepSlots {
  readonly buffer: GPUBuffer;
  readonly stride: number;
  private readonly staging: ArrayBuffer;
  private readonly u32: Uint32Array;
  private readonly f32: Float32Array;

  constructor(private readonly ctx: GpuContext, readonly capacity: number, label: string) {
    this.stride = Math.max(256, ctx.device.limits.minUniformBufferOffsetAlignment);
    this.buffer = ctx.createBuffer(label, capacity * this.stride, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'uniforms');
    this.staging = new ArrayBuffer(capacity * this.stride);
    this.u32 = new Uint32Array(this.staging);
    this.f32 = new Float32Array(this.staging);
  }

  /** Writes slots 0..values.length-1 and uploads them (ordered before the next submit). */
  write(values: StepValues[]): void {
    if (values.length > this.capacity) throw new RangeError(`${values.length} step slots requested, capacity ${this.capacity}`);
    const words = this.stride / 4;
    values.forEach((v, i) => {
      const base = i * words;
      this.u32[base] = v.batchBase;
      this.u32[base + 1] = v.lossSlot;
      this.f32[base + 2] = v.stepSize;
      this.f32[base + 3] = v.invSqrtBc2;
      this.f32[base + 4] = v.lr;
      this.f32[base + 5] = v.momentum;
      this.u32[base + 6] = v.diagSlot ?? 0;
    });
    this.ctx.device.queue.writeBuffer(this.buffer, 0, this.staging, 0, values.length * this.stride);
  }

  /** The dynamic offset that selects slot `i`. */
  offset(i: number): number {
    return i * this.stride;
  }

  binding(): GPUBufferBinding {
    return { buffer: this.buffer, offset: 0, size: STEP_STRUCT_BYTES };
  }
}
