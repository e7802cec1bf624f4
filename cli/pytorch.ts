/**
 * `npm run pytorch`: the lesson's recipe trained twice, back to back on this machine: first by PyTorch on the
 * CPU (scripts/lesson.py, the lesson's own loop, run by Debian's /usr/bin/python3), then by our engine in Node
 * (Dawn), never both at once. Prints each epoch's mean loss and samples/s side by side, the test accuracy of
 * each, and torch's version and thread count. Options are parsed by commander; the progress bars are
 * cli-progress (shown only on a terminal). The table's code is cli/lesson-table.ts.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createNodeContext } from '../src/gpu/node.ts';
import { loadMnist, mnistDataDir } from '../src/data/node.ts';
import { deviceNeeds, Trainer, type EpochResult, type Progress } from '../src/train/trainer.ts';
import { checkRecipeFitsData, RECIPE_DESCRIPTIONS, RECIPES, validateRecipe, type Recipe, type RecipeName } from '../src/train/recipe.ts';
import type { Dataset } from '../src/data/idx.ts';
import type { AdapterSummary } from '../src/gpu/context.ts';
import {
  comparisonFooter,
  comparisonHeading,
  comparisonJson,
  comparisonTable,
  DEFAULT_PYTHON,
  lessonArgs,
  LessonRunError,
  NO_TORCH_STATUS,
  noTorchMessage,
  TorchLines,
  type EngineRun,
  type TorchRun,
} from './lesson-table.ts';
import { reportFailure } from './errors.ts';

const SCRIPT = fileURLToPath(new URL('../scripts/lesson.py', import.meta.url));

const positive = (name: string) => (text: string): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a whole number from 1 up, got "${text}"`);
  return value;
};

const program = new Command()
  .name('npm run pytorch --')
  .description('Train the lesson\'s recipe in PyTorch on the CPU, then in our engine (WebGPU through Dawn), one after the other, and print both side by side.')
  .addOption(new Option('--recipe <name>', `preset recipe: ${Object.entries(RECIPE_DESCRIPTIONS).map(([name, text]) => `${name} (${text})`).join('; ')}`).choices(Object.keys(RECIPES)).default('mlp'))
  .option('--epochs <n>', 'epochs (default: the recipe\'s, 15 for the lesson\'s)', positive('--epochs'))
  .option('--train-limit <n>', 'train on the first n training images only (default: the recipe\'s)', positive('--train-limit'))
  .option('--threads <n>', 'torch.set_num_threads for PyTorch (default: torch\'s own)', positive('--threads'))
  .option('--python <path>', 'the Python that imports torch', DEFAULT_PYTHON)
  .option('--json', 'print one JSON object (both runs, epoch by epoch) instead of text')
  .showHelpAfterError('(run npm run pytorch -- --help for every option)')
  .configureOutput({ outputError: (text, write) => write(`error: ${text.replace(/^error: /, '')}`) });

const bar = (label: string): cliProgress.SingleBar | null =>
  process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: ` ${label} epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | eta {eta_formatted}`, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;

/** Runs the lesson's script to its end; its JSON lines become the run. Nothing of ours runs meanwhile. */
async function runPytorch(python: string, args: string[], epochs: number, log: (text: string) => void, json: boolean): Promise<TorchRun> {
  const progress = json ? null : bar('PyTorch');
  let barEpoch = 0;
  const lines = new TorchLines({
    progress: (p) => {
      if (!progress) return;
      if (p.epoch !== barEpoch) progress.start(p.steps, 0, { epoch: p.epoch, loss: '-' });
      barEpoch = p.epoch;
      progress.update(p.step, { epoch: p.epoch, loss: p.loss.toFixed(4) });
    },
    epoch: (e) => {
      progress?.stop();
      barEpoch = 0;
      log(`PyTorch epoch ${e.epoch}: loss ${e.loss.toFixed(9)} (${e.seconds.toFixed(1)} s, ${Math.round(e.samplesPerSecond)} samples/s)`);
    },
  });
  const child = spawn(python, ['-u', SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  // Handled below, after the output is read; marked now so a failed start is not an unhandled rejection meanwhile.
  exited.catch(() => undefined);
  let readError: unknown = null;
  for await (const line of createInterface({ input: child.stdout })) {
    try {
      lines.read(line);
    } catch (error) {
      readError ??= error;
    }
  }
  let code: number | null;
  try {
    code = await exited;
  } catch (error) {
    progress?.stop();
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new LessonRunError(noTorchMessage(python, `there is no ${python}`));
    throw error;
  }
  progress?.stop();
  if (code === NO_TORCH_STATUS || lines.noTorch !== null) throw new LessonRunError(noTorchMessage(python, lines.noTorch ?? 'import torch failed'));
  if (code !== 0) throw new LessonRunError(`the PyTorch script (${python} ${SCRIPT}) failed with exit status ${code}:\n${stderr.trim()}`);
  if (readError) throw readError;
  return lines.finish(epochs);
}

/** Trains the same recipe in our engine and evaluates it on the test set. */
async function runOurs(dataset: Dataset, recipe: Recipe, log: (text: string) => void, json: boolean): Promise<{ run: EngineRun; adapter: string; stepsPerEpoch: number; trainImages: number }> {
  const ctx = await createNodeContext({ ...deviceNeeds(dataset, recipe), onWarning: (w) => console.error(`warning: ${w}`) });
  const progress = json ? null : bar('ours');
  try {
    const trainer = await Trainer.create(ctx, dataset, recipe);
    try {
      const onProgress = (p: Progress): void => {
        if (!progress) return;
        if (p.stepInEpoch <= p.losses.length) progress.start(p.stepsPerEpoch, 0, { epoch: p.epoch, loss: '-' });
        progress.update(p.stepInEpoch, { epoch: p.epoch, loss: p.loss.toFixed(4) });
      };
      // An epoch per run() call, as npm run train trains: within one call an epoch's seconds count from the
      // call's start, so a later epoch of one fit() would be timed with the earlier ones.
      const epochs: EpochResult[] = [];
      while (!trainer.finished) {
        for (const e of await trainer.run({ untilEpochEnd: true, onProgress })) {
          progress?.stop();
          log(`Ours epoch ${e.epoch}: loss ${e.loss.toFixed(9)} (${e.seconds.toFixed(1)} s, ${Math.round(e.samplesPerSecond)} samples/s)`);
          epochs.push(e);
        }
      }
      const result = await trainer.evaluate();
      return {
        run: { epochs: epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, seconds: e.seconds, samplesPerSecond: e.samplesPerSecond })), accuracy: result.accuracy, correct: result.correct, count: result.count },
        adapter: describeAdapter(ctx.adapter),
        stepsPerEpoch: trainer.stepsPerEpoch,
        trainImages: trainer.trainCount,
      };
    } finally {
      trainer.destroy();
    }
  } finally {
    progress?.stop();
    ctx.destroy();
  }
}

function describeAdapter(adapter: AdapterSummary): string {
  return `${adapter.vendor} ${adapter.architecture}${adapter.description ? ` (${adapter.description})` : ''}${adapter.software ? ' [software]' : ''}`;
}

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{ recipe: RecipeName; epochs?: number; trainLimit?: number; threads?: number; python: string; json?: boolean }>();
  const json = Boolean(opts.json);
  const log = (text: string): void => {
    if (!json) console.log(text);
  };
  const base = RECIPES[opts.recipe];
  const recipe = validateRecipe({ ...base, layers: [...base.layers], epochs: opts.epochs ?? base.epochs, trainLimit: opts.trainLimit ?? base.trainLimit });
  // Refused here, before either side trains: fewer training images than one batch, say.
  const dataset = await loadMnist();
  const { train } = dataset;
  checkRecipeFitsData(recipe, { inputs: train.rows * train.cols, classes: dataset.numClasses, train: train.count, name: dataset.name, imageSize: `${train.rows}x${train.cols}` });
  const args = lessonArgs(recipe, opts.recipe, mnistDataDir(), opts.threads);

  log(`PyTorch (${opts.python} scripts/lesson.py), recipe ${opts.recipe}, ${recipe.epochs} epoch${recipe.epochs === 1 ? '' : 's'}`);
  const torch = await runPytorch(opts.python, args, recipe.epochs, log, json);
  log(`Ours (WebGPU through Dawn), the same recipe`);
  const ours = await runOurs(dataset, recipe, log, json);
  const comparison = { recipe: opts.recipe, layers: recipe.layers, trainImages: ours.trainImages, batch: recipe.batch, stepsPerEpoch: ours.stepsPerEpoch, adapter: ours.adapter, torch, ours: ours.run };
  if (json) {
    console.log(JSON.stringify(comparisonJson(comparison, recipe)));
    return;
  }
  log('');
  log(comparisonHeading(comparison, recipe));
  log('');
  log(comparisonTable(comparison));
  log('');
  log(comparisonFooter(comparison));
}

main().catch((error: unknown) => {
  if (error instanceof LessonRunError) {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  } else {
    process.exitCode = reportFailure(error);
  }
});
