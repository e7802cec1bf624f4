/**
 * Matmul micro-benchmarks in the page: for each product a training step of the mlp and deep recipes runs
 * (forward NT with bias and ReLU, weight gradient TN with the bias gradient, input gradient NN with the
 * ReLU mask) and a plain 1024^3 product, GFLOP/s of each variant of our kernel this device runs
 * (prepareMatmulVariant, f32 inputs; 'ours' is the fastest, what the tuner would pick), of TensorFlow.js's
 * tf.matMul on its WebGPU backend (the same transposes, no epilogue), and the adapter's arithmetic peak from
 * the FMA probe. Every figure is wall time over many repetitions with one final wait.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createContext } from '../src/gpu/acquire.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { encode, view, type Dispatch } from '../src/gpu/dispatch.ts';
import { fmaPeakExpected, prepareFmaPeak } from '../src/gpu/fma-peak.ts';
import { readFloats } from '../src/gpu/readback.ts';
import { matmulVariants, prepareMatmulVariant, type MatmulShape, type MatmulVariant } from '../src/gpu/matmul.ts';
import { preprocess } from '../src/gpu/preprocess.ts';
import ceilingSource from './probes/matmul-ceiling.wgsl?raw';
import { Rng } from '../src/init/rng.ts';
import { RECIPES, type RecipeName } from '../src/train/recipe.ts';
import type { PageProgress } from './common.ts';
import { useBackend } from './tfjs-peer.ts';

export interface KernelBenchOptions {
  recipes: RecipeName[];
  /** Include the 1024x1024x1024 product. */
  big: boolean;
  /** Wall time to aim for per measurement, in seconds. */
  seconds: number;
}

export interface ProductShape extends MatmulShape {
  label: string;
  kind: 'NT' | 'TN' | 'NN';
  /** The recipe layers whose step runs this product, e.g. 'deep L1'; none for the 1024^3 reference. */
  uses: string[];
}

export interface Timing {
  msPerRep: number;
  reps: number;
  gflops: number;
}

export interface KernelRow {
  label: string;
  kind: string;
  M: number;
  N: number;
  K: number;
  uses: string[];
  /** Each variant this device runs, in MATMUL_VARIANTS order. */
  variants: Partial<Record<MatmulVariant, Timing>>;
  /** The fastest variant, and its timing. */
  variant: MatmulVariant;
  ours: Timing;
  tfjs: Timing | null;
  /** ours / tfjs GFLOP/s. */
  ratio: number | null;
  /** ours / FMA peak. */
  ofPeak: number;
}

/** One form of bench/probes/matmul-ceiling.wgsl on the 1024^3 product. */
export interface CeilingProbe {
  form: 'buffers' | 'textures' | 'hoisted';
  timing: Timing;
  ofPeak: number;
  /** Sampled outputs matched the float64 oracle (for 'hoisted': K / 4 times the first step's products). */
  verified: boolean;
}

export interface KernelBenchResult {
  adapter: GpuContext['adapter'];
  /** verified: the probe's outputs matched the float64 oracle (so no work was optimized away). */
  peak: { gflops: number; verified: boolean; byChains: Array<{ chains: number; workgroups: number; gflops: number; verified: boolean }> };
  rows: KernelRow[];
  tfjs: Record<string, unknown> | { error: string };
  /** What bounds the 1024^3 product where the quad layout runs; why not, where it does not. */
  ceiling: CeilingProbe[] | { skipped: string };
}

const BATCH = 100;
/** Loop trips of the FMA probe (each does 4 FMAs per accumulator). */
const ITERATIONS = 1024;

/** The products of one training step of `widths` at batch B, as the engine runs them. */
export function stepProducts(recipe: string, widths: readonly number[], B = BATCH): ProductShape[] {
  const out: ProductShape[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l];
    const fanOut = widths[l + 1];
    const relu = l + 2 < widths.length;
    out.push({ label: `fwd L${l}`, kind: 'NT', M: B, N: fanOut, K: fanIn, transB: true, bias: true, relu, uses: [`${recipe} L${l}`] });
    out.push({ label: `dW L${l}`, kind: 'TN', M: fanOut, N: fanIn, K: B, transA: true, biasGrad: true, uses: [`${recipe} L${l}`] });
    if (l > 0) out.push({ label: `dX L${l}`, kind: 'NN', M: B, N: fanIn, K: fanOut, mask: true, uses: [`${recipe} L${l}`] });
  }
  return out;
}

/** The recipes' products, each distinct shape and variant once. */
export function benchShapes(opts: Pick<KernelBenchOptions, 'recipes' | 'big'>): ProductShape[] {
  const byKey = new Map<string, ProductShape>();
  for (const name of opts.recipes) {
    for (const s of stepProducts(name, RECIPES[name].layers)) {
      const key = `${s.kind} ${s.M}x${s.N}x${s.K} ${s.relu ? 'relu' : ''}`;
      const seen = byKey.get(key);
      if (seen) seen.uses.push(...s.uses);
      else byKey.set(key, s);
    }
  }
  const shapes = [...byKey.values()];
  if (opts.big) shapes.push({ label: 'square', kind: 'NN', M: 1024, N: 1024, K: 1024, uses: [] });
  return shapes;
}

const now = (): number => performance.now() / 1000;

/** Calls run(reps) once to warm up, once to calibrate, then with enough reps to fill `target` seconds. */
async function timeReps(run: (reps: number) => Promise<void>, target: number): Promise<{ seconds: number; reps: number }> {
  await run(1);
  let t = now();
  await run(1);
  let seconds = now() - t;
  let reps = 1;
  if (seconds < target / 2) {
    reps = Math.min(1000, Math.max(2, Math.round(target / Math.max(seconds, 1e-5))));
    t = now();
    await run(reps);
    seconds = (now() - t) / reps;
  }
  return { seconds, reps };
}

function timing(flops: number, t: { seconds: number; reps: number }): Timing {
  return { msPerRep: t.seconds * 1000, reps: t.reps, gflops: flops / t.seconds / 1e9 };
}

async function timeDispatch(ctx: GpuContext, d: Dispatch, target: number): Promise<{ seconds: number; reps: number }> {
  return timeReps(async (reps) => {
    const encoder = ctx.device.createCommandEncoder({ label: d.name });
    const pass = encoder.beginComputePass();
    for (let i = 0; i < reps; i++) encode(pass, [d]);
    pass.end();
    ctx.device.queue.submit([encoder.finish()]);
    await ctx.device.queue.onSubmittedWorkDone();
  }, target);
}

function randomBuffer(ctx: GpuContext, floats: number, rng: Rng): GPUBuffer {
  const data = new Float32Array(floats);
  for (let i = 0; i < floats; i++) data[i] = 2 * rng.nextFloat() - 1;
  return ctx.createStorage('bench operand', data, 'activations');
}

async function timeOurs(ctx: GpuContext, s: ProductShape, variant: MatmulVariant, target: number, rng: Rng): Promise<Timing> {
  const { M, N, K } = s;
  const made: GPUBuffer[] = [];
  const buffer = (floats: number): GPUBufferBinding => {
    const b = randomBuffer(ctx, floats, rng);
    made.push(b);
    return view(b, 0, floats);
  };
  try {
    const d = await prepareMatmulVariant(
      ctx,
      s,
      {
        a: buffer(M * K),
        b: buffer(K * N),
        c: buffer(M * N),
        bias: s.bias ? buffer(N) : s.biasGrad ? buffer(M) : undefined,
        aux: s.mask ? buffer(M * N) : undefined,
      },
      `${s.label} ${s.kind} ${variant}`,
      variant,
    );
    const t = await timeDispatch(ctx, d, target);
    ctx.check();
    return timing(2 * M * N * K, t);
  } finally {
    for (const b of made) ctx.destroyBuffer(b);
  }
}

async function timeTfjs(s: ProductShape, target: number): Promise<Timing> {
  const { M, N, K } = s;
  const a = s.transA ? tf.randomUniform([K, M], -1, 1) : tf.randomUniform([M, K], -1, 1);
  const b = s.transB ? tf.randomUniform([N, K], -1, 1) : tf.randomUniform([K, N], -1, 1);
  try {
    const t = await timeReps(async (reps) => {
      for (let i = 0; i < reps - 1; i++) tf.tidy(() => void tf.matMul(a, b, s.transA, s.transB));
      const last = tf.tidy(() => tf.slice(tf.matMul(a, b, s.transA, s.transB), [0, 0], [1, 1]));
      await last.data();
      last.dispose();
    }, target);
    return timing(2 * M * N * K, t);
  } finally {
    tf.dispose([a, b]);
  }
}

const CEILING_SIZE = 1024;

/**
 * Times the three forms of the ceiling probe on C = A B, 1024^3, and checks 64 sampled outputs of each
 * against float64: the engine's loads (buffers), texture loads, and no loads in the K loop (hoisted).
 */
async function ceilingProbes(ctx: GpuContext, target: number, peak: number, rng: Rng): Promise<KernelBenchResult['ceiling']> {
  if (!ctx.quads) return { skipped: 'the probes use the quad layout, which needs subgroups of exactly 4 invocations' };
  const n = CEILING_SIZE;
  const a = new Float32Array(n * n).map(() => 2 * rng.nextFloat() - 1);
  const b = new Float32Array(n * n).map(() => 2 * rng.nextFloat() - 1);
  const { device } = ctx;
  const bufA = ctx.createStorage('ceiling A', a, 'activations');
  const bufB = ctx.createStorage('ceiling B', b, 'activations');
  const bufC = ctx.createBuffer('ceiling C', n * n * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'activations');
  // A as (K/4) x M texels of rgba32float, B as (N/4) x K: the same bytes, row by row.
  const texture = (data: Float32Array<ArrayBuffer>, label: string): GPUTexture => {
    const t = device.createTexture({ label, size: [n / 4, n], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
    device.queue.writeTexture({ texture: t }, data, { bytesPerRow: n * 4 }, [n / 4, n]);
    return t;
  };
  const texA = texture(a, 'ceiling A texels');
  const texB = texture(b, 'ceiling B texels');
  const samples = Array.from({ length: 64 }, () => [rng.nextInt(n), rng.nextInt(n)] as const);
  const want = (m: number, col: number, kEnd: number): number => {
    let sum = 0;
    for (let k = 0; k < kEnd; k++) sum += a[m * n + k] * b[k * n + col];
    return sum;
  };
  const probes: CeilingProbe[] = [];
  try {
    for (const form of ['buffers', 'textures', 'hoisted'] as const) {
      const textures = form === 'textures';
      const module = device.createShaderModule({ label: `ceiling ${form}`, code: preprocess('matmul-ceiling', ceilingSource, { TEXTURES: textures, HOISTED: form === 'hoisted' }) });
      const pipeline = await device.createComputePipelineAsync({ label: `ceiling ${form}`, layout: 'auto', compute: { module, constants: { M: n, N: n, K: n } } });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: textures ? texA.createView() : { buffer: bufA } },
          { binding: 1, resource: textures ? texB.createView() : { buffer: bufB } },
          { binding: 2, resource: { buffer: bufC } },
        ],
      });
      const t = await timeReps(async (reps) => {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(n / 64, n / 64);
        pass.end();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
      }, target);
      ctx.check();
      const c = await readFloats(ctx, bufC, 0, n * n);
      const verified = samples.every(([m, col]) => {
        const expected = form === 'hoisted' ? (n / 4) * want(m, col, 4) : want(m, col, n);
        return Math.abs(c[m * n + col] - expected) <= 1e-3 + 1e-4 * Math.abs(expected);
      });
      const timed = timing(2 * n * n * n, t);
      probes.push({ form, timing: timed, ofPeak: timed.gflops / peak, verified });
    }
  } finally {
    ctx.destroyBuffer(bufA);
    ctx.destroyBuffer(bufB);
    ctx.destroyBuffer(bufC);
    texA.destroy();
    texB.destroy();
  }
  return probes;
}

/** The best FMA rate over a few accumulator counts, the grid grown until one dispatch takes ~30 ms. */
async function fmaPeak(ctx: GpuContext, target: number): Promise<KernelBenchResult['peak']> {
  const byChains: KernelBenchResult['peak']['byChains'] = [];
  const maxGroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  for (const chains of [2, 4, 8] as const) {
    for (let workgroups = 64; ; workgroups *= 4) {
      const probe = await prepareFmaPeak(ctx, { chains, iterations: ITERATIONS, workgroups });
      try {
        const single = await timeDispatch(ctx, probe.dispatch, 0);
        if (single.seconds < 0.03 && workgroups * 4 <= maxGroups) continue;
        const timed = await timeDispatch(ctx, probe.dispatch, target);
        const last = workgroups * 64 - 1;
        const got = [...(await readFloats(ctx, probe.out, 0, 4)), ...(await readFloats(ctx, probe.out, 4 * last, 4))];
        const want = [...fmaPeakExpected(chains, ITERATIONS, 0), ...fmaPeakExpected(chains, ITERATIONS, last)];
        const verified = got.every((g, k) => Math.abs(g - want[k]) <= 1e-3 * Math.abs(want[k]));
        byChains.push({ chains, workgroups, gflops: probe.flops / timed.seconds / 1e9, verified });
        break;
      } finally {
        probe.destroy();
      }
    }
  }
  const verified = byChains.filter((c) => c.verified);
  return { gflops: Math.max(0, ...verified.map((c) => c.gflops)), verified: verified.length === byChains.length, byChains };
}

export async function runKernels(opts: KernelBenchOptions, progress: PageProgress): Promise<KernelBenchResult> {
  const shapes = benchShapes(opts);
  const ctx = await createContext(navigator.gpu, { maxStorageBufferBindingSize: 64 << 20, maxBufferSize: 64 << 20 });
  const variants = matmulVariants(ctx);
  progress.steps = (variants.length + 1) * shapes.length + 1 + (opts.big ? 1 : 0);
  progress.step = 0;
  progress.phase = 'FMA peak';
  const rng = new Rng(1);
  try {
    const peak = await fmaPeak(ctx, opts.seconds);
    progress.step++;
    const ours: Array<KernelRow['variants']> = [];
    for (const s of shapes) {
      const timings: KernelRow['variants'] = {};
      for (const variant of variants) {
        progress.phase = `ours ${s.label} ${s.M}x${s.N}x${s.K} ${variant}`;
        timings[variant] = await timeOurs(ctx, s, variant, opts.seconds, rng);
        progress.step++;
      }
      ours.push(timings);
    }
    let ceiling: KernelBenchResult['ceiling'] = { skipped: 'run without the 1024^3 product' };
    if (opts.big) {
      progress.phase = 'ceiling probes 1024^3';
      ceiling = await ceilingProbes(ctx, opts.seconds, peak.gflops, rng).catch((error: unknown) => ({
        skipped: `the probes failed: ${error instanceof Error ? error.message : String(error)}`,
      }));
      progress.step++;
    }
    let tfjsInfo: KernelBenchResult['tfjs'];
    const theirs: Array<Timing | null> = [];
    try {
      tfjsInfo = { version: tf.version_core, ...(await useBackend('webgpu')) };
      for (const s of shapes) {
        progress.phase = `tfjs ${s.label} ${s.M}x${s.N}x${s.K}`;
        theirs.push(await timeTfjs(s, opts.seconds));
        progress.step++;
      }
    } catch (error) {
      tfjsInfo = { error: error instanceof Error ? error.message : String(error) };
    }
    const rows = shapes.map((s, i): KernelRow => {
      const t = theirs[i] ?? null;
      const variant = variants.reduce((best, v) => (ours[i][v]!.gflops > ours[i][best]!.gflops ? v : best));
      const best = ours[i][variant]!;
      return {
        label: s.label,
        kind: s.kind,
        M: s.M,
        N: s.N,
        K: s.K,
        uses: s.uses,
        variants: ours[i],
        variant,
        ours: best,
        tfjs: t,
        ratio: t ? best.gflops / t.gflops : null,
        ofPeak: best.gflops / peak.gflops,
      };
    });
    return { adapter: ctx.adapter, peak, rows, tfjs: tfjsInfo, ceiling };
  } finally {
    ctx.destroy();
  }
}
