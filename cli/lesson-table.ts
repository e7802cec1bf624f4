/**
 * The pure half of `npm run pytorch` (cli/pytorch.ts): the arguments of the lesson's PyTorch script
 * (scripts/lesson.py) for a recipe, the reading of its JSON lines, and the side-by-side table. No GPU, no
 * child process, so the unit tests check all of it on the CPU.
 */
import type { Recipe } from '../src/train/recipe.ts';

/** Debian's interpreter, where python3-torch is importable (another Python first on PATH may lack it). */
export const DEFAULT_PYTHON = '/usr/bin/python3';
export const INSTALL_TORCH = 'apt-get install -y python3-torch';

/** The script's exit status when `import torch` fails. */
export const NO_TORCH_STATUS = 3;

/**
 * Layers the lesson builds after the last one its model uses, by recipe: its deep cell builds linear4
 * (512-512) and linear5 (512-10) and stops its nn.Sequential at linear3. Building a layer draws its default
 * weights from torch's RNG, so the used layers start from the lesson's own weights only if these are built too.
 */
export const UNUSED_LAYERS: Readonly<Record<string, readonly number[]>> = { 'lesson-deep': [512, 10] };

/** PyTorch or the engine could not run the comparison; the message says why and what to do. */
export class LessonRunError extends Error {
  override name = 'LessonRunError';
}

/** The message for a Python without torch (or no Python at all). */
export function noTorchMessage(python: string, detail: string): string {
  return `PyTorch is not importable from ${python} (${detail}); install it with: ${INSTALL_TORCH} (then run with ${DEFAULT_PYTHON}, or name another interpreter with --python)`;
}

/**
 * The script's command line for `recipe`: the trained widths, the unused layers the lesson builds, and the
 * recipe's numbers. The script is the lesson's loop, so it refuses what the lesson does not do.
 */
export function lessonArgs(recipe: Recipe, name: string, data: string, threads?: number): string[] {
  const lesson = recipe.init === 'xavier-uniform' && recipe.biasInit === 'pytorch-default' && recipe.optimizer === 'adam' && recipe.beta1 === 0.9 && recipe.beta2 === 0.999 && recipe.eps === 1e-8;
  if (!lesson || recipe.lrChanges?.length) throw new LessonRunError(`the PyTorch script runs the lesson's loop (Xavier uniform weights, nn.Linear's biases, Adam at one rate); recipe ${name} is not that`);
  const args = ['--data', data, '--layers', recipe.layers.join(','), '--epochs', String(recipe.epochs), '--batch', String(recipe.batch), '--lr', String(recipe.lr), '--seed', String(recipe.seed), '--train-limit', String(recipe.trainLimit), '--progress'];
  const unused = UNUSED_LAYERS[name];
  if (unused) args.push('--unused', unused.join(','));
  if (threads !== undefined) args.push('--threads', String(threads));
  return args;
}

export interface EpochLine {
  epoch: number;
  loss: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface EngineRun {
  epochs: EpochLine[];
  /** Test accuracy after the last epoch (pixels / 255, as in training). */
  accuracy: number;
  correct: number;
  count: number;
}

export interface TorchRun extends EngineRun {
  torch: string;
  python: string;
  threads: number;
  /** The accuracy the lesson's own test cell prints: it forgets the / 255 on the test images. */
  lessonAccuracy: number;
}

/** A line of the script's progress: the running mean loss of the epoch after `step` of `steps` batches. */
export interface TorchProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

/** Reads the script's JSON lines into the run (and calls onProgress / onEpoch as they come). */
export class TorchLines {
  private started: { torch: string; python: string; threads: number } | null = null;
  private readonly epochs: EpochLine[] = [];
  private result: { accuracy: number; correct: number; count: number; lessonAccuracy: number } | null = null;
  /** The script's own report of a missing torch. */
  noTorch: string | null = null;

  constructor(private readonly on: { progress?: (p: TorchProgress) => void; epoch?: (e: EpochLine) => void } = {}) {}

  read(line: string): void {
    if (line.trim() === '') return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new LessonRunError(`the PyTorch script printed a line that is not JSON: ${line.slice(0, 200)}`);
    }
    if (record.error === 'no-torch') this.noTorch = String(record.message);
    else if (record.start) this.started = { torch: String(record.torch), python: String(record.python), threads: Number(record.threads) };
    else if (typeof record.step === 'number') this.on.progress?.({ epoch: Number(record.epoch), step: record.step, steps: Number(record.steps), loss: Number(record.loss) });
    else if (typeof record.epoch === 'number') {
      const epoch = { epoch: record.epoch, loss: Number(record.loss), seconds: Number(record.seconds), samplesPerSecond: Number(record.samples_per_s) };
      this.epochs.push(epoch);
      this.on.epoch?.(epoch);
    } else if (typeof record.test_accuracy === 'number') {
      this.result = { accuracy: record.test_accuracy, correct: Number(record.correct), count: Number(record.count), lessonAccuracy: Number(record.lesson_test_accuracy) };
    }
  }

  /** The whole run, once the script has finished; a LessonRunError if it said less than a whole run. */
  finish(epochs: number): TorchRun {
    if (!this.started || !this.result || this.epochs.length !== epochs) {
      throw new LessonRunError(`the PyTorch script stopped early: ${this.started ? '' : 'no start line, '}${this.epochs.length} of ${epochs} epochs${this.result ? '' : ', no test accuracy'}`);
    }
    return { ...this.started, epochs: this.epochs, ...this.result };
  }
}

export interface Comparison {
  recipe: string;
  layers: number[];
  trainImages: number;
  batch: number;
  /** Full batches per epoch (the last partial one is dropped, in both). */
  stepsPerEpoch: number;
  adapter: string;
  torch: TorchRun;
  ours: EngineRun;
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = (p: number): string => `${(100 * p).toFixed(2)}%`;
/** Samples per second over the whole run: every epoch's samples over every epoch's seconds. */
const totalRate = (run: EngineRun, samplesPerEpoch: number): number => (samplesPerEpoch * run.epochs.length) / run.epochs.reduce((sum, e) => sum + e.seconds, 0);

/**
 * The side-by-side table as the terminal shows it: a row per epoch, then (for more than one) the whole run's
 * samples/s, then the test accuracy of each.
 */
export function comparisonTable(c: Comparison): string {
  const samples = c.stepsPerEpoch * c.batch;
  const header = ['epoch', 'loss PyTorch', 'loss ours', 'samples/s PyTorch', 'samples/s ours'];
  const rows = c.torch.epochs.map((t, i) => {
    const o = c.ours.epochs[i];
    return [String(t.epoch), t.loss.toFixed(6), o ? o.loss.toFixed(6) : '', grouped.format(t.samplesPerSecond), o ? grouped.format(o.samplesPerSecond) : ''];
  });
  if (rows.length > 1) rows.push(['all', '', '', grouped.format(totalRate(c.torch, samples)), grouped.format(totalRate(c.ours, samples))]);
  rows.push(['test accuracy', percent(c.torch.accuracy), percent(c.ours.accuracy), '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The lines above the table: what ran where, one after the other. */
export function comparisonHeading(c: Comparison, recipe: Recipe): string {
  const t = c.torch;
  const threads = `${t.threads} thread${t.threads === 1 ? '' : 's'}`;
  return [
    `Recipe ${c.recipe}: ${c.layers.join('-')} ReLU, ${recipe.init}, ${recipe.optimizer} lr ${recipe.lr}, batch ${recipe.batch}, ${recipe.epochs} epoch${recipe.epochs === 1 ? '' : 's'}, seed ${recipe.seed}; ${grouped.format(c.trainImages)} training images, ${c.stepsPerEpoch} steps per epoch`,
    `PyTorch ${t.torch} on the CPU (${threads}, Python ${t.python}), then ours on ${c.adapter}, one after the other`,
  ].join('\n');
}

/** The lines under the table: the test set, and the accuracy the lesson's own test cell would print. */
export function comparisonFooter(c: Comparison): string {
  return [
    `Test accuracy: PyTorch ${percent(c.torch.accuracy)} (${grouped.format(c.torch.correct)}/${grouped.format(c.torch.count)}), ours ${percent(c.ours.accuracy)} (${grouped.format(c.ours.correct)}/${grouped.format(c.ours.count)}), both on pixels / 255`,
    `(The lesson's test cell forgets the / 255 on the test images; PyTorch's model scores ${percent(c.torch.lessonAccuracy)} that way.)`,
  ].join('\n');
}

/** The --json output: one object with both runs, epoch by epoch. */
export function comparisonJson(c: Comparison, recipe: Recipe): object {
  const epoch = (e: EpochLine) => ({ loss: e.loss, seconds: e.seconds, samples_per_s: e.samplesPerSecond });
  return {
    recipe: { name: c.recipe, ...recipe },
    train_images: c.trainImages,
    steps_per_epoch: c.stepsPerEpoch,
    torch: { version: c.torch.torch, python: c.torch.python, threads: c.torch.threads },
    adapter: c.adapter,
    epochs: c.torch.epochs.map((t, i) => ({ epoch: t.epoch, pytorch: epoch(t), ours: c.ours.epochs[i] ? epoch(c.ours.epochs[i]) : null })),
    test_accuracy: { pytorch: c.torch.accuracy, ours: c.ours.accuracy, pytorch_lesson_test_cell: c.torch.lessonAccuracy },
    correct: { pytorch: c.torch.correct, ours: c.ours.correct, count: c.ours.count },
  };
}
