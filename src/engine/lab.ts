/**
 * The initialization lab and the depth probe, on the session's device and dataset upload. The lab trains one
 * model per initializer, interleaved a few steps at a time, in the background (its events carry the id of
 * the lab command that began it); the probe is a request answered once it has measured every initializer.
 * Both build their own trainers, beside the main run's, and free them when done. Asked for, the lab's runs
 * take diagnostics every so many steps and report them in 'lab-diagnostics' events.
 */
import { ConfigError, validateRecipe, type Recipe } from '../train/recipe.ts';
import { checkDiagnostics, type DiagnosticsOptions } from '../train/sampling.ts';
import { DivergenceError, Trainer } from '../train/trainer.ts';
import type { ImageSet } from '../data/idx.ts';
import type { Env, Fail, Post } from './main-run.ts';
import type { ProbeResult } from './protocol.ts';

/** Steps each lab run takes before the next one gets the GPU. */
const LAB_SLICE = 4;

const AT_LEAST_ONE_INIT = 'at least one initializer';

function checkInits(inits: string[], what: string): void {
  if (inits.length === 0) throw new ConfigError(`choose at least one initializer to ${what}`, { field: 'init', allowed: AT_LEAST_ONE_INIT });
}

export class Lab {
  private current: { stop: AbortController; done: Promise<void> } | null = null;

  constructor(private readonly post: Post, private readonly fail: Fail) {}

  get running(): boolean {
    return this.current !== null;
  }

  /**
   * Stops the lab running now (if any) and begins one for `recipe` under each initializer; resolves once its
   * models are built and training. `diagnosticsEvery`: each run's diagnostics every so many steps (none when
   * absent). A setting that cannot be used is refused (a ConfigError naming it) before anything stops.
   */
  async start(id: number, env: Env, recipe: Recipe, inits: string[], diagnosticsEvery?: number): Promise<void> {
    checkInits(inits, 'compare');
    for (const init of inits) validateRecipe({ ...recipe, init });
    const diagnostics = diagnosticsEvery === undefined ? undefined : { every: checkDiagnostics({ every: diagnosticsEvery }) };
    await this.stop();
    const runs: Array<{ init: string; trainer: Trainer }> = [];
    try {
      for (const init of inits) runs.push({ init, trainer: await Trainer.create(env.ctx, env.dataset, { ...recipe, init }, { images: env.images }) });
    } catch (error) {
      for (const { trainer } of runs) trainer.destroy();
      throw error;
    }
    const stop = new AbortController();
    const lab = { stop, done: this.train(id, runs, stop.signal, diagnostics) };
    this.current = lab;
    void lab.done.then(() => {
      if (this.current === lab) this.current = null;
    });
  }

  /** Stops the lab and resolves once it has ended (its 'lab-done' posted); at once when none runs. */
  async stop(): Promise<void> {
    this.current?.stop.abort();
    await this.current?.done;
  }

  /** Asks the lab to stop without waiting (the device is gone). */
  interrupt(): void {
    this.current?.stop.abort();
  }

  private async train(id: number, runs: Array<{ init: string; trainer: Trainer }>, signal: AbortSignal, diagnostics: DiagnosticsOptions | undefined): Promise<void> {
    // A run that diverges stops there (said in a 'lab-diverged' event); the others go on.
    const ended = new Set<Trainer>();
    const going = () => runs.filter((r) => !r.trainer.finished && !ended.has(r.trainer));
    try {
      while (!signal.aborted && going().length > 0) {
        for (const { init, trainer } of going()) {
          if (signal.aborted) break;
          let epochs;
          try {
            epochs = await trainer.run({
              maxSteps: LAB_SLICE,
              signal,
              diagnostics,
              onProgress: (p) => {
                this.post({ type: 'lab-progress', lab: id, init, step: p.step - p.losses.length + 1, losses: Array.from(p.losses) });
                if (p.diagnostics?.length) this.post({ type: 'lab-diagnostics', lab: id, init, diagnostics: p.diagnostics });
              },
            });
          } catch (error) {
            if (!(error instanceof DivergenceError)) throw error;
            ended.add(trainer);
            this.post({ type: 'lab-diverged', lab: id, init, step: error.step ?? trainer.step + 1, message: error.message, diagnostics: error.diagnostics ?? undefined });
            continue;
          }
          for (const e of epochs) {
            const { accuracy } = await trainer.evaluate();
            this.post({ type: 'lab-epoch', lab: id, init, epoch: e.epoch, loss: e.loss, accuracy });
          }
        }
      }
    } catch (error) {
      this.fail(error, { about: 'lab' });
    } finally {
      for (const { trainer } of runs) trainer.destroy();
      this.post({ type: 'lab-done', lab: id });
    }
  }
}

/** Each image set's mean square, by the number of its images it covers: computed once (tens of millions of pixels). */
const meanSquares = new WeakMap<ImageSet, Map<number, number>>();

/** The mean of x^2 over the first `count` images of `set`, pixels scaled to [0, 1] as the kernels read them. */
function inputMeanSquare(set: ImageSet, count: number): number {
  const n = Math.min(count, set.count) * set.rows * set.cols;
  const known = meanSquares.get(set) ?? new Map<number, number>();
  meanSquares.set(set, known);
  let value = known.get(n);
  if (value === undefined) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += set.pixels[i] * set.pixels[i];
    value = sum / (n * 255 * 255);
    known.set(n, value);
  }
  return value;
}

/** The depth probe: for each initializer, the statistics of one forward and backward pass of `layers` on a real batch. */
export async function probe(env: Env, layers: number[], inits: string[], batch: number, seed: number): Promise<ProbeResult[]> {
  checkInits(inits, 'probe');
  const results: ProbeResult[] = [];
  const meanSquare = inputMeanSquare(env.dataset.train, env.images.train.count);
  for (const init of inits) {
    const recipe: Recipe = { layers, init, biasInit: 'zeros', optimizer: 'adam', lr: 1e-3, batch, epochs: 1, seed, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, trainLimit: 0 };
    const trainer = await Trainer.create(env.ctx, env.dataset, recipe, { images: env.images });
    try {
      results.push({ init, ...(await trainer.probe()), inputMeanSquare: meanSquare });
    } finally {
      trainer.destroy();
    }
  }
  return results;
}
