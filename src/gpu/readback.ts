/**
 * Copying GPU buffers back to the CPU. An awaited readback stalls the queue, so the trainer never calls
 * these inside its step loop; it uses them for evaluation, weight export and tests.
 */
import type { GpuContext } from './context.ts';

/** Copies `byteLength` bytes at `offset` of `buffer` and resolves with them once the GPU is done. */
export async function readBytes(ctx: GpuContext, buffer: GPUBuffer, offset = 0, byteLength = buffer.size - offset): Promise<ArrayBuffer> {
  const size = Math.ceil(byteLength / 4) * 4;
  const staging = ctx.createBuffer('readback', size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'staging');
  try {
    const encoder = ctx.device.createCommandEncoder({ label: 'readback' });
    encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
    ctx.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    ctx.check();
    return staging.getMappedRange(0, size).slice(0, byteLength);
  } finally {
    ctx.destroyBuffer(staging);
  }
}

export async function readFloats(ctx: GpuContext, buffer: GPUBuffer, offsetFloats = 0, count = buffer.size / 4 - offsetFloats): Promise<Float32Array> {
  return new Float32Array(await readBytes(ctx, buffer, offsetFloats * 4, count * 4));
}

export async function readUints(ctx: GpuContext, buffer: GPUBuffer, offsetWords = 0, count = buffer.size / 4 - offsetWords): Promise<Uint32Array> {
  return new Uint32Array(await readBytes(ctx, buffer, offsetWords * 4, count * 4));
}
