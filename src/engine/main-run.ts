/**
 * The page's model and the run that trains it: start, pause, resume, stop, single steps, fine-tuning, weights
 * imported from a file, and what is asked of the model meanwhile (predict, export, a new learning rate).
 *
 * A new model (start, a first step, fine-tune, import) is built beside the current one: until it is built
 * (and, for an import, evaluated) the current model, its run and its snapshot are untouched, so a refusal or
 * a failure changes nothing. Only then is the current run halted and its trainer freed.
 *
 * The training loop runs in the background, an epoch at a time, evaluating after epochs and keeping a
 * snapshot of the whole training state after each: the state a lost device goes back to. A run that meets a
 * value that is not finite goes back by itself (Trainer.run), to the state before its failing chunk of steps.
 * It takes diagnostics every defaultDiagnosticsEvery(layers) steps (their cost stays within 5% of the throughput);
 * they ride on the 'progress' and 'epoch' events, and a diverged run's error carries its step measured again.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { Dataset } from '../data/idx.ts';
import { SafetensorsError } from '../data/safetensors.ts';
import { weightsFromSafetensors, weightsToSafetensors } from '../index.ts';
import type { GpuDataset } from '../train/gpu-dataset.ts';
import { ConfigError, RECIPES, validateRecipe, type Recipe } from '../train/recipe.ts';
import { defaultDiagnosticsEvery } from '../train/sampling.ts';
import { DivergenceError, Trainer, type RunOptions, type TrainingState } from '../train/trainer.ts';
import type { EngineEvent, Evaluation, Reply, RunState } from './protocol.ts';
import { describeEvaluation } from './test-set.ts';
import { WeightFileError, widthsOfFile } from './weights-file.ts';

export type Post = (event: EngineEvent, transfer?: Transferable[]) => void;
export type Fail = (error: unknown, where: { id?: number; about?: 'run' | 'lab' | 'dataset' }) => void;

/** The device and the dataset on it. */
export interface Env {
  ctx: GpuContext;
  dataset: Dataset;
  images: GpuDataset;
}

/** An action refused in the engine's present state: the message says why and what to do instead. */
export class Refusal extends Error {
  override name = 'Refusal';
}

/** What the main run needs of its session. */
export interface RunSide {
  post: Post;
  fail: Fail;
  /** The device and dataset; throws a sentence when there are none, or the device is lost. */
  env(): Env;
  readonly state: RunState;
  setState(state: RunState): void;
  /** Whether the device is lost (its own event tells the page; a run that fails from it says nothing more). */
  readonly lost: boolean;
}

interface Loop {
  pause: AbortController;
  /** What the loop's end means: a pause, a stop, or a new model taking its place (then it reports nothing). */
  end: 'paused' | 'stopped' | 'replaced';
  done: Promise<void>;
}

const sameWidths = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);

export class MainRun {
  private trainer: Trainer | null = null;
  /** The whole training state after the last finished epoch (or the start, or the import). */
  private snapshot: TrainingState | null = null;
  /** The id of the command that began the run, carried by its events. */
  private runId = 0;
  /** The model came from a file: there is no run to resume, only weights to fine-tune. */
  private imported = false;
  private evalEachEpoch = true;
  private loop: Loop | null = null;

  constructor(private readonly side: RunSide) {}

  get training(): boolean {
    return this.loop !== null;
  }

  /** What 'recover' would continue from, and the sentence that offers it. */
  checkpoint(): { checkpoint: { epoch: number; step: number } | null; offer: string } {
    const s = this.snapshot;
    if (!s) return { checkpoint: null, offer: 'Start again to train on a new device.' };
    if (this.imported) return { checkpoint: { epoch: 0, step: 0 }, offer: 'Resume to load the imported weights again on a new device.' };
    return { checkpoint: { epoch: s.epoch, step: s.step }, offer: `Resume to continue from the checkpoint kept after epoch ${s.epoch} (step ${s.step}) on a new device.` };
  }

  /** A new model for `recipe`, trained from scratch; the current run (if any) trains on until it is built. */
  async start(id: number, recipe: Recipe, evalEachEpoch: boolean): Promise<void> {
    const { ctx, dataset, images } = this.side.env();
    const next = await Trainer.create(ctx, dataset, recipe, { images });
    await this.adopt(next, id, false);
    this.evalEachEpoch = evalEachEpoch;
    this.snapshot = await next.snapshot();
    this.train();
  }

  /** Trains the current model's weights under `recipe` (the model's widths; epochs from 0, optimizer state empty). */
  async fineTune(id: number, recipe: Recipe, evalEachEpoch: boolean): Promise<void> {
    const current = this.requireModel();
    if (this.training) throw new Refusal('Pause or stop the run before fine-tuning its weights; nothing was changed.');
    validateRecipe(recipe);
    const widths = current.model.widths;
    if (!sameWidths(recipe.layers, widths)) {
      throw new ConfigError(`layers is ${recipe.layers.join(',')}, but the model to fine-tune is ${widths.join('-')}; fine-tuning keeps the model's widths`, {
        field: 'layers',
        allowed: `the model's widths, ${widths.join(',')}`,
      });
    }
    const { ctx, dataset, images } = this.side.env();
    const next = await Trainer.create(ctx, dataset, recipe, { images });
    try {
      next.writeParameters(await current.readParameters());
    } catch (error) {
      next.destroy();
      throw error;
    }
    await this.adopt(next, id, false);
    this.evalEachEpoch = evalEachEpoch;
    this.snapshot = await next.snapshot();
    this.train();
  }

  /**
   * Loads the model a weight file holds, its widths read from the tensors, and evaluates it on the whole test
   * set, all beside the current model; only once that succeeded does the file's model replace it.
   */
  async importWeights(id: number, bytes: Uint8Array, name: string): Promise<Reply> {
    if (this.training) throw new Refusal('Pause or stop the run before importing weights; nothing was changed.');
    const { ctx, dataset, images } = this.side.env();
    const layers = widthsOfFile(bytes, name, dataset);
    // The training settings do not shape the model: the lesson's, with a batch the dataset can fill.
    const recipe: Recipe = { ...RECIPES.mlp, layers, epochs: 1, batch: Math.min(RECIPES.mlp.batch, dataset.train.count) };
    let candidate: Trainer;
    try {
      candidate = await Trainer.create(ctx, dataset, recipe, { images });
    } catch (error) {
      // The file, not a setting of the page, is what does not fit (too large for this device, say).
      if (error instanceof ConfigError) throw new WeightFileError(`"${name}" cannot be loaded here: ${error.message}`);
      throw error;
    }
    let evaluation: Evaluation;
    try {
      candidate.writeParameters(weightsFromFile(candidate, bytes, name));
      evaluation = describeEvaluation(await candidate.evaluate(), dataset.test, 0, recipe.seed);
    } catch (error) {
      candidate.destroy();
      throw error;
    }
    await this.adopt(candidate, id, true);
    this.snapshot = await candidate.snapshot();
    this.side.setState('imported');
    return { type: 'weights-imported', id, name, layers, evaluation, recipe };
  }

  /** One training step: of the paused run, or of a new one for `recipe` when none is paused. */
  async step(id: number, recipe: Recipe): Promise<void> {
    if (this.training) throw new Refusal('The run is training: pause it before taking single steps.');
    if (this.imported) throw new Refusal('These weights were imported: a step would train a new model from scratch. Fine-tune them to train them further, or start a new run.');
    let trainer = this.trainer;
    if (!trainer || this.side.state !== 'paused') {
      const { ctx, dataset, images } = this.side.env();
      trainer = await Trainer.create(ctx, dataset, recipe, { images });
      await this.adopt(trainer, id, false);
      this.evalEachEpoch = true;
      this.snapshot = await trainer.snapshot();
    }
    try {
      await this.advance(trainer, { maxSteps: 1 });
    } catch (error) {
      throw this.afterFailure(trainer, error);
    }
    this.side.setState(trainer.finished ? 'finished' : 'paused');
  }

  async resume(): Promise<void> {
    if (this.training) return;
    this.side.env();
    if (this.imported) throw new Refusal('These weights were imported, not trained here: there is no run to resume. Fine-tune them to train them further, or start a new run.');
    if (!this.trainer) throw new Refusal('There is no run to resume: start one first.');
    const state = this.side.state;
    if (state === 'finished' || state === 'stopped') {
      throw new Refusal(`The run has ${state === 'finished' ? 'finished its epochs' : 'been stopped'}: start a new run, or fine-tune its weights to train them further.`);
    }
    this.train();
  }

  /** Pauses the training loop and resolves once it has paused; at once when nothing trains. */
  async pause(): Promise<void> {
    await this.end('paused');
  }

  /** Stops the run (its weights stay for predict and export); resolves once it has stopped. */
  async stop(): Promise<void> {
    if (this.loop) return this.end('stopped');
    if (this.trainer && !this.imported && this.side.state === 'paused') this.side.setState('stopped');
  }

  /** The learning rate from the run's next step on, recorded in its recipe (and its snapshot) for replay. */
  setLearningRate(id: number, lr: number): Reply {
    const trainer = this.trainer;
    if (!trainer || this.imported || (!this.training && this.side.state !== 'paused')) {
      throw new Refusal('There is no run in progress to change the learning rate of; the rate you set applies when the next run starts.');
    }
    const step = trainer.setLearningRate(lr);
    const { lr: base, lrChanges } = trainer.recipe;
    if (this.snapshot) this.snapshot = { ...this.snapshot, recipe: { ...this.snapshot.recipe, lr: base, ...(lrChanges ? { lrChanges } : {}) } };
    return { type: 'lr-set', id, step, lr, recipe: { ...trainer.recipe } };
  }

  async predict(id: number, pixels: Uint8Array): Promise<Reply> {
    return { type: 'prediction', id, probabilities: await this.requireModel().predict(pixels) };
  }

  async exportWeights(id: number): Promise<Reply> {
    const trainer = this.requireModel();
    const bytes = weightsToSafetensors(trainer.model, await trainer.readParameters(), trainer.recipe);
    return { type: 'weights', id, bytes, filename: `mlp-${trainer.model.widths.join('-')}.safetensors` };
  }

  /** Halts the loop without a word and frees the model (a new dataset, the session's end). */
  async forget(): Promise<void> {
    await this.halt();
    this.trainer?.destroy();
    this.trainer = null;
    this.snapshot = null;
    this.imported = false;
  }

  /** Asks the loop to stop without waiting (the device is gone; the loop's failure then says nothing). */
  interrupt(): void {
    this.loop?.pause.abort();
  }

  /** Waits for the loop to end without reporting a state (a new device or model takes over). */
  async halt(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.end = 'replaced';
    loop.pause.abort();
    await loop.done;
  }

  /** On a new device: the model again, from its snapshot (a run comes back paused, an import as imported). */
  async reconnect(env: Env): Promise<void> {
    await this.halt();
    this.trainer = null; // its buffers went with the old device
    if (!this.snapshot) {
      this.imported = false;
      this.side.setState('idle');
      return;
    }
    this.trainer = await Trainer.resume(env.ctx, env.dataset, this.snapshot, { images: env.images });
    this.side.setState(this.imported ? 'imported' : 'paused');
  }

  private requireModel(): Trainer {
    this.side.env();
    if (!this.trainer) throw new Refusal('there is no model yet: start a run, take a step or import weights first');
    return this.trainer;
  }

  /** Halts the current run and frees its model; `next` becomes the page's model. */
  private async adopt(next: Trainer, runId: number, imported: boolean): Promise<void> {
    await this.halt();
    this.trainer?.destroy();
    this.trainer = next;
    this.snapshot = null;
    this.runId = runId;
    this.imported = imported;
  }

  private async end(end: 'paused' | 'stopped'): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.end = end;
    loop.pause.abort();
    await loop.done;
  }

  /** Trains in the background until the recipe's epochs are done or the loop is asked to end. */
  private train(): void {
    const trainer = this.trainer!;
    const loop: Loop = { pause: new AbortController(), end: 'paused', done: Promise.resolve() };
    this.loop = loop;
    this.side.setState('running');
    loop.done = (async () => {
      try {
        while (!trainer.finished && !loop.pause.signal.aborted) await this.advance(trainer, { signal: loop.pause.signal, untilEpochEnd: true });
        if (loop.end !== 'replaced' && !this.side.lost) this.side.setState(trainer.finished ? 'finished' : loop.end);
      } catch (error) {
        if (loop.end !== 'replaced' && !this.side.lost) {
          this.side.fail(await this.afterFailure(trainer, error), { about: 'run' });
          this.side.setState('paused');
        }
      } finally {
        this.loop = null;
      }
    })();
  }

  /** Runs `trainer` as `options` say, evaluating after epochs (each one, or the last) and keeping a snapshot after each. */
  private async advance(trainer: Trainer, options: RunOptions): Promise<void> {
    const run = this.runId;
    const epochs = await trainer.run({
      ...options,
      diagnostics: { every: defaultDiagnosticsEvery(trainer.recipe.layers) },
      onProgress: (progress) => this.side.post({ type: 'progress', run, progress, stepsTotal: trainer.stepsPerEpoch * trainer.recipe.epochs }),
      onEpoch: (result) => this.side.post({ type: 'epoch', run, result }),
    });
    for (const result of epochs) {
      if (this.evalEachEpoch || trainer.finished) {
        const evaluation = describeEvaluation(await trainer.evaluate(), this.side.env().dataset.test, result.epoch, trainer.recipe.seed);
        this.side.post({ type: 'evaluation', run, evaluation });
      }
    }
    if (epochs.length > 0) this.snapshot = await trainer.snapshot();
  }

  /**
   * A run stopped by a value that was not finite has gone back to its state before the failing steps (its
   * message says which step): that state becomes the snapshot, what Export, Resume and a new device go on from.
   */
  private async afterFailure(trainer: Trainer, error: unknown): Promise<unknown> {
    if (error instanceof DivergenceError) this.snapshot = await trainer.snapshot();
    return error;
  }
}

/** The file's tensors in the model's arena; a shape or type that does not fit names the file. */
function weightsFromFile(trainer: Trainer, bytes: Uint8Array, name: string): Float32Array {
  try {
    return weightsFromSafetensors(trainer.model, bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new WeightFileError(`"${name}": ${error.message}`);
    throw error;
  }
}
