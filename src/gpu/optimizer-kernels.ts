/**
 * Wrappers of the optimizer kernels (src/shaders/adam.wgsl, sgd.wgsl; oracles: adamStep and sgdStep in
 * src/reference/kernels.ts). Each is one dispatch over the whole parameter arena. Given a `delta` buffer (an
 * arena of its own), the recording variant also writes the change it made to every parameter: the update a
 * step sampled for diagnostics measures. With `checkValues` (the default) they report the first gradient,
 * moment or updated parameter that is not finite in the health words (src/gpu/health.ts).
 */
import adamSource from '../shaders/adam.wgsl?raw';
import sgdSource from '../shaders/sgd.wgsl?raw';
import { grid1d, type GpuContext, type KernelSpec } from './context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

const WORKGROUP = 64;

export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

// The health words name a float as index * 4 + what in a u32: an arena binds as one buffer, under 4 GiB
// (2^30 floats) on every WebGPU implementation, so every index fits.
export function adamSpec(floats: number, h: AdamHyper, recordUpdate = false, checkValues = true): KernelSpec {
  return {
    name: 'adam',
    source: adamSource,
    defines: { RECORD_UPDATE: recordUpdate, CHECK_VALUES: checkValues },
    constants: { COUNT: floats / 4, WG: WORKGROUP, BETA1: h.beta1, BETA2: h.beta2, EPS: h.eps, ONE_MINUS_BETA1: 1 - h.beta1, ONE_MINUS_BETA2: 1 - h.beta2 },
    bindings: ['read_write', 'read', 'read_write', 'read_write', 'uniform_dynamic', 'read_write', recordUpdate ? 'read_write' : null],
  };
}

export function sgdSpec(floats: number, recordUpdate = false, checkValues = true): KernelSpec {
  return {
    name: 'sgd',
    source: sgdSource,
    defines: { RECORD_UPDATE: recordUpdate, CHECK_VALUES: checkValues },
    constants: { COUNT: floats / 4, WG: WORKGROUP },
    bindings: ['read_write', 'read', 'read_write', 'uniform_dynamic', 'read_write', recordUpdate ? 'read_write' : null],
  };
}


function grid(ctx: GpuContext, floats: number): [number, number, number] {
  const [x, y] = grid1d(floats / 4, WORKGROUP, ctx.device.limits.maxComputeWorkgroupsPerDimension);
  return [x, y, 1];
}

/** Arena buffers must hold a multiple of 4 floats (the arena's alignment guarantees 64). */
export function prepareAdam(
  ctx: GpuContext,
  floats: number,
  h: AdamHyper,
  b: { params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer; step: GPUBufferBinding; health: GPUBuffer; delta?: GPUBuffer },
  checkValues = true,
): Promise<Dispatch> {
  const bindings = [{ buffer: b.params }, { buffer: b.grads }, { buffer: b.m }, { buffer: b.v }, b.step, { buffer: b.health }, b.delta && { buffer: b.delta }];
  return prepare(ctx, adamSpec(floats, h, !!b.delta, checkValues), bindings, grid(ctx, floats), b.delta ? 'adam (recording the update)' : 'adam');
}

export function prepareSgd(
  ctx: GpuContext,
  floats: number,
  b: { params: GPUBuffer; grads: GPUBuffer; momentum: GPUBuffer; step: GPUBufferBinding; health: GPUBuffer; delta?: GPUBuffer },
  checkValues = true,
): Promise<Dispatch> {
  const bindings = [{ buffer: b.params }, { buffer: b.grads }, { buffer: b.momentum }, b.step, { buffer: b.health }, b.delta && { buffer: b.delta }];
  return prepare(ctx, sgdSpec(floats, !!b.delta, checkValues), bindings, grid(ctx, floats), b.delta ? 'sgd (recording the update)' : 'sgd');
}

