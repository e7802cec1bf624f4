/**
 * `npm run train`: trains a recipe on MNIST (or any IDX dataset) in Node through Dawn and prints what the
 * PyTorch lesson printed: a cost per epoch, the test accuracy and one random test digit with its prediction.
 * Options are parsed by commander; the progress bar is cli-progress (shown only on a terminal). With
 * --diagnostics, each epoch's line is followed by a per-layer table of the engine's measurements. The installed
 * package runs it as `webgpu-mlp train` (bin/webgpu-mlp.mjs), which says so in WEBGPU_MLP_COMMAND.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createNodeContext } from '../src/gpu/node.ts';
import { matmulChoices, summarizeTuning, type MatmulChoice } from '../src/gpu/tuner.ts';
import { loadIdxDataset, loadMnist } from '../src/data/node.ts';
import { deviceNeeds, type EpochResult } from '../src/train/trainer.ts';
import { fitWithRecovery } from '../src/train/resilient.ts';
import { checkpointFromSafetensors, checkpointToSafetensors } from '../src/train/checkpoint.ts';
import { ConfigError, lrAt, parseWidths, RECIPE_DESCRIPTIONS, RECIPES, validateRecipe, type Recipe, type RecipeName } from '../src/train/recipe.ts';
import { Rng } from '../src/init/rng.ts';
import { INITIALIZER_NAMES } from '../src/init/initializers.ts';
import { weightsToSafetensors } from '../src/index.ts';
import type { AdapterSummary } from '../src/gpu/context.ts';
import { blockMeans, round6, STEP_BLOCK, type RecordedEpoch, type RecordedRun } from '../src/train/recording.ts';
import { checkDiagnostics, defaultDiagnosticsEvery } from '../src/train/sampling.ts';
import { diagnosticsRecords, diagnosticsTable } from './diagnostics-table.ts';
import { renderDigit } from './digit.ts';
import { reportFailure } from './errors.ts';

const number = (name: string) => (text: string): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a number, got "${text}"`);
  return value;
};
const integer = (name: string) => (text: string): number => {
  const value = number(name)(text);
  if (!Number.isInteger(value)) throw new InvalidArgumentError(`${name} must be an integer, got "${text}"`);
  return value;
};
const widths = (text: string): number[] => {
  try {
    return parseWidths(text);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidArgumentError(`--layers: ${error.message}`);
    throw error;
  }
};

/** How the user started this program, for help and for the commands it suggests. */
const COMMAND = process.env.WEBGPU_MLP_COMMAND ?? 'npm run train --';

const program = new Command()
  .name(COMMAND)
  .description('Train a multilayer perceptron on MNIST with WebGPU (Dawn in Node). Defaults: the PyTorch lesson\'s recipe.')
  .addOption(new Option('--recipe <name>', `preset recipe: ${Object.entries(RECIPE_DESCRIPTIONS).map(([name, text]) => `${name} (${text})`).join('; ')}`).choices(Object.keys(RECIPES)).default('mlp'))
  .option('--layers <widths>', 'layer widths, input first, e.g. 784,256,256,10 (overrides the recipe)', widths)
  .option('--init <name>', `weight initializer: ${INITIALIZER_NAMES.join(', ')}, or a form such as normal:0,0.01`)
  .option('--bias-init <name>', 'bias initializer (default: pytorch-default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)))')
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'sgd']))
  .option('--lr <rate>', 'learning rate', number('--lr'))
  .option('--momentum <m>', 'SGD momentum', number('--momentum'))
  .option('--batch <size>', 'batch size', integer('--batch'))
  .option('--epochs <n>', 'epochs', integer('--epochs'))
  .option('--seed <n>', 'seed for initialization and shuffling', integer('--seed'))
  .option('--train-limit <n>', 'train on the first n training images only', integer('--train-limit'))
  .option('--data <dir>', 'IDX dataset folder laid out like MNIST (train-images-idx3-ubyte[.gz], ...); default: the bundled MNIST')
  .option('--save <file>', 'write the trained weights as safetensors (PyTorch nn.Sequential state_dict layout)')
  .option('--checkpoint <file>', 'write the whole training state (weights, optimizer, counters, random state) as safetensors after every epoch')
  .option('--resume <file>', 'continue a run from a checkpoint written by --checkpoint (its recipe is used; --epochs may extend it, --lr changes the rate from the next step); a run stopped by a NaN or infinity writes its last good state there too (else to a file in the temporary folder, whose name it prints)')
  .addOption(new Option('--matmul <variant>', "how each matrix product's kernel variant is chosen: auto measures them on this device once and keeps the choices in the user's cache folder (WEBGPU_MLP_CACHE_DIR overrides it); untuned takes the built-in one; a variant's name forces it").choices(matmulChoices()).default('auto'))
  .option('--json', 'print one JSON object per line instead of text')
  .option('--diagnostics [every]', `measure every layer every K steps (default 100 per 300,000 parameters: 100 for mlp, 400 for deep) and print a table at each epoch's end (with --json: each epoch's "diagnostics")`, integer('--diagnostics'))
  .option('--record <file>', 'write the run as a small JSON (per-epoch loss and test accuracy, per-step losses averaged over blocks of 10, adapter, command); evaluates after every epoch')
  .showHelpAfterError(`(run ${COMMAND} --help for every option)`)
  .configureOutput({ outputError: (text, write) => write(`error: ${text.replace(/^error: /, '')}`) });

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts();
  const json = Boolean(opts.json);
  const base = RECIPES[opts.recipe as RecipeName];
  const recipe: Recipe = {
    ...base,
    layers: opts.layers ?? base.layers,
    init: opts.init ?? base.init,
    biasInit: opts.biasInit ?? base.biasInit,
    optimizer: opts.optimizer ?? base.optimizer,
    lr: opts.lr ?? base.lr,
    momentum: opts.momentum ?? base.momentum,
    batch: opts.batch ?? base.batch,
    epochs: opts.epochs ?? base.epochs,
    seed: opts.seed ?? base.seed,
    trainLimit: opts.trainLimit ?? base.trainLimit,
  };
  const log = (text: string): void => {
    if (!json) console.log(text);
  };
  const emit = (record: object): void => {
    if (json) console.log(JSON.stringify(record));
  };

  const diagnostics = opts.diagnostics === undefined ? undefined : { every: opts.diagnostics === true ? defaultDiagnosticsEvery(recipe.layers) : (opts.diagnostics as number) };
  if (diagnostics) checkDiagnostics(diagnostics);

  // A record holds a whole run from its first step, which a resumed process never saw.
  if (opts.record && opts.resume) program.error('error: --record cannot be combined with --resume: a record holds a whole run from its first step');

  const dataset = opts.data ? await loadIdxDataset(opts.data) : await loadMnist();
  const resumed = opts.resume ? checkpointFromSafetensors(new Uint8Array(await readFile(opts.resume))) : null;
  if (resumed && opts.epochs !== undefined) resumed.recipe.epochs = opts.epochs;
  // The checkpoint's recipe is the run's: a setting given that differs from it would be ignored, so it is refused.
  if (resumed) {
    const fields = ['layers', 'init', 'biasInit', 'optimizer', 'momentum', 'batch', 'seed', 'trainLimit'] as const;
    const flag = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const differ = fields.filter((f) => program.getOptionValueSource(f) === 'cli' && JSON.stringify(recipe[f]) !== JSON.stringify(resumed.recipe[f]));
    if (differ.length > 0) {
      const was = differ.map((f) => `${flag(f)} ${JSON.stringify(resumed.recipe[f])}`).join(', ');
      program.error(`error: ${differ.map(flag).join(', ')} cannot change a resumed run: its checkpoint says ${was} (only --epochs and --lr may change)`);
    }
  }
  const runRecipe = resumed ? validateRecipe(resumed.recipe) : recipe;

  const bar = !json && process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: ' epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | {rate} samples/s | eta {eta_formatted}', clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  const started = performance.now();
  // What --record needs: every step's loss (indexed by step, so steps redone after a lost device overwrite
  // their first try) and each epoch's numbers with the test accuracy measured right after it.
  const stepLosses: number[] = [];
  const epochs = new Map<number, EpochResult>();
  const recorded: RecordedEpoch[] = [];
  const { ctx, trainer } = await fitWithRecovery({
    makeContext: () => createNodeContext({ ...deviceNeeds(dataset, runRecipe), onWarning: (w) => console.error(`warning: ${w}`), tuning: { mode: opts.matmul as MatmulChoice } }),
    dataset,
    start: resumed ?? recipe,
    diagnostics,
    onStart: (ctx, trainer) => {
      const { adapter } = ctx;
      log(`Adapter: ${describeAdapter(adapter)}`);
      log(`Model: ${runRecipe.layers.join('-')} ReLU, ${runRecipe.init} weights, ${runRecipe.optimizer} lr ${runRecipe.lr}, batch ${runRecipe.batch}, ${runRecipe.epochs} epochs, seed ${runRecipe.seed}`);
      const sampled = diagnostics ? ` (${trainer.sampledDispatchesPerStep} on a step sampled for diagnostics, every ${diagnostics.every})` : '';
      log(`Data: ${dataset.name}, ${trainer.trainCount} training and ${dataset.test.count} test images; ${trainer.stepsPerEpoch} steps per epoch, ${trainer.dispatchesPerStep} dispatches per step${sampled}, ${(ctx.bytes().total / 2 ** 20).toFixed(1)} MiB on the GPU`);
      log(`Matmul: ${summarizeTuning(ctx.matmulTuner.report(ctx))}`);
      if (resumed) log(`Resumed from ${opts.resume} after epoch ${resumed.epoch}, step ${resumed.step}`);
      if (resumed && opts.lr !== undefined) log(`Learning rate ${opts.lr} from step ${trainer.setLearningRate(opts.lr)} on`);
    },
    onProgress: (p) => {
      if (opts.record) p.losses.forEach((loss, i) => (stepLosses[p.step - p.losses.length + i] = loss));
      if (!bar) return;
      if (p.stepInEpoch <= p.losses.length) bar.start(p.stepsPerEpoch, 0, { epoch: p.epoch, loss: '-', rate: '-' });
      bar.update(p.stepInEpoch, { epoch: p.epoch, loss: p.loss.toFixed(4), rate: Math.round(p.samplesPerSecond) });
    },
    onEpoch: (e: EpochResult) => {
      bar?.stop();
      log(`Epoch: ${String(e.epoch).padStart(4, '0')} cost = ${e.loss.toFixed(9)}  (${e.seconds.toFixed(1)} s, ${Math.round(e.samplesPerSecond)} samples/s)`);
      if (e.diagnostics) log(diagnosticsTable(e.diagnostics));
      emit({ epoch: e.epoch, loss: e.loss, seconds: e.seconds, samples_per_s: e.samplesPerSecond, readbacks: e.readbacks, ...(e.diagnostics ? { diagnostics: diagnosticsRecords(e.diagnostics) } : {}) });
      epochs.set(e.epoch, e);
    },
    onSnapshot: async (state, trainer) => {
      if (opts.checkpoint) await writeAtomically(opts.checkpoint, checkpointToSafetensors(state));
      const e = epochs.get(state.epoch);
      if (opts.record && e && !state.partialEpoch) {
        const { accuracy } = await trainer.evaluate();
        log(`  test accuracy after epoch ${e.epoch}: ${accuracy.toFixed(4)}`);
        recorded[e.epoch - 1] = { epoch: e.epoch, loss: round6(e.loss), seconds: round6(e.seconds), test_accuracy: accuracy };
      }
    },
    onStopped: async (state) => {
      // The state the run went back to is written where --checkpoint says, else to a file of its own in the
      // temporary folder: a stopped run loses nothing.
      bar?.stop();
      const file = opts.checkpoint ?? join(tmpdir(), `webgpu-mlp-stopped-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.safetensors`);
      await writeAtomically(file, checkpointToSafetensors(state));
      console.error(`Kept the state after step ${state.step} in ${file}: continue with ${COMMAND} --resume ${shellQuote(file)} --lr ${lrAt(state.recipe, state.step + 1) / 10}`);
    },
    onRecover: (message) => {
      bar?.stop();
      console.error(`warning: ${message}`);
    },
  });
  try {
    const trainSeconds = (performance.now() - started) / 1000;
    const { adapter } = ctx;
    const result = await trainer.evaluate();
    log(`Learning finished in ${trainSeconds.toFixed(1)} s`);
    log(`Accuracy: ${result.accuracy.toFixed(4)} (${result.correct}/${result.count} test images)`);
    const pick = new Rng(runRecipe.seed).nextInt(result.count);
    const test = dataset.test;
    const size = test.rows * test.cols;
    log(`Test image ${pick}: label ${test.labels[pick]}, prediction ${result.predictions[pick]}`);
    log(renderDigit(test.pixels.subarray(pick * size, (pick + 1) * size), test.rows, test.cols, { color: Boolean(process.stdout.isTTY) }));

    if (opts.save) {
      await writeAtomically(opts.save, weightsToSafetensors(trainer.model, await trainer.readParameters(), runRecipe));
      log(`Saved weights to ${opts.save} (safetensors, keys ${trainer.model.layout.views.map((v) => v.name).join(', ')})`);
    }
    emit({
      test_accuracy: result.accuracy,
      correct: result.correct,
      count: result.count,
      train_seconds: trainSeconds,
      adapter: { vendor: adapter.vendor, architecture: adapter.architecture, description: adapter.description, software: adapter.software },
      dispatches_per_step: trainer.dispatchesPerStep,
      matmul: ctx.matmulTuner.report(ctx),
      gpu_bytes: ctx.bytes(),
      recipe: runRecipe,
      saved: opts.save ?? null,
    });

    if (opts.record) {
      const seconds = recorded.reduce((sum, e) => sum + e.seconds, 0);
      const record: RecordedRun = {
        date: new Date().toISOString(),
        adapter: describeAdapter(adapter),
        command: [COMMAND, ...process.argv.slice(2).map(shellQuote)].join(' '),
        recipe: runRecipe,
        steps_per_epoch: trainer.stepsPerEpoch,
        epochs: recorded,
        steps: { every: STEP_BLOCK, loss: blockMeans(stepLosses, STEP_BLOCK).map(round6) },
        test_accuracy: result.accuracy,
        samples_per_s: round6((trainer.stepsPerEpoch * runRecipe.batch * recorded.length) / seconds),
      };
      await writeAtomically(opts.record, new TextEncoder().encode(`${JSON.stringify(record)}\n`));
      log(`Recorded the run to ${opts.record}`);
    }
  } finally {
    trainer.destroy();
    ctx.destroy();
  }
}

function describeAdapter(adapter: AdapterSummary): string {
  return `${adapter.vendor} ${adapter.architecture}${adapter.description ? ` (${adapter.description})` : ''}${adapter.software ? ' [software]' : ''}`;
}

/** An argument as a POSIX shell reads it back: bare when it is plain, else single-quoted. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Writes through a temporary file and a rename, so an interrupted write never leaves half a file. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

main().catch((error: unknown) => {
  process.exitCode = reportFailure(error);
});
