/**
 * A recorded training run: what `npm run train -- --record FILE` writes and what the page shows when it
 * cannot train (no WebGPU). Small on purpose (tens of kB): per-epoch numbers in full, per-step losses
 * averaged over blocks of `steps.every` steps, values rounded to 6 significant digits.
 */
import type { Recipe } from './recipe.ts';

export interface RecordedEpoch {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Training time of the epoch (evaluation excluded). */
  seconds: number;
  /** Accuracy on the whole test set after the epoch. */
  test_accuracy: number;
}

export interface RecordedRun {
  /** When the run finished, ISO 8601. */
  date: string;
  /** The adapter that trained, as the CLI prints it. */
  adapter: string;
  /** The command line that produced this record. */
  command: string;
  recipe: Recipe;
  steps_per_epoch: number;
  epochs: RecordedEpoch[];
  /** Mean loss of each block of `every` consecutive steps (the last block may be shorter). */
  steps: { every: number; loss: number[] };
  /** Final test accuracy (the last epoch's). */
  test_accuracy: number;
  /** Training samples per second over the whole run (evaluations excluded). */
  samples_per_s: number;
}

/** Per-step losses are averaged in blocks of this many steps: 9,000 steps of the lesson become 900 points. */
export const STEP_BLOCK = 10;

/** Rounds to 6 significant digits: far below the run-to-run noise, and it halves the file. */
export const round6 = (value: number): number => Number(value.toPrecision(6));

/** Means of consecutive blocks of `every` values (the last block takes what is left). */
export function blockMeans(values: ArrayLike<number>, every: number): number[] {
  const means: number[] = [];
  for (let start = 0; start < values.length; start += every) {
    const end = Math.min(values.length, start + every);
    let sum = 0;
    for (let i = start; i < end; i++) sum += values[i];
    means.push(sum / (end - start));
  }
  return means;
}
