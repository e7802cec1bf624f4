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

/** Invocations per workgroup along x and y; each invocation computes an 8 x 8 block of C. */
const WG_X = 8;
const WG_Y = 8;
const BLOCK = 8;

/** `quads`: the QUAD layout (see GpuContext.quads); it needs a device with the 'subgroups' feature. */
export function matmulSpec(s: MatmulShape, quads = false): KernelSpec {
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

export function matmulGrid(s: MatmulShape): [number, number, number] {
  return [Math.ceil(s.N / BLOCK / WG_X), Math.ceil(s.M / BLOCK / WG_Y), 1];
}

/** `quads` defaults to what the device allows (ctx.quads); tests pass false to check the other layout. */
export function prepareMatmul(ctx: GpuContext, s: MatmulShape, buffers: MatmulBuffers, label: string, quads = ctx.quads): Promise<Dispatch> {
  if (quads && !ctx.quads) throw new Error('matmul: the quad layout needs subgroups of exactly 4 invocations, which this device does not have');
  const { a, b, c, bias, aux, perm, step } = buffers;
  return prepare(ctx, matmulSpec(s, quads), [a, b, c, bias, aux, perm, step], matmulGrid(s), label);
}
