/**
 * The matmul kernel's wrapper: which variant a product needs, its bindings and its grid.
 * The shaders are src/shaders/matmul.wgsl ('quad', 'register') and src/shaders/matmul_tiled.wgsl ('tiled',
 * 'small'), both built on src/shaders/matmul_io.wgsl; the float64 oracle is matmul() in src/reference/kernels.ts.
 */
import source from '../shaders/matmul.wgsl?raw';
import ioSource from '../shaders/matmul_io.wgsl?raw';
import tiledSource from '../shaders/matmul_tiled.wgsl?raw';
import { grid1d, type GpuContext, slot, type BindingTable, type KernelSpec } from './context.ts';
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

/** The matmul's bindings, named as src/shaders/matmul_io.wgsl declares them. */
type MatmulBinding = 'A' | 'B' | 'C' | 'bias' | 'db' | 'aux' | 'perm' | 'step';

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
 * - 'tiled': 4 x 4 outputs per invocation, 16 x 16 invocations share a 64 x 64 tile of C whose operands they stage
 *   through workgroup memory 16 steps of K at a time (GPUs, products that fill them).
 * - 'small': 4 x 4 outputs per group of up to 32 invocations that split K and add up their parts in workgroup
 *   memory (GPUs, products whose output is too small to fill them: 100 x 10, 100 x 256).
 */
export const MATMUL_VARIANTS = ['quad', 'register', 'tiled', 'small'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** Every source a variant compiles from: their hash is part of the tuning cache's key. */
export const MATMUL_SOURCES: readonly string[] = [source, tiledSource, ioSource];

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

/** 'quad' and 'register': invocations per workgroup along x and y; each invocation computes an 8 x 8 block of C. */
const WG_X = 8;
const WG_Y = 8;
const BLOCK = 8;
/** 'quad': quads (16 x 16 blocks of C) per workgroup of QUADS * 4 invocations. */
const QUADS = 16;
/**
 * 'tiled': 16 x 16 invocations (the most a device must allow), each a 4 x 4 block (the shader's four vec4
 * accumulators), so a 64 x 64 tile of C; tiles of op(A) and op(B) 16 deep along K, 2 x 16 x 64 floats = 8 KiB
 * of the 16 KiB of workgroup memory a device must allow.
 */
const TILED = { WG_X: 16, WG_Y: 16, TK: 16 } as const;
const TILED_BLOCK = 4;
/** 'small': invocations per workgroup; partial 4 x 4 blocks and row sums of each, 5 x 128 x 16 bytes = 10 KiB. */
const SMALL_WG_SIZE = 128;
const SMALL_BLOCK = 4;

/**
 * 'small': how many invocations share a 4 x 4 block of C, each taking every SPLIT-th step of 4 along K: as
 * many as leave each at least 2 steps, a power of two, at most 32 (a block's invocations in one warp).
 */
function smallSplit(K: number): number {
  const steps = Math.ceil(K / 4);
  let split = 1;
  while (split < 32 && 2 * split * 2 <= steps) split *= 2;
  return split;
}

export function matmulSpec(s: MatmulShape, variant: MatmulVariant = 'register'): KernelSpec<MatmulBinding> {
  for (const [name, value] of [['M', s.M], ['N', s.N], ['K', s.K]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`matmul ${name} must be a positive integer, got ${value}`);
  }
  const aU8 = s.aU8Stride !== undefined;
  const bU8 = s.bU8Stride !== undefined;
  const gather = aU8 || bU8;
  if (aU8 && s.transA) throw new Error('matmul: a gathered u8 A cannot be transposed');
  if (bU8 && s.transB) throw new Error('matmul: a gathered u8 B cannot be transposed');
  const defines = {
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
  };
  const sizes = { M: s.M, N: s.N, K: s.K, STRIDE: s.aU8Stride ?? s.bU8Stride ?? 0 };
  // Named as src/shaders/matmul_io.wgsl declares them (checked when the kernel compiles).
  const bindings: BindingTable<MatmulBinding> = {
    A: slot(0, 'read'),
    B: slot(1, 'read'),
    C: slot(2, 'read_write'),
    bias: s.bias ? slot(3, 'read') : null,
    db: s.biasGrad ? slot(3, 'read_write') : null,
    aux: s.mask ? slot(4, 'read') : null,
    perm: gather ? slot(5, 'read') : null,
    step: gather ? slot(6, 'uniform_dynamic') : null,
  };
  switch (variant) {
    case 'quad':
      return { name: 'matmul', source, defines: { ...defines, QUAD: true }, constants: { ...sizes, QUADS }, bindings };
    case 'register':
      return { name: 'matmul', source, defines: { ...defines, QUAD: false }, constants: { ...sizes, WG_X, WG_Y }, bindings };
    case 'tiled':
      return { name: 'matmul_tiled', source: tiledSource, defines: { ...defines, SMALL: false }, constants: { ...sizes, ...TILED }, bindings };
    case 'small':
      return { name: 'matmul_tiled', source: tiledSource, defines: { ...defines, SMALL: true }, constants: { ...sizes, WG_SIZE: SMALL_WG_SIZE, SPLIT: smallSplit(s.K) }, bindings };
  }
}

/** The grid for the default per-dimension limit; prepare() checks it against the device's. */
const MAX_GROUPS_PER_DIMENSION = 65535;

export function matmulGrid(s: MatmulShape, variant: MatmulVariant = 'register'): [number, number, number] {
  switch (variant) {
    case 'quad':
      // One quad per 16 x 16 block of C, QUADS consecutive blocks per workgroup (matmul.wgsl, QUAD geometry).
      return [...grid1d(Math.ceil(s.M / 16) * Math.ceil(s.N / 16), QUADS, MAX_GROUPS_PER_DIMENSION), 1];
    case 'register':
      return [Math.ceil(s.N / BLOCK / WG_X), Math.ceil(s.M / BLOCK / WG_Y), 1];
    case 'tiled':
      return [Math.ceil(s.N / TILED_BLOCK / TILED.WG_X), Math.ceil(s.M / TILED_BLOCK / TILED.WG_Y), 1];
    case 'small': {
      const blocks = Math.ceil(s.M / SMALL_BLOCK) * Math.ceil(s.N / SMALL_BLOCK);
      return [...grid1d(blocks, SMALL_WG_SIZE / smallSplit(s.K), MAX_GROUPS_PER_DIMENSION), 1];
    }
  }
}

/** One variant's dispatch of the product, with no measuring. */
export function prepareMatmulVariant(ctx: GpuContext, s: MatmulShape, buffers: MatmulBuffers, label: string, variant: MatmulVariant): Promise<Dispatch> {
  if (variant === 'quad' && !ctx.quads) throw new Error('matmul: the quad layout needs subgroups of exactly 4 invocations, which this device does not have');
  const { a, b, c, bias, aux, perm, step } = buffers;
  const resources = { A: a, B: b, C: c, ...(s.biasGrad ? { db: bias } : { bias }), aux, perm, step };
  return prepare(ctx, matmulSpec(s, variant), resources, matmulGrid(s, variant), label);
}

/**
 * The product's dispatch in the variant chosen for this shape on this device: forced, cached, measured now
 * (with the real buffers, before any step runs), or the untuned one (see src/gpu/tuner.ts). `variant` forces one.
 */
export async function prepareMatmul(ctx: GpuContext, s: MatmulShape, buffers: MatmulBuffers, label: string, variant?: MatmulVariant): Promise<Dispatch> {
  const chosen = variant ?? (await ctx.matmulTuner.choose(ctx, s, label, (v) => prepareMatmulVariant(ctx, s, buffers, label, v)));
  return prepareMatmulVariant(ctx, s, buffers, label, chosen);
}
