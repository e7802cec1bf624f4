/**
 * The matmul kernel's wrapper: which variant a product needs, its bindings and its grid.
 * The shader is src/shaders/matmul.wgsl; the float64 oracle is matmul() in src/reference/kernels.ts.
 */
import source from '../shaders/matmul.wgsl?raw';
import type { GpuContext, KernelSpec } from './context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  /** A is stored (K, M). */
  transA?: boolean;
  /** B is stored (N, K). */
  transB?: boolean;
  /** A (or B) is the dataset's packed u8 images, gathered through the permutation; the value is the image stride in u32 words. */
  aU8Stride?: number;
  bU8Stride?: number;
  bias?: boolean;
  relu?: boolean;
  /** Multiply by (aux > 0): the ReLU backward through the saved activation. */
  mask?: boolean;
  /** Also write the row sums of op(A) (the bias gradient of dW = dZ^T X). */
  biasGrad?: boolean;
}

export interface MatmulBuffers {
  a: GPUBufferBinding;
  b: GPUBufferBinding;
  c: GPUBufferBinding;
  /** bias (read) or db (written), binding 3. */
  bias?: GPUBufferBinding;
  aux?: GPUBufferBinding;
  perm?: GPUBufferBinding;
  step?: GPUBufferBinding;
}

/**
 * The matmul's variants: one interface (MatmulShape and MatmulBuffers in, a Dispatch out), several ways to
 * lay the work on the device. The engine picks one per shape by measuring them (src/gpu/tuner.ts).
 * - 'quad': 8 x 8 outputs per invocation, loads shared within quads by subgroup swaps (CPU adapters).
 * - 'register': 8 x 8 outputs per invocation, every load its own, no workgroup memory.
 */
/** Every source a variant compiles from: their hash is part of the tuning cache's key. */
export const MATMUL_SOURCES: readonly string[] = [source];

export const MATMUL_VARIANTS = ['quad', 'register'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

export function isMatmulVariant(name: string): name is MatmulVariant {
  return (MATMUL_VARIANTS as readonly string[]).includes(name);
}

/** The variants this device can run ('quad' needs subgroups of exactly 4, see GpuContext.quads). */
export function matmulVariants(ctx: GpuContext): MatmulVariant[] {
  return MATMUL_VARIANTS.filter((v) => v !== 'quad' || ctx.quads);
}

/** The variant used without measuring: 'quad' where the device allows it, else 'register'. */
export function untunedVariant(ctx: GpuContext): MatmulVariant {
  return ctx.quads ? 'quad' : 'register';
}

/** Invocations per workgroup along x and y; each invocation computes an 8 x 8 block of C. */
const WG_X = 8;
const WG_Y = 8;
const BLOCK = 8;

export function matmulSpec(s: MatmulShape, variant: MatmulVariant = 'register'): KernelSpec {
  const quads = variant === 'quad';
  for (const [name, value] of [['M', s.M], ['N', s.N], ['K', s.K]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`matmul ${name} must be a positive integer, got ${value}`);
  }
  const aU8 = s.aU8Stride !== undefined;
  const bU8 = s.bU8Stride !== undefined;
  const gather = aU8 || bU8;
  if (aU8 && s.transA) throw new Error('matmul: a gathered u8 A cannot be transposed');
  if (bU8 && s.transB) throw new Error('matmul: a gathered u8 B cannot be transposed');
  return {
    name: 'matmul',
    source,
    defines: {
      A_T: !!s.transA,
      B_T: !!s.transB,
      A_U8: aU8,
      B_U8: bU8,
      A_VEC4: (s.transA ? s.M : s.K) % 4 === 0,
      B_VEC4: (s.transB ? s.K : s.N) % 4 === 0,
      C_VEC4: s.N % 4 === 0,
      BIAS: !!s.bias,
      RELU: !!s.relu,
      MASK: !!s.mask,
      BIAS_GRAD: !!s.biasGrad,
      GATHER: gather,
      K_ALIGNED: String(s.K % 4 === 0),
      QUAD: quads,
    },
    constants: { M: s.M, N: s.N, K: s.K, STRIDE: s.aU8Stride ?? s.bU8Stride ?? 0, WG_X, WG_Y },
    bindings: [
      'read',
      'read',
      'read_write',
      s.bias ? 'read' : s.biasGrad ? 'read_write' : null,
      s.mask ? 'read' : null,
      gather ? 'read' : null,
      gather ? 'uniform_dynamic' : null,
    ],
  };
}

export function matmulGrid(s: MatmulShape, _variant: MatmulVariant = 'register'): [number, number, number] {
  return [Math.ceil(s.N / BLOCK / WG_X), Math.ceil(s.M / BLOCK / WG_Y), 1];
}

/** One variant's dispatch of the product, with no measuring. */
export function prepareMatmulVariant(ctx: GpuContext, s: MatmulShape, buffers: MatmulBuffers, label: string, variant: MatmulVariant): Promise<Dispatch> {
  if (variant === 'quad' && !ctx.quads) throw new Error('matmul: the quad layout needs subgroups of exactly 4 invocations, which this device does not have');
  const { a, b, c, bias, aux, perm, step } = buffers;
  return prepare(ctx, matmulSpec(s, variant), [a, b, c, bias, aux, perm, step], matmulGrid(s, variant), label);
}

/**
 * The product's dispatch in the variant chosen for this shape on this device: forced, cached, measured now
 * (with the real buffers, before any step runs), or the untuned one (see src/gpu/tuner.ts). `variant` forces one.
 */
export async function prepareMatmul(ctx: GpuContext, s: MatmulShape, buffers: MatmulBuffers, label: string, variant?: MatmulVariant): Promise<Dispatch> {
  const chosen = variant ?? (await ctx.matmulTuner.choose(ctx, s, label, (v) => prepareMatmulVariant(ctx, s, buffers, label, v)));
  return prepareMatmulVariant(ctx, s, buffers, label, chosen);
}
