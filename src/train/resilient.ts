/**
 * Training that survives a lost GPU device: a snapshot of the whole run is kept in memory after every epoch
 * (and before the first), and when the device is lost the run continues from it on a new device. Because a
 * resumed run equals an uninterrupted one, only the steps since the snapshot are redone and no number changes.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { Dataset } from '../data/idx.ts';
import type { Recipe } from './recipe.ts';
import type { DiagnosticsOptions } from './sampling.ts';
import { DivergenceError, Trainer, type EpochResult, type Progress, type TrainingState } from './trainer.ts';

export interface ResilientOptions {
  /** Makes a new context (device); called at the start and after each loss. */
  makeContext: () => Promise<GpuContext>;
  dataset: Dataset;
  /** A recipe to start, or a state (a loaded checkpoint) to continue. */
  start: Recipe | TrainingState;
  /** Called once the first trainer is built, before any step. */
  onStart?: (ctx: GpuContext, trainer: Trainer) => void;
  onProgress?: (p: Progress) => void;
  onEpoch?: (e: EpochResult) => void;
  /** Diagnostics every so many steps (see TrainOptions.diagnostics); none when absent. */
  diagnostics?: DiagnosticsOptions;
  /** Called with each epoch's snapshot and the trainer at that point (to write a checkpoint file or evaluate, say). */
  onSnapshot?: (state: TrainingState, trainer: Trainer) => void | Promise<void>;
  /**
   * Called when a value was not finite (a DivergenceError) with the state the trainer went back to, the one
   * before the failing steps (to write a checkpoint to resume from, with a lower learning rate); the error is
   * thrown after it.
   */
  onStopped?: (state: TrainingState, trainer: Trainer) => void | Promise<void>;
  /** Called when the device was lost and the run goes on from `state` on a new device. */
  onRecover?: (message: string, state: TrainingState) => void;
  /** Losses survived before giving up. */
  maxRecoveries?: number;
}

export interface ResilientRun {
  ctx: GpuContext;
  trainer: Trainer;
  epochs: EpochResult[];
  recoveries: number;
}

function isState(start: Recipe | TrainingState): start is TrainingState {
  return 'params' in start;
}

/** Trains to the end of the recipe; resolves with the live context and trainer (the caller destroys them). */
export async function fitWithRecovery(options: ResilientOptions): Promise<ResilientRun> {
  const { dataset, maxRecoveries = 3 } = options;
  let ctx = await options.makeContext();
  let trainer: Trainer;
  try {
    trainer = isState(options.start) ? await Trainer.resume(ctx, dataset, options.start) : await Trainer.create(ctx, dataset, options.start);
  } catch (error) {
    ctx.destroy();
    throw error;
  }
  options.onStart?.(ctx, trainer);
  let snapshot = await trainer.snapshot();
  const epochs: EpochResult[] = [];
  let recoveries = 0;
  for (;;) {
    try {
      while (!trainer.finished) {
        const done = await trainer.run({ untilEpochEnd: true, onProgress: options.onProgress, diagnostics: options.diagnostics });
        for (const e of done) {
          epochs.push(e);
          options.onEpoch?.(e);
        }
        snapshot = await trainer.snapshot();
        await options.onSnapshot?.(snapshot, trainer);
      }
      return { ctx, trainer, epochs, recoveries };
    } catch (error) {
      if (!ctx.lost || recoveries >= maxRecoveries) {
        try {
          if (error instanceof DivergenceError) await options.onStopped?.(await trainer.snapshot(), trainer);
        } finally {
          trainer.destroy();
          ctx.destroy();
        }
        throw error;
      }
      recoveries++;
      options.onRecover?.(`${(error as Error).message}; continuing from the snapshot after epoch ${snapshot.epoch} (step ${snapshot.step}) on a new device`, snapshot);
      trainer.destroy();
      ctx.destroy();
      ctx = await options.makeContext();
      trainer = await Trainer.resume(ctx, dataset, snapshot);
    }
  }
}
