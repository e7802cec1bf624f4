/**
 * The matmul kernel, every feature combination the layers use, against the float64 oracle on awkward shapes,
 * in every variant: 'quad' (loads shared within quads through subgroup swaps, what the software adapter runs),
 * 'register' (what adapters without 4-wide subgroups run), 'tiled' and 'small' (workgroup memory, for GPUs).
 * A quad case on an adapter without that layout is reported as skipped, and the software adapter (CI's) must
 * offer it. Every variant gives the same bits when rerun, and 'quad' the same bits as 'register'.
 * Tolerance: |got - want| <= 1e-4 + 1e-4 |want| (float32 accumulation over K terms of size <= 1).
 */
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import { view } from '../src/gpu/dispatch.ts';
import { MATMUL_VARIANTS, matmulVariants, prepareMatmulVariant, type MatmulShape, type MatmulVariant } from '../src/gpu/matmul.ts';
import { readFloats } from '../src/gpu/readback.ts';
import { StepSlots } from '../src/gpu/step-slots.ts';
import { packPixels } from '../src/data/batches.ts';
import { Rng } from '../src/init/rng.ts';
import { matmul, pixelsToInput } from '../src/reference/kernels.ts';
import { compare, gpuContext, run } from './gpu.ts';

const ATOL = 1e-4;
const RTOL = 1e-4;

// [M, N, K]: a single element, smaller than a 4x4 block, not multiples of any tile, K much smaller and much
// larger than M and N, a batch of one, and the mlp recipe's shapes.
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 2, 5],
  [37, 29, 45],
  [33, 64, 16],
  [64, 48, 2],
  [5, 6, 2001],
  [1, 256, 784],
  [100, 10, 256],
  // past one 64 x 64 workgroup of 'quad' and 'register' in both directions, N a multiple of 4 but not of 8 or 16
  [130, 36, 9],
  // just past the 'tiled' variant's 16-deep K steps and 64 x 64 tile (and past 16 and 32), N not a multiple of
  // the tile, K past many steps with one left over; with the shapes above, K split among 1 to 32 invocations ('small')
  [17, 33, 65],
  [65, 100, 17],
  [100, 65, 257],
  [257, 3, 33],
];

let ctx: GpuContext;
const rng = new Rng(1234);
const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
const maxErrors: string[] = [];

beforeAll(async () => {
  ctx = await gpuContext();
});
afterAll(() => {
  console.log(`matmul max |error| per case:\n  ${maxErrors.join('\n  ')}`);
  ctx?.destroy();
});

function upload(data: Float32Array | Uint32Array, label: string): GPUBuffer {
  return ctx.createStorage(label, data, 'activations');
}

/** Skips (visibly) a quad case where the adapter has no 4-wide subgroups. */
function needVariant(variant: MatmulVariant, t: TestContext): void {
  if (variant === 'quad' && !ctx.quads) t.skip(`the quad layout needs subgroups of exactly 4 invocations; ${ctx.adapter.description || ctx.adapter.vendor} has none`);
}

/** Runs one product on the GPU and checks it against the oracle, with the epilogue applied on the CPU. */
async function check(shape: MatmulShape, label: string, variant: MatmulVariant): Promise<void> {
  const { M, N, K, transA = false, transB = false } = shape;
  const a = random(M * K);
  const b = random(K * N);
  const bias = random(N);
  const aux = Float32Array.from(random(M * N), (x) => (x > 0 ? x : 0));
  // Outputs start as NaN: an element a variant fails to write cannot pass.
  const bufs = { a: upload(a, 'a'), b: upload(b, 'b'), c: upload(new Float32Array(M * N).fill(NaN), 'c'), bias: upload(shape.biasGrad ? new Float32Array(M).fill(NaN) : bias, 'bias'), aux: upload(aux, 'aux') };
  const dispatch = await prepareMatmulVariant(ctx, shape, {
    a: view(bufs.a, 0, M * K),
    b: view(bufs.b, 0, K * N),
    c: view(bufs.c, 0, M * N),
    bias: shape.bias || shape.biasGrad ? view(bufs.bias, 0, shape.biasGrad ? M : N) : undefined,
    aux: shape.mask ? view(bufs.aux, 0, M * N) : undefined,
  }, label, variant);
  await run(ctx, [dispatch]);
  const want = matmul(Float64Array.from(a), Float64Array.from(b), M, N, K, transA, transB);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let v = want[m * N + n];
      if (shape.bias) v += bias[n];
      if (shape.relu) v = Math.max(v, 0);
      if (shape.mask && !(aux[m * N + n] > 0)) v = 0;
      want[m * N + n] = v;
    }
  }
  const got = await readFloats(ctx, bufs.c, 0, M * N);
  const result = compare(got, want, ATOL, RTOL);
  label = `${variant} ${label}`;
  maxErrors.push(`${label} ${M}x${N}x${K}: ${result.maxAbs.toExponential(2)}`);
  expect(result.ok, `${label} ${M}x${N}x${K}: element ${result.worst} got ${got[result.worst]} want ${want[result.worst]}`).toBe(true);
  if (shape.biasGrad) {
    // db[m] = sum_k op(A)[m, k]
    const db = await readFloats(ctx, bufs.bias, 0, M);
    const wantDb = new Float64Array(M);
    for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) wantDb[m] += transA ? a[k * M + m] : a[m * K + k];
    const r = compare(db, wantDb, ATOL, RTOL);
    maxErrors.push(`${label} bias grad ${M}x${K}: ${r.maxAbs.toExponential(2)}`);
    expect(r.ok, `${label} bias grad ${M}x${K}: element ${r.worst} got ${db[r.worst]} want ${wantDb[r.worst]}`).toBe(true);
  }
  Object.values(bufs).forEach((buffer) => ctx.destroyBuffer(buffer));
}

it('the software adapter offers the quad layout (subgroups of 4), and every device the other variants', () => {
  if (ctx.adapter.software) expect(ctx.quads).toBe(true);
  expect(matmulVariants(ctx)).toEqual(expect.arrayContaining(['register', 'tiled', 'small']));
});

describe.each(MATMUL_VARIANTS)('matmul kernel vs float64 reference, %s variant', (variant) => {
  for (const [M, N, K] of SHAPES) {
    it(`forward NT + bias + ReLU, ${M}x${N}x${K}`, (t) => { needVariant(variant, t); return check({ M, N, K, transB: true, bias: true, relu: true }, 'NT+bias+relu', variant); });
    it(`weight gradient TN + bias gradient, ${M}x${N}x${K}`, (t) => { needVariant(variant, t); return check({ M, N, K, transA: true, biasGrad: true }, 'TN+db', variant); });
    it(`input gradient NN + ReLU mask, ${M}x${N}x${K}`, (t) => { needVariant(variant, t); return check({ M, N, K, mask: true }, 'NN+mask', variant); });
  }
  it('plain NN and TT products, and the bias gradient of an untransposed A', async (t) => {
    needVariant(variant, t);
    await check({ M: 7, N: 9, K: 11 }, 'NN', variant);
    await check({ M: 7, N: 9, K: 11, transA: true, transB: true }, 'TT', variant);
    await check({ M: 8, N: 12, K: 16, transA: true, transB: true }, 'TT aligned', variant);
    await check({ M: 70, N: 68, K: 33, transA: true, transB: true }, 'TT past one workgroup', variant);
    await check({ M: 67, N: 5, K: 18, biasGrad: true }, 'NN+db', variant);
  });
});

/** C and db of `shape` on fixed inputs: the outputs start as NaN, so an unwritten element shows. */
async function outputs(shape: MatmulShape, inputs: Record<'a' | 'b' | 'bias' | 'aux', GPUBuffer>, variant: MatmulVariant, runs = 1): Promise<Float32Array[]> {
  const { M, N, K } = shape;
  const results: Float32Array[] = [];
  const c = upload(new Float32Array(M * N), 'c');
  const db = upload(new Float32Array(M), 'db');
  const dispatch = await prepareMatmulVariant(ctx, shape, {
    a: view(inputs.a, 0, M * K),
    b: view(inputs.b, 0, K * N),
    c: view(c, 0, M * N),
    bias: shape.bias ? view(inputs.bias, 0, N) : shape.biasGrad ? view(db, 0, M) : undefined,
    aux: shape.mask ? view(inputs.aux, 0, M * N) : undefined,
  }, `bitwise ${variant}`, variant);
  for (let i = 0; i < runs; i++) {
    ctx.write(c, new Float32Array(M * N).fill(NaN));
    ctx.write(db, new Float32Array(M).fill(NaN));
    await run(ctx, [dispatch]);
    results.push(Float32Array.from([...(await readFloats(ctx, c, 0, M * N)), ...(shape.biasGrad ? await readFloats(ctx, db, 0, M) : [])]));
  }
  ctx.destroyBuffer(c);
  ctx.destroyBuffer(db);
  return results;
}

// Products of several workgroups in every variant, among SHAPES, so that their pipelines are already compiled.
const BITWISE_SHAPES: MatmulShape[] = [
  { M: 130, N: 36, K: 9, transB: true, bias: true, relu: true },
  { M: 100, N: 65, K: 257, transA: true, biasGrad: true },
  { M: 100, N: 65, K: 257, mask: true },
];

async function withInputs(shape: MatmulShape, use: (inputs: Record<'a' | 'b' | 'bias' | 'aux', GPUBuffer>) => Promise<void>): Promise<void> {
  const { M, N, K } = shape;
  const inputs = { a: upload(random(M * K), 'a'), b: upload(random(K * N), 'b'), bias: upload(random(Math.max(M, N)), 'bias'), aux: upload(random(M * N), 'aux') };
  try {
    await use(inputs);
  } finally {
    Object.values(inputs).forEach((buffer) => ctx.destroyBuffer(buffer));
  }
}

it('the quad layout computes exactly what the register layout computes (bit for bit), so results do not depend on the adapter', async (t) => {
  needVariant('quad', t);
  for (const shape of BITWISE_SHAPES) {
    await withInputs(shape, async (inputs) => {
      const [quad] = await outputs(shape, inputs, 'quad');
      const [register] = await outputs(shape, inputs, 'register');
      expect(quad).toEqual(register);
    });
  }
});

describe.each(MATMUL_VARIANTS)('the %s variant computes the same bits when rerun', (variant) => {
  it('on the forward, weight gradient and input gradient shapes', async (t) => {
    needVariant(variant, t);
    for (const shape of BITWISE_SHAPES) {
      await withInputs(shape, async (inputs) => {
        const [first, second] = await outputs(shape, inputs, variant, 2);
        expect(first.some(Number.isNaN)).toBe(false);
        expect(second).toEqual(first);
      });
    }
  });
});

describe.each(MATMUL_VARIANTS)('matmul with the u8 dataset gathered through the permutation, %s variant', (variant) => {
  // [image bytes, batch rows, outputs]: an image size that is not a multiple of 4 exercises the padded
  // stride; a batch of 100 and 784 pixels run past the 'tiled' variant's 64-wide tiles.
  const cases: Array<[number, number, number]> = [
    [7, 13, 6],
    [784, 13, 6],
    [784, 100, 10],
  ];
  for (const [imageSize, rows, out] of cases) {
    it(`forward (A gathered) and weight gradient (B gathered), image size ${imageSize}, batch ${rows}, ${out} outputs`, async (t) => {
      needVariant(variant, t);
      const base = 20;
      const count = base + rows + 17;
      const pixels = Uint8Array.from({ length: count * imageSize }, () => rng.nextInt(256));
      const { words, strideWords } = packPixels(pixels, count, imageSize);
      const perm = Uint32Array.from({ length: count }, (_, i) => (i * 17 + 3) % count);
      const slots = new StepSlots(ctx, 2, 'step');
      slots.write([{ batchBase: 0, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0 }, { batchBase: base, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0 }]);
      const w = random(out * imageSize);
      const bias = random(out);
      const dz = random(rows * out);
      const bufs = { px: upload(words, 'pixels'), perm: upload(perm, 'perm'), w: upload(w, 'w'), bias: upload(bias, 'bias'), z: upload(new Float32Array(rows * out), 'z'), dz: upload(dz, 'dz'), dw: upload(new Float32Array(out * imageSize), 'dw'), db: upload(new Float32Array(out).fill(NaN), 'db') };
      const forward = await prepareMatmulVariant(ctx, { M: rows, N: out, K: imageSize, transB: true, bias: true, aU8Stride: strideWords },
        { a: { buffer: bufs.px }, b: view(bufs.w, 0, w.length), c: view(bufs.z, 0, rows * out), bias: view(bufs.bias, 0, out), perm: { buffer: bufs.perm }, step: slots.binding() }, 'gather forward', variant);
      const grad = await prepareMatmulVariant(ctx, { M: out, N: imageSize, K: rows, transA: true, biasGrad: true, bU8Stride: strideWords },
        { a: view(bufs.dz, 0, dz.length), b: { buffer: bufs.px }, c: view(bufs.dw, 0, w.length), bias: view(bufs.db, 0, out), perm: { buffer: bufs.perm }, step: slots.binding() }, 'gather weight gradient', variant);
      await run(ctx, [forward, grad], slots.offset(1));

      const x = pixelsToInput(pixels, perm.subarray(base, base + rows), imageSize);
      const wantZ = matmul(x, Float64Array.from(w), rows, out, imageSize, false, true).map((v, i) => v + bias[i % out]);
      const wantDw = matmul(Float64Array.from(dz), x, out, imageSize, rows, true, false);
      const wantDb = new Float64Array(out);
      for (let r = 0; r < rows; r++) for (let o = 0; o < out; o++) wantDb[o] += dz[r * out + o];
      const z = compare(await readFloats(ctx, bufs.z, 0, rows * out), wantZ, ATOL, RTOL);
      const dw = compare(await readFloats(ctx, bufs.dw, 0, w.length), wantDw, ATOL, RTOL);
      const db = compare(await readFloats(ctx, bufs.db, 0, out), wantDb, ATOL, RTOL);
      maxErrors.push(
        `${variant} u8 gather forward ${rows}x${out}x${imageSize}: ${z.maxAbs.toExponential(2)}`,
        `${variant} u8 gather dW ${out}x${imageSize}x${rows}: ${dw.maxAbs.toExponential(2)}, db ${db.maxAbs.toExponential(2)}`,
      );
      expect(z.ok).toBe(true);
      expect(dw.ok).toBe(true);
      expect(db.ok).toBe(true);
      Object.values(bufs).forEach((buffer) => ctx.destroyBuffer(buffer));
      ctx.destroyBuffer(slots.buffer);
    });
  }
});
