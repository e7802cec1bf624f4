/**
 * Wrappers of the optimizer kernels (src/shaders/adam.wgsl, sgd.wgsl; oracles: adamStep and sgdStep in
 * src/reference/kernels.ts). Each is one dispatch over the whole parameter arena. Given a `delta` buffer (an
 * arena of its own), the recording variant also writes the change it made to every parameter: the update a
 * step sampled for diagnostics measures. With `checkValues` (the default) they report the first gradient,
 * moment or updated parameter that is not finite in the health words (src/gpu/health.ts).
 */
import adamSource from '../shaders/adam.wgsl?raw';
import sgdSource from '../shaders/sgd.wgsl?raw';
import { grid1d, slot, type GpuContext, type KernelSpec } from './context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

const WORKGROUP = 64;

export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

// The health words name a float as index * 4 + what in a u32: an arena binds as one buffer, under 4 GiB
// (2^30 floats) on every WebGPU implementation, so every index fits.
export function adamSpec(floats: number, h: AdamHyper, recordUpdate = false, checkValues = true): KernelSpec<'p' | 'g' | 'm' | 'v' | 'step' | 'health' | 'delta'> {
  return {
    name: 'adam',
    source: adamSource,
    defines: { RECORD_UPDATE: recordUpdate, CHECK_VALUES: checkValues },
    constants: { COUNT: floats / 4, WG: WORKGROUP, BETA1: h.beta1, BETA2: h.beta2, EPS: h.eps, ONE_MINUS_BETA1: 1 - h.beta1, ONE_MINUS_BETA2: 1 - h.beta2 },
    bindings: {
      p: slot(0, 'read_write'),
      g: slot(1, 'read'),
      m: slot(2, 'read_write'),
      v: slot(3, 'read_write'),
      step: slot(4, 'uniform_dynamic'),
      health: slot(5, 'read_write'),
      delta: recordUpdate ? slot(6, 'read_write') : null,
    },
  };
}

export function sgdSpec(floats: number, recordUpdate = false, checkValues = true): KernelSpec<'p' | 'g' | 'buf' | 'step' | 'health' | 'delta'> {
  return {
    name: 'sgd',
    source: sgdSource,
    defines: { RECORD_UPDATE: recordUpdate, CHECK_VALUES: checkValues },
    constants: { COUNT: floats / 4, WG: WORKGROUP },
    bindings: {
      p: slot(0, 'read_write'),
      g: slot(1, 'read'),
      buf: slot(2, 'read_write'),
      step: slot(3, 'uniform_dynamic'),
      health: slot(4, 'read_write'),
      delta: recordUpdate ? slot(5, 'read_write') : null,
    },
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
  const resources = { p: b.params, g: b.grads, m: b.m, v: b.v, step: b.step, health: b.health, delta: b.delta };
  return prepare(ctx, adamSpec(floats, h, !!b.delta, checkValues), resources, grid(ctx, floats), b.delta ? 'adam (recording the update)' : 'adam');
}

export function prepareSgd(
  ctx: GpuContext,
  floats: number,
  b: { params: GPUBuffer; grads: GPUBuffer; momentum: GPUBuffer; step: GPUBufferBinding; health: GPUBuffer; delta?: GPUBuffer },
  checkValues = true,
): Promise<Dispatch> {
  const resources = { p: b.params, g: b.grads, buf: b.momentum, step: b.step, health: b.health, delta: b.delta };
  return prepare(ctx, sgdSpec(floats, !!b.delta, checkValues), resources, grid(ctx, floats), b.delta ? 'sgd (recording the update)' : 'sgd');
}

