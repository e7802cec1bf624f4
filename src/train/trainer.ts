/**
 * The trainer: runs epochs with the dataset on the GPU and reports progress asynchronously.
 *
 * Steps are encoded in chunks, one command buffer per chunk, each step's values (batch offset, Adam's bias
 * corrections) in its own uniform slot. Nothing is awaited per step: after each chunk the epoch's loss log is
 * copied to a staging buffer whose mapping resolves later and feeds the progress callback. At most two chunks
 * are in flight, so pausing or stopping answers within a chunk and a page stays responsive; chunks grow
 * until one takes about a quarter second. Results do not depend on the chunking.
 *
 * Diagnostics (TrainOptions.diagnostics): a sampled step runs the graph's sampled variant, which writes its
 * per-layer statistics into a slot of one statistics buffer; the chunk's slots are copied into the same
 * staging buffer as its losses, behind them, so they come back with the same mapping.
 *
 * Health: every chunk also copies back the health words (src/gpu/health.ts). A loss that is not finite, or a
 * gradient, moment or updated parameter that the optimizer finds not finite, stops the GPU updating; the
 * chunk's readback sees it, run() goes back to the state kept before that chunk (the parameters and optimizer
 * state, copied on the GPU at each chunk's start into one of two slots in turn) with the counters and the
 * shuffle to match, and throws a DivergenceError that names the step and, for a value, the layer and element.
 */
import type { GpuContext } from '../gpu/context.ts';
import { GpuError } from '../gpu/context.ts';
import { encode, type Dispatch } from '../gpu/dispatch.ts';
import { HEALTH_BYTES, healthyWords, readHealth } from '../gpu/health.ts';
import { readBytes } from '../gpu/readback.ts';
import type { StepValues } from '../gpu/step-slots.ts';
import { batchesPerEpoch, permutation } from '../data/batches.ts';
import { checkSameShape, type Dataset } from '../data/idx.ts';
import { parseInitializer } from '../init/initializers.ts';
import { deriveSeed, Rng, type RngState } from '../init/rng.ts';
import { Mlp } from '../layers/mlp.ts';
import { buildGraph, evalRowsFor, MAX_CHUNK_STEPS, prepareSampledStep, statsDispatches, type SampledStep, type TrainingGraph } from './graph.ts';
import { uploadDataset, withOrder, type GpuImageSet } from './gpu-dataset.ts';
import { buildPredictor, classify, measureStep, probeStep, type Predictor, type ProbeStats } from './inspect.ts';
import { checkLimits } from './limits.ts';
import { checkLearningRate, checkRecipeFitsData, ConfigError, lrAt, validateRecipe, type Recipe } from './recipe.ts';
import type { StepDiagnostics } from './diagnostics.ts';
import { checkDiagnostics, isSampled, readSample } from './sampling.ts';
import type { CreateOptions, EpochResult, EvalResult, RunOptions, TrainingState, TrainOptions } from './run-types.ts';
import { divergenceError, locate, type Divergence } from './divergence.ts';

export { DivergenceError, type NonFiniteValue } from './divergence.ts';
export type { CreateOptions, EpochResult, EvalResult, Progress, RunOptions, TrainingState, TrainOptions } from './run-types.ts';

export { deviceNeeds } from './limits.ts';
export type { ProbeStats } from './inspect.ts';

/** Book-keeping of one epoch while its steps are submitted and their losses come back. */
interface EpochRun {
  epoch: number;
  /** The shuffle's state before this epoch's permutation was drawn (a checkpoint redraws it from here). */
  rngBefore: RngState;
  submitted: number;
  done: number;
  losses: Float32Array;
  /** Seconds of training in earlier run() calls, and when the current call started. */
  seconds: number;
  segmentStart: number;
  readbacks: number;
  /** The latest sample of this epoch read back. */
  lastSample?: StepDiagnostics;
}

const TARGET_CHUNK_SECONDS = 0.25;
/** A staging buffer holds the chunk's losses (room for the longest chunk), the health words, then any statistics. */
const LOSS_BYTES = MAX_CHUNK_STEPS * 4;
const STATS_AT = LOSS_BYTES + HEALTH_BYTES;
const now = (): number => performance.now() / 1000;

export class Trainer {
  /** Epochs and steps finished so far. */
  epoch = 0;
  step = 0;
  private readonly shuffle: Rng;
  private chunkSteps = 1;
  /** Chunks submitted so far: a chunk keeps the state before it in slot chunks % 2. */
  private chunks = 0;
  /** Epochs whose permutation has been drawn, and the one being submitted (null between epochs). */
  private epochsBegun = 0;
  private cursor: EpochRun | null = null;
  private destroyed = false;
  /** Free staging buffers for the loss log; one per chunk in flight, plus one being filled. */
  private readonly staging: GPUBuffer[];
  private predictor: Promise<Predictor> | null = null;
  /** The sampled step, built the first time a run asks for diagnostics. */
  private sampled: Promise<SampledStep> | null = null;
  /** The first statistic that was not finite since the weights were last set (StepDiagnostics.nonFinite). */
  private brokeAt: StepDiagnostics['nonFinite'] = undefined;

  private constructor(
    readonly ctx: GpuContext,
    readonly model: Mlp,
    readonly recipe: Recipe,
    readonly stepsPerEpoch: number,
    private readonly train: GpuImageSet,
    private readonly test: GpuImageSet,
    private readonly graph: TrainingGraph,
    /** Every buffer this trainer allocated (not a dataset it was given), freed by destroy(). */
    private readonly owned: GPUBuffer[],
  ) {
    this.shuffle = new Rng(deriveSeed(recipe.seed, 1));
    this.staging = this.makeStaging(STATS_AT);
  }

  /** Staging buffers for the chunks' readbacks: one per chunk in flight, plus one being filled. */
  private makeStaging(bytes: number): GPUBuffer[] {
    const staging = [0, 1, 2].map((i) => this.ctx.createBuffer(`loss staging ${i}`, bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'staging'));
    this.owned.push(...staging);
    return staging;
  }

  /**
   * Validates the recipe against the dataset, initializes the weights on the CPU, uploads the dataset and
   * the weights, and compiles every pipeline. On any error, whatever was allocated is freed.
   */
  static async create(ctx: GpuContext, dataset: Dataset, recipe: Recipe, options: CreateOptions = {}): Promise<Trainer> {
    validateRecipe(recipe);
    checkSameShape(dataset.train, dataset.test);
    const model = new Mlp(recipe.layers);
    const shared = options.images;
    const available = shared ? shared.train.count : dataset.train.count;
    const { rows, cols } = dataset.train;
    checkRecipeFitsData(recipe, { inputs: rows * cols, classes: dataset.numClasses, train: available, name: dataset.name, imageSize: `${rows}x${cols}` });
    const trainCount = recipe.trainLimit > 0 ? Math.min(recipe.trainLimit, available) : available;
    const stepsPerEpoch = batchesPerEpoch(trainCount, recipe.batch);
    checkLimits(ctx, model, recipe, dataset, trainCount);

    const weights = model.initialize(parseInitializer(recipe.init), parseInitializer(recipe.biasInit), deriveSeed(recipe.seed, 0));
    const testCount = dataset.test.count;
    const evalRows = evalRowsFor(model, recipe.batch, testCount);
    // What this trainer allocates, listed as it goes: other trainers may be built at the same time (the lab's
    // beside a probe's), so the buffers that appear during the awaits are not all ours.
    const owned: GPUBuffer[] = [];
    try {
      const images = shared ?? uploadDataset(ctx, dataset, trainCount);
      if (!shared) owned.push(images.train.pixels, images.train.labels, images.test.pixels, images.test.labels);
      const train = withOrder(ctx, { ...images.train, count: trainCount }, trainCount, false, 'training order');
      owned.push(train.perm);
      const test = withOrder(ctx, images.test, Math.ceil(testCount / evalRows) * evalRows, true, 'test order');
      owned.push(test.perm);
      const graph = await buildGraph(ctx, model, recipe, train, test, stepsPerEpoch, options.checkValues ?? true);
      owned.push(...graph.allocated);
      ctx.write(graph.buffers.params, weights);
      return new Trainer(ctx, model, { ...recipe }, stepsPerEpoch, train, test, graph, owned);
    } catch (error) {
      for (const buffer of owned) ctx.destroyBuffer(buffer);
      throw error;
    }
  }

  /** A new trainer continuing from `state` (see snapshot()), on any device: a checkpoint's load. */
  static async resume(ctx: GpuContext, dataset: Dataset, state: TrainingState, options: CreateOptions = {}): Promise<Trainer> {
    const trainer = await Trainer.create(ctx, dataset, state.recipe, options);
    try {
      trainer.restore(state);
    } catch (error) {
      trainer.destroy();
      throw error;
    }
    return trainer;
  }

  get dispatchesPerStep(): number {
    return this.graph.step.length;
  }

  /** Buffer copies at the start of each chunk of steps: the parameters and each optimizer state, kept (none without value checks). */
  get copiesPerChunk(): number {
    return this.graph.buffers.kept[0]?.length ?? 0;
  }

  /** Dispatches of a step sampled for diagnostics (see graph.ts). */
  get sampledDispatchesPerStep(): number {
    return this.graph.step.length + statsDispatches(this.model.layers.length);
  }

  /**
   * The step's prepared dispatches, in order (for the profiler). Those that read the step uniform take a
   * slot's dynamic offset; after run(), slot 0 (offset 0) holds a valid step's values.
   */
  get stepDispatches(): readonly Dispatch[] {
    return this.graph.step;
  }

  get trainCount(): number {
    return this.train.count;
  }

  /**
   * The learning rate from the next step on. The change is recorded in the recipe (`lrChanges`, at the
   * global step it takes effect), so the recipe, a snapshot or a checkpoint still reproduces the run.
   * Returns that step.
   */
  setLearningRate(lr: number): number {
    checkLearningRate(lr);
    const step = this.step + 1;
    const earlier = (this.recipe.lrChanges ?? []).filter((change) => change.step < step);
    if (step === 1) this.recipe.lr = lr;
    else this.recipe.lrChanges = [...earlier, { step, lr }];
    return step;
  }

  /** Trains the remaining epochs of the recipe; resolves with the epochs it finished. */
  fit(options: TrainOptions = {}): Promise<EpochResult[]> {
    return this.run(options);
  }

  /** True once every epoch of the recipe has run. */
  get finished(): boolean {
    return this.epoch >= this.recipe.epochs;
  }

  /**
   * Trains until the recipe's epochs are done, `maxSteps` more steps have run, or `signal` aborts (after the
   * chunk in flight). An epoch interrupted part-way resumes where it stopped on the next call, with the same
   * batch order, so pausing changes no number. Resolves with the epochs finished during this call.
   */
  async run(options: RunOptions = {}): Promise<EpochResult[]> {
    this.assertUsable();
    const { device } = this.ctx;
    const every = options.diagnostics ? checkDiagnostics(options.diagnostics) : 0;
    const sampled = every > 0 ? await this.sampledStep() : null;
    const results: EpochResult[] = [];
    const inFlight: Array<Promise<void>> = [];
    // Set by the chunks' readbacks (callbacks, hence the casts that keep TypeScript from narrowing them to null).
    let failure = null as Error | null;
    // The first chunk that found a value not finite: where it stopped, and where the chunk began.
    let diverged = null as (Divergence & { run: EpochRun; s0: number; stepBase: number; slot: number }) | null;
    let budget = options.maxSteps ?? Infinity;
    const segmentStart = now();
    const touched = new Set<EpochRun>();
    let epochSubmitted = false;

    while ((this.cursor || this.epochsBegun < this.recipe.epochs) && budget > 0 && !options.signal?.aborted && !failure && !(options.untilEpochEnd && epochSubmitted)) {
      const run = (this.cursor ??= this.beginEpoch());
      if (!touched.has(run)) {
        touched.add(run);
        // An epoch begun in this call is timed from its first chunk; one resumed part-way, from the call's start.
        run.segmentStart = run.submitted === 0 ? now() : segmentStart;
      }
      const s0 = run.submitted;
      const stepBase = this.step;
      const count = Math.min(this.chunkSteps, this.stepsPerEpoch - s0, this.graph.stepSlots.capacity, budget);
      // Each step's global number and whether it is sampled; the sampled ones take slots of the statistics in order.
      const steps = Array.from({ length: count }, (_, i) => ({ t: stepBase + i + 1, sample: sampled !== null && isSampled(stepBase + i + 1, s0 + i + 1, this.stepsPerEpoch, every) }));
      const samples = steps.filter((s) => s.sample).map((s) => s.t);
      this.graph.stepSlots.write(steps.map(({ t, sample }, i) => ({ ...this.stepValues(s0 + i, t), diagSlot: sample ? samples.indexOf(t) : 0 })));
      const encoder = device.createCommandEncoder({ label: `epoch ${run.epoch} steps ${s0}..${s0 + count - 1}` });
      // The state before this chunk, kept in this chunk's slot (see GraphBuffers.kept).
      const slot = this.chunks++ % 2;
      this.keep(encoder, slot, 'to');
      const pass = encoder.beginComputePass();
      steps.forEach(({ sample }, i) => encode(pass, sample ? sampled!.step : this.graph.step, this.graph.stepSlots.offset(i)));
      pass.end();
      const staging = this.staging.pop();
      if (!staging) throw new Error('internal: no free loss staging buffer');
      encoder.copyBufferToBuffer(this.graph.buffers.lossLog, s0 * 4, staging, 0, count * 4);
      encoder.copyBufferToBuffer(this.graph.buffers.health, 0, staging, LOSS_BYTES, HEALTH_BYTES);
      const statsBytes = sampled ? samples.length * sampled.slotWords * 4 : 0;
      if (statsBytes > 0) encoder.copyBufferToBuffer(sampled!.stats, 0, staging, STATS_AT, statsBytes);
      device.queue.submit([encoder.finish()]);
      run.readbacks++;
      run.submitted += count;
      this.step += count;
      budget -= count;
      if (run.submitted === this.stepsPerEpoch) {
        this.cursor = null;
        epochSubmitted = true;
      }

      const chunkStart = now();
      const mapped = STATS_AT + statsBytes;
      inFlight.push(
        staging.mapAsync(GPUMapMode.READ, 0, mapped).then(
          () => {
            const bytes = staging.getMappedRange(0, mapped).slice(0);
            staging.unmap();
            this.staging.push(staging);
            // A chunk after the one that failed trained nothing (the GPU stopped updating): it reports nothing.
            if (diverged) return;
            this.adaptChunk(count, now() - chunkStart, inFlight.length);
            const losses = new Float32Array(bytes, 0, count);
            const health = readHealth(new Uint32Array(bytes, LOSS_BYTES, HEALTH_BYTES / 4));
            const bad = losses.findIndex((v) => !Number.isFinite(v));
            if (health.value || bad >= 0) {
              // A value the optimizer found comes first: the losses after it were computed from broken weights.
              const at = health.value ? health.value.slot - s0 : bad;
              const t = stepBase + at + 1;
              const value = health.value && locate(this.model.layout, health.value.index, health.value.kind);
              const loss = at < count ? losses[at] : null;
              // With value checks the run goes back to the chunk's start (the state kept in its slot); without, to
              // the step before the failing loss, whose weights the GPU left in place (it stopped updating there).
              const kept = this.graph.buffers.kept.length > 0;
              const back = kept ? { s0, stepBase } : { s0: s0 + at, stepBase: t - 1 };
              diverged = { run, ...back, slot, epoch: run.epoch, stepInEpoch: s0 + at + 1, step: t, loss, lr: lrAt(this.recipe, t), value, keptStep: back.stepBase };
              failure ??= divergenceError(diverged);
              return;
            }
            const diagnostics = sampled && this.readSamples(new Uint32Array(bytes.slice(STATS_AT)), sampled, samples, run.epoch);
            run.losses.set(losses, s0);
            run.done += count;
            if (diagnostics?.length) run.lastSample = diagnostics[diagnostics.length - 1];
            const seconds = run.seconds + (now() - run.segmentStart);
            options.onProgress?.({
              epoch: run.epoch,
              epochs: this.recipe.epochs,
              stepInEpoch: run.done,
              stepsPerEpoch: this.stepsPerEpoch,
              step: stepBase + count,
              loss: losses.reduce((a, b) => a + b, 0) / count,
              samplesPerSecond: (run.done * this.recipe.batch) / Math.max(seconds, 1e-9),
              losses,
              ...(diagnostics ? { diagnostics } : {}),
            });
            if (run.done === this.stepsPerEpoch) {
              this.epoch = run.epoch;
              const result = this.finishEpoch(run, seconds);
              results.push(result);
              options.onEpoch?.(result);
            }
          },
          (error: unknown) => {
            failure ??= this.ctx.lost ? new GpuError('the GPU device was lost during training') : (error as Error);
          },
        ),
      );
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (diverged) {
      if (sampled && !diverged.value) failure = divergenceError(diverged, await this.measureDiverged(sampled, diverged.run, diverged));
      this.goBack(diverged.run, diverged.s0, diverged.stepBase, diverged.slot);
    }
    if (this.cursor) this.cursor.seconds += now() - this.cursor.segmentStart;
    if (failure) throw failure;
    this.ctx.check();
    return results;
  }

  /** The sampled step (built once), with staging buffers grown to carry a chunk's statistics. */
  private sampledStep(): Promise<SampledStep> {
    this.sampled ??= prepareSampledStep(this.ctx, this.model, this.recipe, this.graph).then((sampled) => {
      this.owned.push(...sampled.allocated);
      // Between runs every staging buffer is free: swap them for ones with room for the statistics.
      const bytes = STATS_AT + sampled.slots * sampled.slotWords * 4;
      for (const old of this.staging.splice(0)) {
        this.owned.splice(this.owned.indexOf(old), 1);
        this.ctx.destroyBuffer(old);
      }
      this.staging.push(...this.makeStaging(bytes));
      return sampled;
    });
    return this.sampled;
  }

  /** The chunk's samples, read from its statistics words; each carries the run's first non-finite statistic from then on. */
  private readSamples(words: Uint32Array, sampled: SampledStep, steps: number[], epoch: number): StepDiagnostics[] {
    return steps.map((t, slot) => {
      const sample = readSample(words, slot * sampled.slotWords, this.model.widths, t, epoch);
      this.brokeAt ??= sample.nonFinite;
      return this.brokeAt ? { ...sample, nonFinite: this.brokeAt } : sample;
    });
  }

  /**
   * The step that diverged, measured: the weights have not changed since it (the GPU stopped updating them
   * there), so running it again as a sampled step on its batch shows where the values stopped being finite.
   * One awaited readback, after the run has failed.
   */
  private measureDiverged(sampled: SampledStep, run: EpochRun, d: Divergence): Promise<StepDiagnostics> {
    return measureStep(this.ctx, sampled, this.model.widths, d.step, d.epoch, () => {
      // A later epoch may have replaced that epoch's permutation: put it back (and the current one after).
      this.ctx.write(this.train.perm, this.orderFrom(run.rngBefore));
      this.graph.stepSlots.write([{ ...this.stepValues(d.stepInEpoch - 1, d.step), diagSlot: 0 }]);
      return this.graph.stepSlots.offset(0);
    }, () => {
      if (this.cursor && this.cursor !== run) this.ctx.write(this.train.perm, this.orderFrom(this.cursor.rngBefore));
    });
  }

  /**
   * After a failing chunk: the parameters and optimizer state kept before it (in `slot`) put back, and the
   * counters, the epoch being trained and the shuffle set as they were when that chunk began (step
   * `stepBase`, `s0` steps into `run`'s epoch). Without value checks nothing was kept: the counters go back to
   * the step before the failing loss, and the weights stay as the GPU left them (it stopped updating there).
   */
  private goBack(run: EpochRun, s0: number, stepBase: number, slot: number): void {
    const { buffers } = this.graph;
    const encoder = this.ctx.device.createCommandEncoder({ label: 'back to the state before the failing chunk' });
    this.keep(encoder, slot, 'from');
    this.ctx.device.queue.submit([encoder.finish()]);
    this.ctx.write(buffers.health, healthyWords());
    this.brokeAt = undefined;
    this.step = stepBase;
    this.epoch = run.epoch - 1;
    this.shuffle.setState(run.rngBefore);
    if (s0 === 0) {
      // The chunk began the epoch: the epoch is not begun yet (its order is drawn again when it is).
      this.epochsBegun = run.epoch - 1;
      this.cursor = null;
      return;
    }
    // The shuffle as it was after drawing this epoch's order (a later epoch's may have been drawn meanwhile).
    this.epochsBegun = run.epoch;
    run.submitted = run.done = s0;
    this.cursor = run;
    this.ctx.write(this.train.perm, permutation(this.train.count, this.shuffle));
  }

  /** Copies the parameters and the optimizer state to or from kept slot `slot` (nothing without value checks). */
  private keep(encoder: GPUCommandEncoder, slot: number, direction: 'to' | 'from'): void {
    const { buffers } = this.graph;
    const kept = buffers.kept[slot];
    if (!kept) return;
    [buffers.params, ...buffers.state].forEach((live, i) =>
      direction === 'to' ? encoder.copyBufferToBuffer(live, 0, kept[i], 0, live.size) : encoder.copyBufferToBuffer(kept[i], 0, live, 0, live.size),
    );
  }

  /** The permutation an epoch draws from the shuffle's state `state`. */
  private orderFrom(state: RngState): Uint32Array {
    const rng = new Rng(0);
    rng.setState(state);
    return permutation(this.train.count, rng);
  }

  private beginEpoch(): EpochRun {
    this.epochsBegun++;
    const rngBefore = this.shuffle.getState();
    this.ctx.write(this.train.perm, permutation(this.train.count, this.shuffle));
    return { epoch: this.epochsBegun, rngBefore, submitted: 0, done: 0, losses: new Float32Array(this.stepsPerEpoch), seconds: 0, segmentStart: now(), readbacks: 0 };
  }

  /**
   * Everything that decides the rest of the run, copied back from the GPU: parameters, optimizer state,
   * counters, the shuffle's random state, and the position inside an interrupted epoch. Take it between
   * run() calls (run() resolves only once its chunks are done).
   */
  async snapshot(): Promise<TrainingState> {
    this.assertUsable();
    const floats = this.model.layout.totalFloats;
    const [params, ...optimizer] = await Promise.all(
      [this.graph.buffers.params, ...this.graph.buffers.state].map(async (b) => new Float32Array(await readBytes(this.ctx, b, 0, floats * 4))),
    );
    const c = this.cursor;
    return {
      recipe: { ...this.recipe },
      params,
      optimizer,
      epoch: this.epoch,
      step: this.step,
      rng: c ? c.rngBefore : this.shuffle.getState(),
      partialEpoch: c ? { epoch: c.epoch, done: c.done, losses: c.losses.slice(0, c.done), seconds: c.seconds } : null,
    };
  }

  /** Puts this (new) trainer in the state `snapshot()` described; its recipe must have the same shapes. */
  restore(state: TrainingState): void {
    this.assertUsable();
    const floats = this.model.layout.totalFloats;
    if (state.params.length !== floats || state.optimizer.length !== this.graph.buffers.state.length || state.optimizer.some((o) => o.length !== floats)) {
      throw new ConfigError(`the saved state does not fit this model (${this.model.widths.join('-')}, ${this.recipe.optimizer})`);
    }
    const partial = state.partialEpoch;
    const expected = state.epoch * this.stepsPerEpoch + (partial?.done ?? 0);
    if (state.step !== expected || (partial && partial.done >= this.stepsPerEpoch)) {
      const at = partial ? `${state.epoch} epochs and ${partial.done} steps` : `${state.epoch} epochs`;
      throw new ConfigError(`the saved state says step ${state.step} after ${at}, but this dataset gives ${this.stepsPerEpoch} steps per epoch (step ${expected}): it was saved from another dataset, or the file was changed`);
    }
    this.ctx.write(this.graph.buffers.params, state.params);
    state.optimizer.forEach((o, i) => this.ctx.write(this.graph.buffers.state[i], o));
    this.ctx.write(this.graph.buffers.health, healthyWords());
    this.brokeAt = undefined;
    Object.assign(this.recipe, state.recipe);
    this.epoch = state.epoch;
    this.step = state.step;
    this.shuffle.setState(state.rng);
    this.epochsBegun = state.epoch;
    this.cursor = null;
    if (partial) {
      const run = this.beginEpoch();
      run.losses.set(partial.losses);
      run.submitted = run.done = partial.done;
      run.seconds = partial.seconds;
      this.cursor = run;
    }
  }

  private finishEpoch(run: EpochRun, seconds: number): EpochResult {
    let sum = 0;
    for (const l of run.losses) sum += l;
    const steps = this.stepsPerEpoch;
    const result: EpochResult = { epoch: run.epoch, loss: sum / steps, seconds, samplesPerSecond: (steps * this.recipe.batch) / seconds, steps, readbacks: run.readbacks };
    return run.lastSample ? { ...result, diagnostics: run.lastSample } : result;
  }

  private stepValues(stepInEpoch: number, t: number): StepValues {
    const { beta1, beta2, momentum } = this.recipe;
    const lr = lrAt(this.recipe, t);
    return {
      batchBase: stepInEpoch * this.recipe.batch,
      lossSlot: stepInEpoch,
      stepSize: lr / (1 - Math.pow(beta1, t)),
      invSqrtBc2: 1 / Math.sqrt(1 - Math.pow(beta2, t)),
      lr,
      momentum,
    };
  }

  /** Grows (or shrinks) the chunk toward TARGET_CHUNK_SECONDS of GPU work. */
  private adaptChunk(steps: number, seconds: number, queued: number): void {
    const perStep = seconds / (steps * (queued + 1));
    const wanted = Math.round(TARGET_CHUNK_SECONDS / Math.max(perStep, 1e-6));
    this.chunkSteps = Math.max(1, Math.min(MAX_CHUNK_STEPS, wanted, this.chunkSteps * 2));
  }

  /** Accuracy, confusion matrix and every prediction on the whole test set; one awaited readback. */
  async evaluate(): Promise<EvalResult> {
    this.assertUsable();
    const { device } = this.ctx;
    const { evalRows, evalBatches, buffers, evalSlots } = this.graph;
    const C = this.model.outputSize;
    evalSlots.write(Array.from({ length: evalBatches }, (_, j) => ({ batchBase: j * evalRows, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0 })));
    const encoder = device.createCommandEncoder({ label: 'evaluate' });
    encoder.clearBuffer(buffers.confusion);
    const pass = encoder.beginComputePass();
    for (let j = 0; j < evalBatches; j++) encode(pass, this.graph.evalBatch, evalSlots.offset(j));
    pass.end();
    device.queue.submit([encoder.finish()]);
    const [confusionBytes, predictionBytes] = await Promise.all([
      readBytes(this.ctx, buffers.confusion, 0, C * C * 4),
      readBytes(this.ctx, buffers.predictions, 0, this.test.count * 4),
    ]);
    this.ctx.check();
    const confusion = new Uint32Array(confusionBytes);
    let correct = 0;
    for (let c = 0; c < C; c++) correct += confusion[c * C + c];
    return { correct, count: this.test.count, accuracy: correct / this.test.count, confusion, predictions: new Uint32Array(predictionBytes) };
  }

  /**
   * Class probabilities for one image (imageSize u8 pixels) under the current weights: the same forward
   * kernels as training, reading the image from a one-image upload; softmax on the CPU in float64.
   */
  async predict(pixels: Uint8Array): Promise<number[]> {
    this.assertUsable();
    if (pixels.length !== this.train.imageSize) {
      throw new ConfigError(`an image to classify must have ${this.train.imageSize} pixels, got ${pixels.length}`);
    }
    this.predictor ??= buildPredictor(this.ctx, this.model, this.graph, this.train).then((p) => {
      this.owned.push(...p.buffers);
      return p;
    });
    return classify(this.ctx, await this.predictor, this.graph, this.model, pixels);
  }

  /**
   * The depth probe (see probeStep): activation and gradient statistics of every layer at this point, from
   * one forward and backward pass on a random real batch, without an update. Call it on a fresh trainer.
   */
  probe(): Promise<ProbeStats> {
    this.assertUsable();
    const order = permutation(this.train.count, new Rng(deriveSeed(this.recipe.seed, 2)));
    return probeStep(this.ctx, this.model, this.graph, this.recipe.batch, () => {
      this.ctx.write(this.train.perm, order);
      this.graph.stepSlots.write([this.stepValues(0, 1)]);
      return this.graph.stepSlots.offset(0);
    });
  }

  /** The parameter arena (see ParamLayout), copied back from the GPU. */
  async readParameters(): Promise<Float32Array> {
    this.assertUsable();
    return new Float32Array(await readBytes(this.ctx, this.graph.buffers.params, 0, this.model.layout.totalFloats * 4));
  }

  /** Replaces the parameters (arena layout) and clears the optimizer's state. */
  writeParameters(arena: Float32Array): void {
    this.assertUsable();
    if (arena.length !== this.model.layout.totalFloats) throw new ConfigError(`parameter arena has ${arena.length} floats, expected ${this.model.layout.totalFloats}`);
    this.ctx.write(this.graph.buffers.params, arena);
    this.ctx.write(this.graph.buffers.health, healthyWords());
    this.brokeAt = undefined;
    const encoder = this.ctx.device.createCommandEncoder();
    for (const state of this.graph.buffers.state) encoder.clearBuffer(state);
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** Frees every buffer this trainer allocated. The context (and its device) stay with their owner. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of this.owned) this.ctx.destroyBuffer(buffer);
    this.owned.length = 0;
  }

  private assertUsable(): void {
    if (this.destroyed) throw new Error('this trainer was destroyed');
    this.ctx.check();
  }
}
