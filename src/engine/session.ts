/**
 * The engine as the page's worker runs it: one GPU device and one upload of the dataset, shared by the main
 * run, the initialization lab and the depth probe. Commands come in (protocol.ts), events go out through
 * `post`. Every failure becomes an 'error' event; the session stays usable.
 */
import { createContext } from '../gpu/acquire.ts';
import type { GpuContext } from '../gpu/context.ts';
import { fetchIdxDataset } from '../data/fetch.ts';
import { DataError, datasetFromFiles, type Dataset, type NamedFile } from '../data/idx.ts';
import { Rng } from '../init/rng.ts';
import { weightsFromSafetensors, weightsToSafetensors } from '../index.ts';
import { ConfigError, type Recipe } from '../train/recipe.ts';
import { freeImages, uploadDataset, type GpuDataset } from '../train/gpu-dataset.ts';
import { DivergenceError, Trainer, type EvalResult, type Progress, type TrainingState } from '../train/trainer.ts';
import { MAX_DATASET_BYTES, type Command, type DigitSample, type EngineEvent, type Evaluation, type ProbeResult, type RunState } from './protocol.ts';

const MISCLASSIFIED_SHOWN = 48;

/** What a failed command concerns, so its error reaches the element that sent it. */
function concerning(command: Command): Pick<Extract<EngineEvent, { type: 'error' }>, 'about' | 'id'> {
  if ('id' in command) return { id: command.id };
  if (command.type === 'lab' || command.type === 'lab-stop') return { about: 'lab' };
  if (command.type === 'load-dataset') return { about: 'dataset' };
  if (command.type === 'init' || command.type === 'simulate-device-loss') return {};
  return { about: 'run' };
}
/** Steps each lab run takes before the next one gets the GPU. */
const LAB_SLICE = 4;

type Post = (event: EngineEvent, transfer?: Transferable[]) => void;

export class EngineSession {
  private ctx: GpuContext | null = null;
  private dataset: Dataset | null = null;
  private images: GpuDataset | null = null;
  private trainer: Trainer | null = null;
  private evalEachEpoch = true;
  private state: RunState = 'loading';
  private pauseRequest: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private lab: { stop: AbortController; done: Promise<void> } | null = null;
  /** The run's state after its last finished epoch (or its start), kept to survive a lost device or divergence. */
  private snapshot: TrainingState | null = null;
  private disposed = false;

  constructor(private readonly gpu: GPU | undefined, private readonly post: Post) {}

  async handle(command: Command): Promise<void> {
    try {
      await this.dispatch(command);
    } catch (error) {
      this.fail(error, concerning(command));
    }
  }

  private async dispatch(command: Command): Promise<void> {
    switch (command.type) {
      case 'init':
        return this.init(command.dataUrl);
      case 'load-dataset':
        return this.loadDataset(command.name, command.files);
      case 'start':
        return this.start(command.recipe, command.evalEachEpoch);
      case 'pause':
        this.pauseRequest?.abort();
        return;
      case 'resume':
        if (this.trainer && this.state === 'paused') this.resume();
        return;
      case 'stop':
        return this.stop();
      case 'step':
        return this.step(command.recipe);
      case 'set-lr':
        this.requireTrainer().setLearningRate(command.lr);
        return;
      case 'predict': {
        const probabilities = await this.requireTrainer().predict(command.pixels);
        this.post({ type: 'prediction', id: command.id, probabilities });
        return;
      }
      case 'export-weights': {
        const trainer = this.requireTrainer();
        const bytes = weightsToSafetensors(trainer.model, await trainer.readParameters(), trainer.recipe);
        this.post({ type: 'weights', bytes, filename: `mlp-${trainer.model.widths.join('-')}.safetensors` }, [bytes.buffer]);
        return;
      }
      case 'import-weights':
        return this.importWeights(command.bytes, command.recipe);
      case 'probe':
        return this.probe(command);
      case 'lab':
        return this.startLab(command.recipe, command.inits);
      case 'lab-stop':
        this.lab?.stop.abort();
        return;
      case 'recover':
        return this.recover();
      case 'stats': {
        const ctx = this.ctx;
        const { total, byPurpose } = ctx ? ctx.bytes() : { total: 0, byPurpose: {} };
        this.post({ type: 'stats', id: command.id, bytes: total, byPurpose, buffers: ctx?.liveBuffers().length ?? 0, pipelines: ctx?.pipelineCount ?? 0 });
        return;
      }
      case 'simulate-device-loss':
        this.ready().ctx.device.destroy();
        return;
    }
  }

  private async init(dataUrl: string): Promise<void> {
    if (!this.gpu) {
      this.post({ type: 'unsupported', reason: 'This browser does not offer WebGPU to workers. Use a recent Chrome or Edge (113 or later).' });
      return;
    }
    const adapter = await this.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      this.post({ type: 'unsupported', reason: 'WebGPU is present but no GPU adapter is available (it may be turned off or blocked for this GPU). Check chrome://gpu, update the graphics driver, or enable chrome://flags/#enable-unsafe-webgpu.' });
      return;
    }
    const dataset = await fetchIdxDataset(dataUrl);
    this.dataset = dataset;
    await this.connect();
    this.postReady();
  }

  private postReady(): void {
    const { ctx, dataset } = this.ready();
    const { train, test } = dataset;
    this.post({ type: 'ready', adapter: ctx.adapter, dataset: { name: dataset.name, train: train.count, test: test.count, rows: train.rows, cols: train.cols, classes: dataset.numClasses } });
    this.setState('idle');
  }

  /**
   * Replaces the dataset with the user's four IDX files. Everything is checked before anything changes: a
   * refused file leaves the old dataset, and any run on it, as they were. Once accepted, runs and the lab stop,
   * the old trainer and upload are freed, and the new dataset is uploaded on the same device.
   */
  private async loadDataset(name: string, files: NamedFile[]): Promise<void> {
    const { ctx } = this.ready();
    const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
    if (total > MAX_DATASET_BYTES) {
      throw new DataError(`the dataset's files are ${(total / 2 ** 20).toFixed(1)} MB together; datasets above ${MAX_DATASET_BYTES / 2 ** 20} MB are refused`);
    }
    const dataset = await datasetFromFiles(files, name);
    const { maxBufferSize, maxStorageBufferBindingSize } = ctx.device.limits;
    const limit = Math.min(maxBufferSize, maxStorageBufferBindingSize);
    for (const set of [dataset.train, dataset.test]) {
      const bytes = set.count * Math.ceil((set.rows * set.cols) / 4) * 4;
      if (bytes > limit) throw new DataError(`${set.name}: ${set.count} images of ${set.rows}x${set.cols} take ${(bytes / 2 ** 20).toFixed(1)} MB on the GPU, above this device's ${(limit / 2 ** 20).toFixed(0)} MB per buffer`);
    }
    this.lab?.stop.abort();
    await this.lab?.done;
    await this.stopLoop();
    this.trainer?.destroy();
    this.trainer = null;
    this.snapshot = null;
    if (ctx.lost) {
      // No upload to free on a lost device: a new device, with the new dataset on it.
      ctx.destroy();
      this.ctx = null;
      this.images = null;
      this.dataset = dataset;
      await this.connect();
      this.postReady();
      return;
    }
    // Upload first, free after: should the upload fail, the old dataset is still whole.
    const images = uploadDataset(ctx, dataset);
    if (this.images) {
      freeImages(ctx, this.images.train);
      freeImages(ctx, this.images.test);
    }
    this.images = images;
    this.dataset = dataset;
    this.postReady();
  }

  /** A new device with the dataset uploaded; a loss of it is reported with the checkpoint to resume from. */
  private async connect(): Promise<void> {
    const dataset = this.dataset!;
    const bytes = dataset.train.count * Math.ceil((dataset.train.rows * dataset.train.cols) / 4) * 4;
    const ctx = await createContext(this.gpu!, { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes });
    this.ctx = ctx;
    this.images = uploadDataset(ctx, dataset);
    void ctx.device.lost.then((info) => {
      if (this.ctx !== ctx || this.disposed) return;
      const checkpoint = this.snapshot ? { epoch: this.snapshot.epoch, step: this.snapshot.step } : null;
      this.pauseRequest?.abort();
      this.lab?.stop.abort();
      this.post({
        type: 'device-lost',
        message: `The GPU device was lost (${(info.message || info.reason).replace(/\.+$/, '')}). ${checkpoint ? `Resume to continue from the checkpoint kept after epoch ${checkpoint.epoch} (step ${checkpoint.step}) on a new device.` : 'Start again to train on a new device.'}`,
        checkpoint,
      });
      this.setState('error');
    });
  }

  /** After a lost device: a new device, the dataset uploaded again, and the run continued from its snapshot. */
  private async recover(): Promise<void> {
    if (!this.ctx?.lost) throw new ConfigError('the GPU device is not lost; there is nothing to recover');
    await this.stopLoop();
    this.trainer?.destroy();
    this.trainer = null;
    this.ctx.destroy();
    this.ctx = null;
    this.images = null;
    await this.connect();
    if (this.snapshot) {
      const { ctx, dataset, images } = this.ready();
      this.trainer = await Trainer.resume(ctx, dataset, this.snapshot, { images });
      this.setState('paused');
    } else {
      this.setState('idle');
    }
  }

  private async newTrainer(recipe: Recipe): Promise<Trainer> {
    const { ctx, dataset, images } = this.ready();
    await this.stopLoop();
    this.trainer?.destroy();
    this.trainer = null;
    this.trainer = await Trainer.create(ctx, dataset, recipe, { images });
    this.snapshot = await this.trainer.snapshot();
    return this.trainer;
  }

  private async start(recipe: Recipe, evalEachEpoch: boolean): Promise<void> {
    this.evalEachEpoch = evalEachEpoch;
    await this.newTrainer(recipe);
    this.resume();
  }

  private resume(): void {
    const trainer = this.requireTrainer();
    const pause = new AbortController();
    this.pauseRequest = pause;
    this.setState('running');
    this.loop = (async () => {
      try {
        while (!trainer.finished && !pause.signal.aborted) {
          const epochs = await trainer.run({ signal: pause.signal, untilEpochEnd: true, onProgress: (progress) => this.postProgress(trainer, progress), onEpoch: (result) => this.post({ type: 'epoch', result }) });
          for (const result of epochs) {
            if (this.evalEachEpoch || trainer.finished) await this.evaluate(trainer, result.epoch);
          }
          if (epochs.length > 0) this.snapshot = await trainer.snapshot();
        }
        if (this.trainer === trainer) this.setState(trainer.finished ? 'finished' : this.stopping ? 'stopped' : 'paused');
      } catch (error) {
        if (this.trainer !== trainer || this.ctx?.lost) return;
        if (error instanceof DivergenceError && this.snapshot) {
          // Keep the last good weights: back to the state after the last finished epoch.
          trainer.restore(this.snapshot);
          this.fail(new DivergenceError(`${error.message} The weights and optimizer state after epoch ${this.snapshot.epoch} are kept; lower the learning rate and resume.`), { about: 'run' });
          this.setState('paused');
          return;
        }
        this.fail(error, { about: 'run' });
      }
    })();
  }

  private stopping = false;

  private async stopLoop(): Promise<void> {
    this.pauseRequest?.abort();
    await this.loop;
    this.loop = null;
  }

  private async stop(): Promise<void> {
    this.stopping = true;
    try {
      await this.stopLoop();
    } finally {
      this.stopping = false;
    }
    if (this.trainer && this.state !== 'finished') this.setState('stopped');
  }

  private async step(recipe: Recipe): Promise<void> {
    await this.stopLoop();
    const fresh = !this.trainer || this.trainer.finished || this.state === 'stopped' || this.state === 'idle' || this.state === 'error';
    const trainer = fresh ? await this.newTrainer(recipe) : this.requireTrainer();
    const epochs = await trainer.run({ maxSteps: 1, onProgress: (progress) => this.postProgress(trainer, progress), onEpoch: (result) => this.post({ type: 'epoch', result }) });
    for (const result of epochs) await this.evaluate(trainer, result.epoch);
    this.setState(trainer.finished ? 'finished' : 'paused');
  }

  private postProgress(trainer: Trainer, progress: Progress): void {
    this.post({ type: 'progress', progress, stepsTotal: trainer.stepsPerEpoch * trainer.recipe.epochs });
  }

  private async evaluate(trainer: Trainer, epoch: number): Promise<Evaluation> {
    const evaluation = this.describe(await trainer.evaluate(), epoch, trainer.recipe.seed);
    this.post({ type: 'evaluation', evaluation });
    return evaluation;
  }

  /** The evaluation as the page shows it: counts, a seeded random test digit and the misclassified ones. */
  private describe(result: EvalResult, epoch: number, seed: number): Evaluation {
    const test = this.ready().dataset.test;
    const size = test.rows * test.cols;
    const digit = (index: number): DigitSample => ({ index, label: test.labels[index], prediction: result.predictions[index], pixels: test.pixels.slice(index * size, (index + 1) * size) });
    const misclassified: DigitSample[] = [];
    for (let i = 0; i < result.count && misclassified.length < MISCLASSIFIED_SHOWN; i++) {
      if (result.predictions[i] !== test.labels[i]) misclassified.push(digit(i));
    }
    return {
      epoch,
      accuracy: result.accuracy,
      correct: result.correct,
      count: result.count,
      confusion: Array.from(result.confusion),
      sample: digit(new Rng((seed + epoch) >>> 0).nextInt(result.count)),
      misclassified,
    };
  }

  private async importWeights(bytes: Uint8Array, recipe: Recipe): Promise<void> {
    const trainer = await this.newTrainer(recipe);
    try {
      trainer.writeParameters(weightsFromSafetensors(trainer.model, bytes));
    } catch (error) {
      trainer.destroy();
      this.trainer = null;
      this.setState('idle');
      throw error;
    }
    const evaluation = this.describe(await trainer.evaluate(), 0, recipe.seed);
    this.post({ type: 'weights-imported', evaluation });
    this.setState('paused');
  }

  private async probe(command: Extract<Command, { type: 'probe' }>): Promise<void> {
    const { ctx, dataset, images } = this.ready();
    const results: ProbeResult[] = [];
    for (const init of command.inits) {
      const recipe: Recipe = { layers: command.layers, init, biasInit: 'zeros', optimizer: 'adam', lr: 1e-3, batch: command.batch, epochs: 1, seed: command.seed, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, trainLimit: 0 };
      const trainer = await Trainer.create(ctx, dataset, recipe, { images });
      try {
        results.push({ init, ...(await trainer.probe()) });
      } finally {
        trainer.destroy();
      }
    }
    this.post({ type: 'probe', id: command.id, results });
  }

  private async startLab(recipe: Recipe, inits: string[]): Promise<void> {
    const { ctx, dataset, images } = this.ready();
    if (inits.length === 0) throw new ConfigError('choose at least one initializer to compare');
    this.lab?.stop.abort();
    await this.lab?.done;
    const stop = new AbortController();
    const runs: Array<{ init: string; trainer: Trainer }> = [];
    const done = (async () => {
      try {
        for (const init of inits) runs.push({ init, trainer: await Trainer.create(ctx, dataset, { ...recipe, init }, { images }) });
        while (!stop.signal.aborted && runs.some((r) => !r.trainer.finished)) {
          for (const { init, trainer } of runs) {
            if (trainer.finished || stop.signal.aborted) continue;
            const epochs = await trainer.run({
              maxSteps: LAB_SLICE,
              signal: stop.signal,
              onProgress: (p) => this.post({ type: 'lab-progress', init, step: p.step - p.losses.length + 1, losses: Array.from(p.losses) }),
            });
            for (const e of epochs) {
              const { accuracy } = await trainer.evaluate();
              this.post({ type: 'lab-epoch', init, epoch: e.epoch, loss: e.loss, accuracy });
            }
          }
        }
      } catch (error) {
        this.fail(error, { about: 'lab' });
      } finally {
        for (const { trainer } of runs) trainer.destroy();
        this.post({ type: 'lab-done' });
      }
    })();
    this.lab = { stop, done };
  }

  private ready(): { ctx: GpuContext; dataset: Dataset; images: GpuDataset } {
    if (!this.ctx || !this.dataset || !this.images) throw new Error('the engine is still loading the dataset');
    return { ctx: this.ctx, dataset: this.dataset, images: this.images };
  }

  private requireTrainer(): Trainer {
    if (!this.trainer) throw new ConfigError('there is no model yet: start a run, take a step or import weights first');
    return this.trainer;
  }

  private setState(state: RunState): void {
    this.state = state;
    this.post({ type: 'state', state });
  }

  /** Reports a failure; `where` says what it concerns (the run, the lab, a request), for the page to route. */
  private fail(error: unknown, where: Pick<Extract<EngineEvent, { type: 'error' }>, 'about' | 'id'> = {}): void {
    const message = error instanceof Error ? error.message : String(error);
    const field = /^(\w+)(\[\d+\])? is /.exec(message)?.[1] ?? /^(\w+): /.exec(message)?.[1];
    this.post({ type: 'error', message, ...(field ? { field } : {}), ...where });
    if (this.state === 'running') this.setState(this.trainer ? 'paused' : 'idle');
  }

  /** Frees everything: trainers, the dataset upload, the device. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.lab?.stop.abort();
    await this.lab?.done;
    await this.stopLoop();
    this.trainer?.destroy();
    if (this.ctx && this.images) {
      freeImages(this.ctx, this.images.train);
      freeImages(this.ctx, this.images.test);
    }
    this.ctx?.destroy();
  }
}
