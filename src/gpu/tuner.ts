/**
 * Choosing the matmul variant for each product by timing the candidates on the device at hand.
 *
 * A model's products are few and fixed (three per layer, plus the evaluation's forward), so each distinct
 * shape is measured once per device: every variant the device can run is dispatched with the product's own
 * buffers (before any step runs: a product only writes scratch that the step rewrites before reading) and
 * the fastest is kept. The choices are cached in a TuningStore (IndexedDB in the page and the worker, a file in
 * the user's cache folder in Node) under a key made of the adapter's vendor, architecture and description and
 * a hash of the kernel sources, so a new driver or a changed kernel is measured again. The first use on a
 * device starts no new shape's measurement after `budgetMs`; shapes left then run the untuned variant this
 * time and are measured on a later first use. One cached choice per shape makes reruns bit-identical.
 */
import type { GpuContext } from './context.ts';
import { encode, type Dispatch } from './dispatch.ts';
import { MATMUL_SOURCES, MATMUL_VARIANTS, matmulVariants, untunedVariant, type MatmulShape, type MatmulVariant } from './matmul.ts';

/** 'auto' measures (or reads the cache); 'untuned' takes the built-in choice; a variant's name forces it. */
export type MatmulChoice = 'auto' | 'untuned' | MatmulVariant;

/** One shape's measurement: the variant kept and each candidate's milliseconds per dispatch. */
export interface TunedShape {
  variant: MatmulVariant;
  ms: Partial<Record<MatmulVariant, number>>;
}

/** Where choices persist between runs. */
export interface TuningStore {
  /** Where the choices are kept, for the report: a file path, 'IndexedDB webgpu-mlp', 'memory'. */
  readonly where: string;
  load(key: string): Promise<Record<string, TunedShape> | undefined>;
  save(key: string, shapes: Record<string, TunedShape>): Promise<void>;
}

/** How one product got its variant. 'budget' means: the measuring budget was spent, so untuned this time. */
export type TuningSource = 'forced' | 'untuned' | 'cached' | 'measured' | 'budget' | 'single';

export interface TuningEntry {
  /** The dispatch's label, e.g. 'layer 0 (Linear 784->256, ReLU) forward train'. */
  label: string;
  /** The shape key, e.g. '100x256x784 NT u8A bias relu'. */
  shape: string;
  variant: MatmulVariant;
  source: TuningSource;
  /** Milliseconds per dispatch of each candidate, where measured (now or in the cached run). */
  ms?: Partial<Record<MatmulVariant, number>>;
}

export interface TuningReport {
  mode: MatmulChoice;
  /** The cache key: adapter and kernel-source hash. */
  key: string;
  store: string;
  budgetMs: number;
  /** Milliseconds spent measuring on this device (compiles included). */
  spentMs: number;
  /** Error met reading or writing the store, if any (the choices still apply for this run). */
  storeError?: string;
  /** Candidates that could not be built on this device, with why (they were left out). */
  failures?: string[];
  entries: TuningEntry[];
}

export interface TunerOptions {
  mode?: MatmulChoice;
  store?: TuningStore;
  /** Most milliseconds to spend measuring on one device (default 2000). */
  budgetMs?: number;
}

/** A store that lives as long as the page or process. */
export class MemoryStore implements TuningStore {
  readonly where = 'memory';
  private readonly records = new Map<string, Record<string, TunedShape>>();
  async load(key: string): Promise<Record<string, TunedShape> | undefined> {
    const record = this.records.get(key);
    return record && structuredClone(record);
  }
  async save(key: string, shapes: Record<string, TunedShape>): Promise<void> {
    this.records.set(key, structuredClone(shapes));
  }
}

export const DEFAULT_BUDGET_MS = 2000;
/** A candidate must beat the untuned variant by this fraction to replace it, so noise does not flip choices. */
const MARGIN = 0.03;
/** Each timed sample runs the dispatch enough times to last about this long. */
const SAMPLE_MS = 4;
const SAMPLES = 3;
const MAX_REPEATS = 256;
/** A candidate whose warm-up run takes this many times the best candidate's time is not timed further. */
const HOPELESS = 3;
/** Shapes on which a variant must lose hopelessly before it is no longer tried on the device. */
const PRUNE_AFTER = 2;

export function shapeKey(s: MatmulShape): string {
  const flags = [
    `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`,
    s.aU8Stride !== undefined ? `u8A${s.aU8Stride}` : '',
    s.bU8Stride !== undefined ? `u8B${s.bU8Stride}` : '',
    s.bias ? 'bias' : '',
    s.relu ? 'relu' : '',
    s.mask ? 'mask' : '',
    s.biasGrad ? 'db' : '',
  ].filter(Boolean);
  return `${s.M}x${s.N}x${s.K} ${flags.join(' ')}`;
}

/** FNV-1a over the kernel sources, as 8 hex digits: part of the cache key. */
export function sourceHash(sources: readonly string[] = MATMUL_SOURCES): string {
  let h = 0x811c9dc5;
  for (const source of sources) {
    for (let i = 0; i < source.length; i++) {
      h ^= source.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function tuningKey(ctx: GpuContext): string {
  const { vendor, architecture, description } = ctx.adapter;
  return `${vendor} | ${architecture} | ${description} | matmul ${sourceHash()}`;
}

export class MatmulTuner {
  readonly mode: MatmulChoice;
  readonly budgetMs: number;
  private readonly store: TuningStore | null;
  private spentMs = 0;
  private storeError: string | undefined;
  private readonly failures: string[] = [];
  private cache: Promise<Record<string, TunedShape>> | null = null;
  private key = '';
  /** Measurements run one at a time, so candidates are never timed against each other. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly decided = new Map<string, Promise<{ variant: MatmulVariant; source: TuningSource; ms?: TunedShape['ms'] }>>();
  /** By label: a product prepared again (a sampled step, a rebuilt trainer) replaces its entry. */
  private readonly entries = new Map<string, TuningEntry>();

  constructor(options: TunerOptions = {}) {
    this.mode = options.mode ?? 'auto';
    this.store = options.store ?? null;
    this.budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    if (!Number.isFinite(this.budgetMs) || this.budgetMs < 0) throw new RangeError(`the tuning budget must be a non-negative number of milliseconds, got ${options.budgetMs}`);
  }

  /**
   * The variant for product `s` (labelled `label`): `prepare` builds a candidate's dispatch with the product's
   * own buffers, for timing.
   */
  async choose(ctx: GpuContext, s: MatmulShape, label: string, prepare: (variant: MatmulVariant) => Promise<Dispatch>): Promise<MatmulVariant> {
    const shape = shapeKey(s);
    let decision = this.decided.get(shape);
    if (!decision) {
      decision = this.decide(ctx, shape, prepare);
      this.decided.set(shape, decision);
    }
    const { variant, source, ms } = await decision;
    this.entries.set(label, { label, shape, variant, source, ...(ms ? { ms } : {}) });
    return variant;
  }

  report(ctx: GpuContext): TuningReport {
    return {
      mode: this.mode,
      key: this.key || tuningKey(ctx),
      store: this.store?.where ?? 'none',
      budgetMs: this.budgetMs,
      spentMs: Math.round(this.spentMs),
      ...(this.storeError ? { storeError: this.storeError } : {}),
      ...(this.failures.length ? { failures: [...this.failures] } : {}),
      entries: [...this.entries.values()].map((e) => ({ ...e, ...(e.ms ? { ms: { ...e.ms } } : {}) })),
    };
  }

  private async decide(ctx: GpuContext, shape: string, prepare: (variant: MatmulVariant) => Promise<Dispatch>): Promise<{ variant: MatmulVariant; source: TuningSource; ms?: TunedShape['ms'] }> {
    const untuned = untunedVariant(ctx);
    if (this.mode === 'untuned') return { variant: untuned, source: 'untuned' };
    if (this.mode !== 'auto') {
      if (!matmulVariants(ctx).includes(this.mode)) throw new Error(`matmul variant '${this.mode}' cannot run on this device (it runs ${matmulVariants(ctx).join(', ')})`);
      return { variant: this.mode, source: 'forced' };
    }
    const candidates = matmulVariants(ctx);
    if (candidates.length === 1) return { variant: candidates[0], source: 'single' };
    const cached = (await this.loadCache(ctx))[shape];
    if (cached && candidates.includes(cached.variant)) return { variant: cached.variant, source: 'cached', ms: cached.ms };
    const measured = this.queue.then(() => this.measure(ctx, shape, candidates, untuned, prepare));
    this.queue = measured.catch(() => undefined);
    return measured;
  }

  private async measure(
    ctx: GpuContext,
    shape: string,
    candidates: MatmulVariant[],
    untuned: MatmulVariant,
    prepare: (variant: MatmulVariant) => Promise<Dispatch>,
  ): Promise<{ variant: MatmulVariant; source: TuningSource; ms?: TunedShape['ms'] }> {
    // No new shape once the budget is spent (a shape's compiles take most of it on a software adapter); the
    // shapes left wait for a later first use.
    if (this.spentMs >= this.budgetMs) return { variant: untuned, source: 'budget' };
    const record = await this.loadCache(ctx);
    const tried = candidates.filter((v) => v === untuned || !hopeless(record, v));
    const started = performance.now();
    const ms: TunedShape['ms'] = {};
    try {
      // Compiled side by side, timed one by one, the untuned one first: a candidate whose first run takes
      // several times the best so far is not timed further (one variant can be 30x slower on some adapters).
      // A candidate that fails to build on this device (a limit, a driver's compiler) is left out, and the
      // report says why; only the untuned variant's failure is the run's.
      const dispatches = await Promise.all(
        tried.map((variant) =>
          prepare(variant).catch((error: unknown) => {
            if (variant === untuned) throw error;
            this.failures.push(`${variant} on ${shape}: ${(error as Error).message}`);
            return null;
          }),
        ),
      );
      const order = [untuned, ...tried.filter((v, i) => v !== untuned && dispatches[i])];
      let fastest = Infinity;
      for (const variant of order) {
        const time = await timeDispatch(ctx, dispatches[tried.indexOf(variant)]!, fastest * HOPELESS);
        ms[variant] = Math.round(time * 1000) / 1000;
        fastest = Math.min(fastest, time);
      }
    } finally {
      this.spentMs += performance.now() - started;
    }
    let best = (Object.keys(ms) as MatmulVariant[]).reduce((a, b) => (ms[b]! < ms[a]! ? b : a));
    if (ms[best]! > ms[untuned]! * (1 - MARGIN)) best = untuned;
    record[shape] = { variant: best, ms };
    if (this.store) {
      await this.store.save(this.key, record).catch((error: unknown) => {
        this.storeError ??= `could not save the matmul choices to ${this.store!.where}: ${(error as Error).message}`;
      });
    }
    return { variant: best, source: 'measured', ms };
  }

  private loadCache(ctx: GpuContext): Promise<Record<string, TunedShape>> {
    if (!this.cache) {
      this.key = tuningKey(ctx);
      const store = this.store;
      this.cache = store
        ? store.load(this.key).then(
            (record) => record ?? {},
            (error: unknown) => {
              this.storeError ??= `could not read the matmul choices from ${store.where}: ${(error as Error).message}`;
              return {};
            },
          )
        : Promise.resolve({});
    }
    return this.cache;
  }
}

/**
 * Whether `variant` has lost hopelessly on this device: on at least PRUNE_AFTER of the shapes measured so far it
 * took HOPELESS times the fastest candidate's time, and it won none. Such a variant is not compiled and timed
 * for further shapes (on a software adapter the workgroup-memory variants take 4 to 60 times the quad
 * layout's time, and a compile there takes most of a second); a shape it skipped has no figure for it.
 */
export function hopeless(record: Record<string, TunedShape>, variant: MatmulVariant): boolean {
  let losses = 0;
  for (const { variant: chosen, ms } of Object.values(record)) {
    if (chosen === variant) return false;
    const mine = ms[variant];
    const fastest = Math.min(...Object.values(ms).filter((x): x is number => x !== undefined));
    if (mine !== undefined && mine >= fastest * HOPELESS) losses++;
  }
  return losses >= PRUNE_AFTER;
}

/**
 * Milliseconds per dispatch. The first submit warms the pipeline up and is not counted, unless it takes
 * longer than `hopelessMs`: then that is the figure (the candidate has lost anyway). A dispatch that
 * takes longer than SAMPLE_MS is timed twice and the faster counts; a shorter one is repeated within each of SAMPLES submits
 * to last about SAMPLE_MS, and the best submit counts.
 */
export async function timeDispatch(ctx: GpuContext, dispatch: Dispatch, hopelessMs = Infinity): Promise<number> {
  const run = async (repeats: number): Promise<number> => {
    const encoder = ctx.device.createCommandEncoder({ label: `tune ${dispatch.name}` });
    const pass = encoder.beginComputePass();
    for (let i = 0; i < repeats; i++) encode(pass, [dispatch]);
    pass.end();
    const started = performance.now();
    ctx.device.queue.submit([encoder.finish()]);
    await ctx.device.queue.onSubmittedWorkDone();
    return (performance.now() - started) / repeats;
  };
  const first = await run(1);
  if (first > hopelessMs) return first;
  const once = await run(1);
  ctx.check();
  if (once >= SAMPLE_MS) return Math.min(once, await run(1));
  const repeats = Math.min(MAX_REPEATS, Math.ceil(SAMPLE_MS / Math.max(once, 1e-3)));
  let best = once;
  for (let i = 0; i < SAMPLES; i++) best = Math.min(best, await run(repeats));
  ctx.check();
  return best;
}

/** 'auto', 'untuned' and the variants' names: what --matmul and the bench page accept. */
export function matmulChoices(): MatmulChoice[] {
  return ['auto', 'untuned', ...MATMUL_VARIANTS];
}

export function isMatmulChoice(value: string): value is MatmulChoice {
  return (matmulChoices() as string[]).includes(value);
}

/** One line: how many products run which variant, and how they were chosen. */
export function summarizeTuning(report: TuningReport): string {
  const count = (items: string[]): string =>
    [...items.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>())].map(([v, n]) => `${v} x${n}`).join(', ');
  const entries = report.entries;
  const variants = count(entries.map((e) => e.variant));
  const sources = count(entries.map((e) => e.source));
  const spent = report.spentMs > 0 ? `, ${(report.spentMs / 1000).toFixed(1)} s measuring` : '';
  const kept = report.mode === 'auto' ? `; choices kept in ${report.store}` : '';
  const error = report.storeError ? ` (${report.storeError})` : '';
  return `${entries.length} products: ${variants} (${report.mode}: ${sources}${spent}${kept})${error}`;
}
