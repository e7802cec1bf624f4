/**
 * The engine as the page's worker runs it: one GPU device and one upload of the dataset, shared by the main
 * run (main-run.ts), the initialization lab and the depth probe (lab.ts). Commands come in through handle(),
 * events go out through `post`; every command but init gets exactly one reply with its id (protocol.ts).
 * Every failure becomes an 'error' event; the session stays usable.
 *
 * Start: the GPU device first, then the dataset. A device that cannot be had is 'unsupported'; a dataset that
 * cannot be fetched is an error about the dataset (with what the server answered, as data) and the state
 * 'no-data', from which the user's own files ('load-dataset') lead to 'idle'.
 *
 * Order. Commands wait their turn in one queue and are handled one at a time, in the order sent, except:
 * stats, simulate-device-loss and test-image, answered at once; pause, stop and set-lr, at once while a run
 * trains and no command that begins or replaces the run waits before them (otherwise they wait, so that
 * "start, stop" stops the run that start begins); lab-stop likewise for the lab. The run and the lab train
 * in the background, so the queue is free for requests while they do; a command is answered when what it
 * asked for has happened ('done' for start: the new run trains; for pause: the run has paused). Two
 * actions, the second sent while the first is under way:
 *
 * | first                           | second                             | outcome                                                      |
 * | ------------------------------- | ---------------------------------- | ------------------------------------------------------------ |
 * | a run training (or evaluating)  | start                              | queued: the new model is built, then replaces the run         |
 * | a run training                  | pause, stop, set-lr                | at once                                                      |
 * | a run training                  | predict, export-weights            | answered from the weights of the latest step                 |
 * | a run training                  | step, fine-tune, import-weights    | refused: pause or stop the run first; nothing was changed    |
 * | a run training                  | load-dataset                       | refused: pause or stop the run first; nothing was changed    |
 * | start (building), import, step  | pause, stop, set-lr                | queued behind it: they act on the run it leaves              |
 * | start                           | start                              | queued: the second run replaces the first                    |
 * | import-weights                  | stop                               | queued: the import completes, stop finds no run to stop      |
 * | lab (building its models)       | probe, lab-stop                    | queued: the probe measures, or lab-stop stops, once it trains |
 * | the lab training                | probe, start, predict, ...         | beside the lab (each builds its own models on the device)    |
 * | the lab training                | lab                                | the running lab stops ('lab-done'), then the new one begins  |
 * | lab-stop                        | lab                                | queued: the old lab has ended before the new one begins      |
 * | the lab training                | load-dataset                       | refused: stop the lab first; nothing was changed             |
 * | a probe (or any queued command) | load-dataset, export, ...          | queued: handled once the first is answered                   |
 * | export-weights                  | export-weights                     | queued: each gets the file                                   |
 * | weights imported                | resume, step                       | refused: fine-tune them, or start a new run                  |
 * | no run in progress              | set-lr                             | refused: the rate applies when the next run starts           |
 * | prepare (compiling)             | start                              | queued: the run starts with the kernels compiled             |
 * | nothing to pause or stop        | pause, stop, lab-stop              | done, nothing changed                                        |
 */
import { createContext } from '../gpu/acquire.ts';
import type { GpuContext } from '../gpu/context.ts';
import { fetchIdxDataset } from '../data/fetch.ts';
import { DataError, datasetFromFiles, type Dataset, type NamedFile } from '../data/idx.ts';
import { ConfigError } from '../train/recipe.ts';
import { freeImages, imageSetBytes, uploadDataset, type GpuDataset } from '../train/gpu-dataset.ts';
import { DivergenceError, Trainer } from '../train/trainer.ts';
import { Lab, probe } from './lab.ts';
import { MainRun, Refusal, type Env, type Fail, type Post } from './main-run.ts';
import { MAX_DATASET_BYTES, type Command, type EngineError, type EngineEvent, type Reply, type RunState } from './protocol.ts';
import { testImage } from './test-set.ts';

/** What a queued command begins or replaces: pause, stop and set-lr wait behind the run's, lab-stop behind the lab's. */
const BEGINS: Partial<Record<Command['type'], ReadonlyArray<'run' | 'lab'>>> = {
  init: ['run', 'lab'],
  'load-dataset': ['run', 'lab'],
  recover: ['run', 'lab'],
  start: ['run'],
  resume: ['run'],
  step: ['run'],
  'fine-tune': ['run'],
  'import-weights': ['run'],
  lab: ['lab'],
};

const DEVICE_LOST = 'The GPU device was lost: resume on a new device (recover) first.';

/** The bytes a reply hands over rather than copies. */
function transfers(event: EngineEvent): Transferable[] {
  if (event.type === 'weights') return [event.bytes.buffer as ArrayBuffer];
  if (event.type === 'test-image') return [event.pixels.buffer as ArrayBuffer];
  return [];
}

export class EngineSession {
  private ctx: GpuContext | null = null;
  private dataset: Dataset | null = null;
  private images: GpuDataset | null = null;
  private state: RunState = 'loading';
  private readonly run: MainRun;
  private readonly lab: Lab;
  private queue: Promise<void> = Promise.resolve();
  /** Queued commands (waiting or in progress) that begin or replace the run, and the lab. */
  private readonly waiting = { run: 0, lab: 0 };
  private disposed = false;

  constructor(private readonly gpu: GPU | undefined, private readonly post: Post) {
    const session = this;
    this.run = new MainRun({
      post,
      fail: this.fail,
      env: () => this.env(),
      get state() {
        return session.state;
      },
      setState: (state) => this.setState(state),
      get lost() {
        return session.ctx?.lost ?? false;
      },
    });
    this.lab = new Lab(post, this.fail);
  }

  /** Takes a command as the worker receives it (see the header for the order); resolves once it is answered. */
  handle(command: Command): Promise<void> {
    if (this.actsAtOnce(command)) return this.answer(command);
    const begins = BEGINS[command.type] ?? [];
    for (const what of begins) this.waiting[what]++;
    const turn = this.queue.then(() => this.answer(command));
    this.queue = turn.finally(() => {
      for (const what of begins) this.waiting[what]--;
    });
    return this.queue;
  }

  private actsAtOnce(command: Command): boolean {
    switch (command.type) {
      case 'stats':
      case 'simulate-device-loss':
      case 'test-image':
        return true;
      case 'pause':
      case 'stop':
      case 'set-lr':
        return this.run.training && this.waiting.run === 0;
      case 'lab-stop':
        return this.lab.running && this.waiting.lab === 0;
      default:
        return false;
    }
  }

  private async answer(command: Command): Promise<void> {
    try {
      const reply = await this.dispatch(command);
      if (command.type === 'init') return;
      const event: EngineEvent = reply ?? { type: 'done', id: command.id };
      this.post(event, transfers(event));
    } catch (error) {
      // Whatever a lost device broke mid-way, the page hears the one thing to do about it.
      this.fail(this.ctx?.lost ? new Refusal(DEVICE_LOST) : error, command.type === 'init' ? {} : { id: command.id });
    }
  }

  private async dispatch(command: Command): Promise<Reply | void> {
    switch (command.type) {
      case 'init':
        return this.init(command.dataUrl);
      case 'load-dataset':
        return this.loadDataset(command.name, command.files);
      case 'prepare': {
        const { ctx, dataset, images } = this.env();
        (await Trainer.create(ctx, dataset, command.recipe, { images })).destroy();
        return;
      }
      case 'start':
        return this.run.start(command.id, command.recipe, command.evalEachEpoch);
      case 'pause':
        return this.run.pause();
      case 'resume':
        return this.run.resume();
      case 'stop':
        return this.run.stop();
      case 'step':
        return this.run.step(command.id, command.recipe);
      case 'fine-tune':
        return this.run.fineTune(command.id, command.recipe, command.evalEachEpoch);
      case 'set-lr':
        return this.run.setLearningRate(command.id, command.lr);
      case 'predict':
        return this.run.predict(command.id, command.pixels);
      case 'test-image':
        if (!this.dataset) throw new Refusal(this.missingDataset());
        return { type: 'test-image', id: command.id, ...testImage(this.dataset.test, command.index) };
      case 'export-weights':
        return this.run.exportWeights(command.id);
      case 'import-weights':
        return this.run.importWeights(command.id, command.bytes, command.name);
      case 'probe':
        return { type: 'probe', id: command.id, results: await probe(this.env(), command.layers, command.inits, command.batch, command.seed) };
      case 'lab':
        return this.lab.start(command.id, this.env(), command.recipe, command.inits, command.diagnosticsEvery);
      case 'lab-stop':
        return this.lab.stop();
      case 'recover':
        return this.recover();
      case 'stats': {
        const ctx = this.ctx;
        const { total, byPurpose } = ctx ? ctx.bytes() : { total: 0, byPurpose: {} };
        return { type: 'stats', id: command.id, bytes: total, byPurpose, buffers: ctx?.liveBuffers().length ?? 0, pipelines: ctx?.pipelineCount ?? 0 };
      }
      case 'simulate-device-loss':
        this.env().ctx.device.destroy();
        return;
    }
  }

  /** The device first, then the dataset: a dataset that is missing then leaves a working engine in 'no-data'. */
  private async init(dataUrl: string): Promise<void> {
    const unsupported = await this.acquire();
    if (unsupported) {
      this.post({ type: 'unsupported', reason: unsupported });
      return;
    }
    try {
      const dataset = await fetchIdxDataset(dataUrl);
      this.images = uploadDataset(this.ctx!, dataset);
      this.dataset = dataset;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.fail(new DataError(`The dataset could not be loaded from ${dataUrl}: ${reason}.`, error instanceof DataError ? error.source : null), { about: 'dataset' });
      this.setState('no-data');
      return;
    }
    this.postReady();
  }

  /** A device, or why none can be had (what the page shows instead of the engine). */
  private async acquire(): Promise<string | null> {
    if (!this.gpu) return 'This browser does not offer WebGPU to workers. Use a recent Chrome or Edge (113 or later).';
    const adapter = await this.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      return 'WebGPU is present but no GPU adapter is available (it may be turned off or blocked for this GPU). Check chrome://gpu, update the graphics driver, or enable chrome://flags/#enable-unsafe-webgpu.';
    }
    try {
      await this.connect();
    } catch (error) {
      return `The GPU adapter would not give this page a device (${error instanceof Error ? error.message : String(error)}). Reload the page, or check chrome://gpu.`;
    }
    return null;
  }

  /**
   * A new device, with room for the largest dataset a user may load (the adapter's own limits, see
   * requestDevice); its loss is reported with the checkpoint to resume from.
   */
  private async connect(): Promise<void> {
    const ctx = await createContext(this.gpu!, { maxStorageBufferBindingSize: MAX_DATASET_BYTES, maxBufferSize: MAX_DATASET_BYTES });
    this.ctx = ctx;
    void ctx.device.lost.then((info) => {
      if (this.ctx !== ctx || this.disposed) return;
      this.run.interrupt();
      this.lab.interrupt();
      const { checkpoint, offer } = this.run.checkpoint();
      const reason = info.message || info.reason;
      this.post({ type: 'device-lost', message: `The GPU device was lost (${reason.endsWith('.') ? reason.slice(0, -1) : reason}). ${offer}`, checkpoint });
      this.setState('error');
    });
  }

  private postReady(): void {
    const { ctx, dataset } = this.env();
    const { train, test } = dataset;
    this.post({ type: 'ready', adapter: ctx.adapter, dataset: { name: dataset.name, train: train.count, test: test.count, rows: train.rows, cols: train.cols, classes: dataset.numClasses } });
    this.setState('idle');
  }

  /**
   * Replaces the dataset with the user's four IDX files. Everything is checked before anything changes: a
   * refused file leaves the old dataset, and any model on it, as they were. Once accepted, the model is
   * freed with the old upload, and the new dataset is uploaded on the same device (a new one if it was lost).
   */
  private async loadDataset(name: string, files: NamedFile[]): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) throw new Refusal('The engine has no GPU device, so it cannot load a dataset.');
    if (this.run.training) throw new Refusal('Pause or stop the run before loading a dataset; nothing was changed.');
    if (this.lab.running) throw new Refusal('The initialization lab is training on the current dataset: stop it before loading another; nothing was changed.');
    const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
    if (total > MAX_DATASET_BYTES) {
      throw new DataError(`the dataset's files are ${(total / 2 ** 20).toFixed(1)} MB together; datasets above ${MAX_DATASET_BYTES / 2 ** 20} MB are refused`);
    }
    const dataset = await datasetFromFiles(files, name);
    const { maxBufferSize, maxStorageBufferBindingSize } = ctx.device.limits;
    const limit = Math.min(maxBufferSize, maxStorageBufferBindingSize);
    for (const set of [dataset.train, dataset.test]) {
      const bytes = imageSetBytes(set, set.count);
      if (bytes > limit) throw new DataError(`${set.name}: ${set.count} images of ${set.rows}x${set.cols} take ${(bytes / 2 ** 20).toFixed(1)} MB on the GPU, above this device's ${(limit / 2 ** 20).toFixed(0)} MB per buffer`);
    }
    await this.run.forget();
    if (ctx.lost) {
      // Nothing to free on a lost device: a new device, with the new dataset on it.
      ctx.destroy();
      this.ctx = null;
      this.images = null;
      await this.connect();
      this.images = uploadDataset(this.ctx!, dataset);
    } else {
      // Upload first, free after: should the upload fail, the old dataset is still whole.
      const images = uploadDataset(ctx, dataset);
      if (this.images) {
        freeImages(ctx, this.images.train);
        freeImages(ctx, this.images.test);
      }
      this.images = images;
    }
    this.dataset = dataset;
    this.postReady();
  }

  /** After a lost device: a new device, the dataset uploaded again, and the model back from its snapshot. */
  private async recover(): Promise<void> {
    const lost = this.ctx;
    if (!lost?.lost) throw new Refusal('The GPU device is not lost; there is nothing to recover.');
    await this.run.halt();
    await this.lab.stop();
    lost.destroy();
    this.ctx = null;
    this.images = null;
    await this.connect();
    if (!this.dataset) {
      this.setState('no-data');
      return;
    }
    this.images = uploadDataset(this.ctx!, this.dataset);
    await this.run.reconnect(this.env());
  }

  /** The device and dataset; a sentence saying what is missing otherwise. */
  private env(): Env {
    if (this.ctx?.lost) throw new Refusal(DEVICE_LOST);
    if (!this.ctx || !this.dataset || !this.images) {
      throw new Refusal(this.missingDataset());
    }
    return { ctx: this.ctx, dataset: this.dataset, images: this.images };
  }

  private missingDataset(): string {
    return this.state === 'no-data' ? 'There is no dataset: load one (the four IDX files) first.' : 'The engine is still loading the dataset; try again in a moment.';
  }

  private setState(state: RunState): void {
    this.state = state;
    this.post({ type: 'state', state });
  }

  /** Reports a failure, with the setting at fault (a ConfigError's) or the dataset's source (a DataError's) as data. */
  private readonly fail: Fail = (error, where) => {
    const event: EngineError = { type: 'error', message: error instanceof Error ? error.message : String(error), ...where };
    if (error instanceof ConfigError) {
      if (error.field !== null) event.field = error.field;
      if (error.allowed !== null) event.allowed = error.allowed;
      if (error.index !== null) event.index = error.index;
    }
    if (error instanceof DataError && error.source) event.source = error.source;
    if (error instanceof DivergenceError && error.diagnostics) event.diagnostics = error.diagnostics;
    this.post(event);
  };

  /** Frees everything: the lab's and the run's models, the dataset upload, the device. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.lab.stop();
    await this.run.forget();
    if (this.ctx && this.images) {
      freeImages(this.ctx, this.images.train);
      freeImages(this.ctx, this.images.test);
    }
    this.ctx?.destroy();
  }
}
