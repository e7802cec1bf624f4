/**
 * Choosing matmul variants by measurement (src/gpu/tuner.ts): every candidate is timed on the device for each
 * of the model's products, the choices are kept in a store under the adapter and kernel-source key and read
 * back by the next run, the budget is kept, a failing store loses nothing, and reruns with one cached choice
 * are bit-identical.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/idx.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { matmulVariants, prepareMatmulVariant, untunedVariant, type MatmulShape, type MatmulVariant } from '../src/gpu/matmul.ts';
import { view } from '../src/gpu/dispatch.ts';
import { defaultCacheDir, FileStore } from '../src/gpu/tuning-file.ts';
import { hopeless, MatmulTuner, MemoryStore, sourceHash, summarizeTuning, tuningKey, type TunedShape, type TuningStore } from '../src/gpu/tuner.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { withGpuAndMnist } from './gpu.ts';

let ctx: GpuContext;
let mnist: Dataset;
withGpuAndMnist((c, m) => {
  ctx = c;
  mnist = m;
});

const folder = mkdtempSync(join(tmpdir(), 'tuner-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const RECIPE: Recipe = { ...RECIPES.mlp, epochs: 1, trainLimit: 1000 };
/** The mlp model's products: 3 forward, 3 weight gradients, 2 input gradients, and the evaluation's forward. */
const PRODUCTS = 9;

/** Builds a trainer with `tuner` on the shared device and returns the tuner's report. */
async function build(tuner: MatmulTuner, train = 0): Promise<{ report: ReturnType<MatmulTuner['report']>; params?: Float32Array }> {
  const previous = ctx.matmulTuner;
  ctx.matmulTuner = tuner;
  try {
    const trainer = await Trainer.create(ctx, mnist, RECIPE);
    try {
      const params = train > 0 ? (await trainer.run({ maxSteps: train }), await trainer.readParameters()) : undefined;
      return { report: tuner.report(ctx), ...(params ? { params } : {}) };
    } finally {
      trainer.destroy();
    }
  } finally {
    ctx.matmulTuner = previous;
  }
}

describe('matmul tuner', () => {
  const file = join(folder, 'choices.json');

  it('times the candidates of every product (every one on the first two), keeps the fastest and saves the choices', async () => {
    const { report } = await build(new MatmulTuner({ store: new FileStore(file), budgetMs: 60_000 }));
    const candidates = matmulVariants(ctx);
    expect(report.entries.length).toBeGreaterThanOrEqual(PRODUCTS);
    expect(report.key).toBe(tuningKey(ctx));
    expect(report.store).toBe(file);
    expect(report.spentMs).toBeGreaterThan(0);
    const untuned = untunedVariant(ctx);
    for (const [i, entry] of report.entries.entries()) {
      expect(entry.source, entry.label).toBe(candidates.length > 1 ? 'measured' : 'single');
      if (candidates.length === 1) continue;
      const ms = entry.ms!;
      const timed = Object.keys(ms) as MatmulVariant[];
      // Every candidate until one has lost hopelessly on two shapes; the untuned one always.
      if (i < 2) expect(timed.sort()).toEqual([...candidates].sort());
      expect(timed).toContain(untuned);
      for (const v of timed) expect(ms[v], `${entry.label} ${v}`).toBeGreaterThan(0);
      // The fastest, or the untuned one when the fastest beats it by less than the 3% margin.
      const fastest = Math.min(...timed.map((v) => ms[v]!));
      if (entry.variant === untuned) expect(fastest).toBeGreaterThanOrEqual(ms[untuned]! * 0.97 - 1e-9);
      else expect(ms[entry.variant]).toBe(fastest);
    }
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, TunedShape>>;
    expect(Object.keys(saved)).toEqual([tuningKey(ctx)]);
    for (const entry of report.entries) expect(saved[tuningKey(ctx)][entry.shape].variant).toBe(entry.variant);
    expect(summarizeTuning(report)).toMatch(new RegExp(`^${report.entries.length} products: .*\\(auto: measured x${report.entries.length}, [0-9.]+ s measuring; choices kept in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
  });

  it('reads the choices back on the next run without measuring, and those reruns are bit-identical', async () => {
    const first = await build(new MatmulTuner({ store: new FileStore(file) }), 12);
    const second = await build(new MatmulTuner({ store: new FileStore(file) }), 12);
    for (const run of [first, second]) {
      expect(run.report.spentMs).toBe(0);
      expect(new Set(run.report.entries.map((e) => e.source))).toEqual(new Set([matmulVariants(ctx).length > 1 ? 'cached' : 'single']));
    }
    expect(second.report.entries.map((e) => e.variant)).toEqual(first.report.entries.map((e) => e.variant));
    expect(Buffer.from(second.params!.buffer).equals(Buffer.from(first.params!.buffer))).toBe(true);
  });

  it('stops trying a variant that lost hopelessly (3x the fastest) on two shapes and won none', () => {
    const shape = (variant: MatmulVariant, ms: TunedShape['ms']): TunedShape => ({ variant, ms });
    const slow = { quad: 1, register: 1.2, tiled: 3.5, small: 30 };
    expect(hopeless({ a: shape('quad', slow) }, 'tiled')).toBe(false);
    expect(hopeless({ a: shape('quad', slow), b: shape('quad', slow) }, 'tiled')).toBe(true);
    expect(hopeless({ a: shape('quad', slow), b: shape('quad', slow) }, 'register')).toBe(false);
    // A win anywhere keeps it; a shape that skipped it does not count.
    expect(hopeless({ a: shape('quad', slow), b: shape('quad', slow), c: shape('tiled', { quad: 2, tiled: 1 }) }, 'tiled')).toBe(false);
    expect(hopeless({ a: shape('quad', slow), b: shape('quad', { quad: 1, register: 1.1 }) }, 'small')).toBe(false);
  });

  it('measures again when the kernel sources change (the key holds their hash)', async () => {
    expect(sourceHash(['a'])).not.toBe(sourceHash(['b']));
    expect(sourceHash(['ab', 'c'])).not.toBe(sourceHash(['a', 'bc']));
    expect(tuningKey(ctx)).toContain(sourceHash());
    const store = new MemoryStore();
    const stale = tuningKey(ctx).replace(sourceHash(), sourceHash(['an older kernel']));
    await store.save(stale, { '100x256x784 NT u8A196 bias relu': { variant: untunedVariant(ctx), ms: {} } });
    const { report } = await build(new MatmulTuner({ store, budgetMs: 60_000 }));
    expect(report.entries.every((e) => e.source === 'measured' || e.source === 'single')).toBe(true);
    expect(await store.load(tuningKey(ctx))).toBeDefined();
  });

  it('starts no measurement once the budget is spent: the rest run untuned and are not saved', async () => {
    const store = new MemoryStore();
    const { report } = await build(new MatmulTuner({ store, budgetMs: 0 }));
    if (matmulVariants(ctx).length === 1) return;
    expect(report.entries.map((e) => [e.source, e.variant])).toEqual(report.entries.map(() => ['budget', untunedVariant(ctx)]));
    expect(await store.load(tuningKey(ctx))).toBeUndefined();
    expect(report.spentMs).toBe(0);
  });

  it('forces a variant, or takes the untuned one, without measuring', async () => {
    for (const variant of matmulVariants(ctx)) {
      const { report } = await build(new MatmulTuner({ mode: variant }));
      expect(new Set(report.entries.map((e) => `${e.source} ${e.variant}`))).toEqual(new Set([`forced ${variant}`]));
    }
    const { report } = await build(new MatmulTuner({ mode: 'untuned' }));
    expect(new Set(report.entries.map((e) => `${e.source} ${e.variant}`))).toEqual(new Set([`untuned ${untunedVariant(ctx)}`]));
    expect(() => new MatmulTuner({ budgetMs: -1 })).toThrow(/budget must be a non-negative number of milliseconds, got -1/);
  });

  it('leaves out a candidate that fails to build on the device, and says why', async () => {
    const s: MatmulShape = { M: 9, N: 12, K: 20 };
    const buffers = [s.M * s.K, s.K * s.N, s.M * s.N].map((n) => ctx.createBuffer('tuner failure', n * 4, GPUBufferUsage.STORAGE, 'activations'));
    try {
      const failing = matmulVariants(ctx).find((v) => v !== untunedVariant(ctx))!;
      const tuner = new MatmulTuner({ budgetMs: 60_000 });
      const bindings = { a: view(buffers[0], 0, s.M * s.K), b: view(buffers[1], 0, s.K * s.N), c: view(buffers[2], 0, s.M * s.N) };
      const chosen = await tuner.choose(ctx, s, 'a product', (v) => (v === failing ? Promise.reject(new Error('too big for this device')) : prepareMatmulVariant(ctx, s, bindings, 'a product', v)));
      expect(chosen).not.toBe(failing);
      const report = tuner.report(ctx);
      expect(report.failures).toEqual([`${failing} on 9x12x20 NN: too big for this device`]);
      expect(report.entries[0].ms).not.toHaveProperty(failing);
      expect(report.entries[0].ms).toHaveProperty(untunedVariant(ctx));
    } finally {
      buffers.forEach((b) => ctx.destroyBuffer(b));
    }
  });

  it('a store that cannot be read or written loses nothing: the run goes on and the report says why', async () => {
    const broken: TuningStore = {
      where: 'a broken store',
      load: () => Promise.reject(new Error('disk on fire')),
      save: () => Promise.reject(new Error('still on fire')),
    };
    const { report, params } = await build(new MatmulTuner({ store: broken, budgetMs: 60_000 }), 2);
    expect(params!.every(Number.isFinite)).toBe(true);
    expect(report.storeError).toBe('could not read the matmul choices from a broken store: disk on fire');
    expect(summarizeTuning(report)).toContain('(could not read the matmul choices from a broken store: disk on fire)');
  });
});

describe('the Node cache file', () => {
  it('lives in the user cache folder, or where WEBGPU_MLP_CACHE_DIR says', () => {
    expect(defaultCacheDir({ WEBGPU_MLP_CACHE_DIR: '/x/y' }, 'linux')).toBe('/x/y');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/c' }, 'linux')).toBe('/c/webgpu-mlp');
    expect(defaultCacheDir({}, 'linux')).toMatch(/\.cache\/webgpu-mlp$/);
    expect(defaultCacheDir({}, 'darwin')).toMatch(/Library\/Caches\/webgpu-mlp$/);
    expect(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32')).toMatch(/Local.webgpu-mlp$/);
  });

  it('keeps other keys, creates its folder, and treats a damaged file as empty (then rewrites it)', async () => {
    const path = join(folder, 'deep', 'er', 'tuning.json');
    const store = new FileStore(path);
    expect(await store.load('k')).toBeUndefined();
    const shapes: Record<string, TunedShape> = { '1x2x3 NN': { variant: 'register', ms: { register: 1 } } };
    await store.save('a', shapes);
    await store.save('b', {});
    expect(await store.load('a')).toEqual(shapes);
    expect(await store.load('b')).toEqual({});
    writeFileSync(path, '{"a": ');
    expect(await store.load('a')).toBeUndefined();
    await store.save('c', shapes);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ c: shapes });
  });
});
