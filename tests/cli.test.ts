// The real command line (`node cli/launch.mjs cli/train.ts ...`), run as a child process: every mistake a user
// can make ends with exit code 1 and one `error:` line that says what was wrong and what is allowed, never a
// stack trace; a short run prints JSON lines and saves weights PyTorch can load.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDX_FILE_NAMES } from '../src/data/idx.ts';
import { parseSafetensors } from '../src/data/safetensors.ts';
import type { RecordedRun } from '../src/train/recording.ts';
import { idxFile as idx } from './idx-fixtures.ts';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function train(args: string[], timeoutMs = 30_000): Run {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['cli/launch.mjs', 'cli/train.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGTERM',
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (performance.now() - started) / 1000 };
}

/** A JavaScript stack frame: "    at fn (file.ts:1:2)", "    at file.mjs:1:2", "    at node:internal/...". */
const JS_FRAME = /^\s+at /;

/** Asserts a user error: exit 1, exactly one `error:` line (returned), no stack trace, not reported as a bug. */
function expectUserError(run: Run): string {
  const context = `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`;
  expect(run.status, context).toBe(1);
  const lines = run.stderr.split('\n');
  const frames = lines.filter((line) => JS_FRAME.test(line));
  expect(frames, context).toEqual([]);
  expect(run.stderr, context).not.toContain('unexpected failure');
  expect(run.stdout, context).not.toMatch(/^\s+at /m);
  const errors = lines.filter((line) => line.startsWith('error:'));
  expect(errors, context).toHaveLength(1);
  return errors[0];
}

describe('usage errors (commander)', () => {
  it('an unknown option', () => {
    const run = train(['--bogus']);
    expect(expectUserError(run)).toBe("error: unknown option '--bogus'");
    expect(run.stderr).toContain('--help');
  });

  it('an unknown recipe lists the presets', () => {
    expect(expectUserError(train(['--recipe', 'nope']))).toMatch(/--recipe.*'nope' is invalid.*Allowed choices are quick, mlp, deep, lesson-deep\./);
  });

  it('a learning rate that is not a number', () => {
    expect(expectUserError(train(['--lr', 'abc']))).toMatch(/--lr.*'abc' is invalid.*--lr must be a number, got "abc"/);
  });

  it('widths that are zero or not numbers', () => {
    for (const layers of ['784,0,10', '784,256,10,x', '784,,10']) {
      const line = expectUserError(train(['--layers', layers]));
      expect(line).toContain(`'${layers}' is invalid`);
      expect(line).toMatch(/--layers: layers\[\d\] is .*; allowed: an integer from 1 to \d+/);
    }
  });

  it('an unknown optimizer lists the allowed ones', () => {
    expect(expectUserError(train(['--optimizer', 'rmsprop']))).toMatch(/--optimizer.*'rmsprop' is invalid.*Allowed choices are adam, sgd/);
  });

  it('a fractional batch size', () => {
    expect(expectUserError(train(['--batch', '2.5']))).toMatch(/--batch must be an integer, got "2\.5"/);
  });
});

describe('bad settings (validateRecipe, before the GPU is touched)', () => {
  it('a negative learning rate', () => {
    const run = train(['--lr', '-1']);
    expect(expectUserError(run)).toBe('error: lr is -1; allowed: a number above 0 and at most 10');
    expect(run.stdout).toBe('');
  });

  it('an unknown initializer lists the allowed names and the grammar', () => {
    const run = train(['--init', 'bogus']);
    const line = expectUserError(run);
    expect(line).toMatch(/^error: init: bad initializer "bogus": unknown name "bogus"; expected one of xavier-uniform, .*he-normal, .*pytorch-default/);
    expect(run.stderr).toContain('e.g. normal:0,0.01');
  });

  it('a batch above the 65536 cap', () => {
    // Caught by validateRecipe's cap before the dataset is compared; the message only says "the number of
    // training images", without the 60000 (see the next case for the message that names it).
    expect(expectUserError(train(['--batch', '70000']))).toBe(
      'error: batch is 70000; allowed: an integer from 1 to 65536 (and at most the number of training images)',
    );
  });
});

describe('settings that do not fit the dataset or the device', () => {
  it('a batch larger than the 60000 training images', () => {
    expect(expectUserError(train(['--batch', '60001']))).toBe(
      'error: batch is 60001, more than the 60,000 training images of mnist: an epoch would have no batch',
    );
  });

  it('a batch larger than --train-limit', () => {
    expect(expectUserError(train(['--train-limit', '50', '--batch', '100']))).toBe(
      'error: trainLimit is 50, fewer than one batch of 100: an epoch would have no batch',
    );
  });

  it('a first width that is not the 784 pixels', () => {
    expect(expectUserError(train(['--layers', '100,10']))).toBe(
      'error: layers[0] is 100 but the images of mnist have 784 pixels (28x28); the first width must be 784',
    );
  });

  it('a last width below the 10 classes', () => {
    expect(expectUserError(train(['--layers', '784,256,7']))).toBe(
      'error: the last width is 7 but mnist has 10 classes; the last width must be at least 10, one output per class',
    );
  });

  it('a model too big for the device fails fast, naming the layer and the limit', () => {
    // Every width is within MAX_WIDTH (2^20), but layer 0's weight is 784 x 2^20 floats (3 GiB), beyond the
    // software adapter's 1 GiB binding limit; layer 1's (4 TiB) is beyond any adapter.
    const run = train(['--layers', '784,1048576,1048576,10']);
    const line = expectUserError(run);
    expect(line).toMatch(/^error: layer (0 \(Linear 784->1048576, ReLU\) weight needs 3288334336|1 \(Linear 1048576->1048576, ReLU\) weight needs 4398046511104) bytes/);
    expect(line).toMatch(/maxStorageBufferBindingSize/);
    expect(line).toMatch(/at most \d+/);
    // Refused before anything was allocated: nothing was printed about the model, and no time was spent.
    expect(run.stdout).toBe('');
    expect(run.seconds).toBeLessThan(20);
  });
});

describe('bad data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });


  it('a data folder that does not exist', () => {
    expect(expectUserError(train(['--data', '/nonexistent']))).toBe(
      'error: dataset directory /nonexistent does not exist or is not a directory',
    );
  });

  it('a training images file with a wrong magic number names the file', async () => {
    const images = idx([3, 28, 28], new Uint8Array(3 * 784).fill(7));
    images[0] = 0x12;
    images[1] = 0x34;
    await writeFile(join(dir, IDX_FILE_NAMES.trainImages), images);
    await writeFile(join(dir, IDX_FILE_NAMES.trainLabels), idx([3], [1, 2, 3]));
    await writeFile(join(dir, IDX_FILE_NAMES.testImages), idx([2, 28, 28], new Uint8Array(2 * 784)));
    await writeFile(join(dir, IDX_FILE_NAMES.testLabels), idx([2], [4, 5]));
    const line = expectUserError(train(['--data', dir]));
    expect(line).toBe(
      `error: ${join(dir, IDX_FILE_NAMES.trainImages)}: wrong magic number: expected the first two bytes to be ` +
        '0x00 0x00, found 0x12 0x34 (not an IDX file)',
    );
  });
});

describe('training runs', () => {
  it('a diverging run stops with a message about the loss and the learning rate', () => {
    // Weights of order 1e18 overflow the logits on the first step, so the first loss is NaN.
    const run = train(['--train-limit', '300', '--epochs', '1', '--init', 'normal:0,1e18']);
    const line = expectUserError(run);
    expect(line).toMatch(/^error: the loss became (NaN|-?Infinity) at epoch 1, step \d+: training diverged\. The run went back to its weights and optimizer state from before its first step/);
    expect(line).toContain('with a lower learning rate (now 0.001)');
    // Without --checkpoint, the state the run went back to is kept in a file of its own, named.
    const kept = /Kept the state after step 0 in (\S+webgpu-mlp-stopped-\S+\.safetensors): continue with npm run train -- --resume \S+ --lr 0\.0001/.exec(run.stderr);
    expect(kept, run.stderr).not.toBeNull();
    expect(parseSafetensors(new Uint8Array(readFileSync(kept![1]))).metadata).toMatchObject({ step: '0' });
    rmSync(kept![1]);
    expect(run.stdout).not.toContain('Accuracy');
  });

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-save-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a short run prints JSON lines and saves safetensors weights', async () => {
    // Evaluation covers all 10,000 test images, which dominates the run on the software adapter.
    const file = join(dir, 'weights.safetensors');
    const run = train(['--train-limit', '200', '--batch', '100', '--epochs', '1', '--json', '--save', file], 120_000);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/^error:/m);

    const lines = run.stdout.trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    const [epoch, final] = records;
    expect(epoch).toMatchObject({ epoch: 1 });
    for (const key of ['loss', 'seconds', 'samples_per_s']) {
      expect(typeof epoch[key], key).toBe('number');
      expect(Number.isFinite(epoch[key]) && (epoch[key] as number) > 0, key).toBe(true);
    }
    // Two steps of Adam from Xavier: the loss is still near ln(10) = 2.30.
    expect(epoch.loss as number).toBeGreaterThan(1.5);
    expect(epoch.loss as number).toBeLessThan(2.6);

    expect(final.test_accuracy as number).toBeGreaterThan(0.1);
    expect(final.test_accuracy as number).toBeLessThanOrEqual(1);
    expect(final.count).toBe(10_000);
    expect(final.adapter).toMatchObject({ vendor: expect.any(String), architecture: expect.any(String), software: expect.any(Boolean) });
    expect(final.recipe).toMatchObject({ layers: [784, 256, 256, 10], batch: 100, epochs: 1, trainLimit: 200, optimizer: 'adam' });
    expect(final.saved).toBe(file);

    const weights = parseSafetensors(new Uint8Array(await readFile(file)));
    const shapes = Object.fromEntries([...weights.tensors].map(([name, info]) => [name, info.shape]));
    expect(shapes).toEqual({
      '0.weight': [256, 784],
      '0.bias': [256],
      '2.weight': [256, 256],
      '2.bias': [256],
      '4.weight': [10, 256],
      '4.bias': [10],
    });
    for (const info of weights.tensors.values()) expect(info.dtype).toBe('F32');
    expect(weights.metadata).toMatchObject({ format: 'pt', layers: '784,256,256,10' });
  });

  it('--record writes the whole run as a small JSON: each epoch with its test accuracy, block means of the step losses, the command', async () => {
    const file = join(dir, 'run.json');
    const args = ['--train-limit', '300', '--batch', '10', '--epochs', '2', '--json', '--record', file];
    const run = train(args, 120_000);
    expect(run.status, run.stderr).toBe(0);
    const final = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).at(-1)!;
    const record = JSON.parse(await readFile(file, 'utf8')) as RecordedRun;

    expect(record.command).toBe(`npm run train -- ${args.join(' ')}`);
    expect(record.recipe).toEqual(final.recipe);
    expect(record.adapter).toContain((final.adapter as { vendor: string }).vendor);
    expect(Date.now() - Date.parse(record.date)).toBeLessThan(10 * 60_000);
    expect(record.steps_per_epoch).toBe(30);
    expect(record.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    // The last epoch's evaluation is the run's final one.
    expect(record.test_accuracy).toBe(final.test_accuracy);
    expect(record.epochs[1].test_accuracy).toBe(final.test_accuracy);
    expect(record.epochs[0].test_accuracy).toBeGreaterThan(0.1);
    // 30 steps an epoch in blocks of 10: three block means per epoch, whose mean is the epoch's loss.
    expect(record.steps.every).toBe(10);
    expect(record.steps.loss).toHaveLength(6);
    for (const [i, e] of record.epochs.entries()) {
      const blocks = record.steps.loss.slice(3 * i, 3 * i + 3);
      expect(blocks.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(e.loss, 4);
    }
    const seconds = record.epochs.reduce((sum, e) => sum + e.seconds, 0);
    expect(record.samples_per_s).toBeCloseTo((2 * 300) / seconds, 0);
  });

  it('--record refuses --resume (a record holds a whole run)', () => {
    expect(expectUserError(train(['--record', join(dir, 'x.json'), '--resume', join(dir, 'none.safetensors')]))).toBe(
      'error: --record cannot be combined with --resume: a record holds a whole run from its first step',
    );
  });

  it('a run stopped by a NaN keeps its last good state in the --checkpoint file, which --resume continues with a new --lr', async () => {
    const checkpoint = join(dir, 'stopped.safetensors');
    const args = ['--train-limit', '300', '--epochs', '1', '--init', 'normal:0,1e18'];
    const stopped = train([...args, '--checkpoint', checkpoint]);
    expectUserError(stopped);
    expect(stopped.stderr).toContain(`Kept the state after step 0 in ${checkpoint}: continue with npm run train -- --resume ${checkpoint} --lr 0.0001`);
    const file = parseSafetensors(new Uint8Array(await readFile(checkpoint)));
    expect(file.metadata).toMatchObject({ epoch: '0', step: '0' });
    // Those weights overflow at any rate: the resumed run takes the new rate and stops at the same step.
    const resumed = train(['--resume', checkpoint, '--lr', '0.0001', '--train-limit', '300', '--checkpoint', checkpoint]);
    expect(expectUserError(resumed)).toMatch(/^error: the loss became (NaN|-?Infinity) at epoch 1, step 1: training diverged\. .*\(now 0\.0001\)/);
    expect(resumed.stdout).toContain('Learning rate 0.0001 from step 1 on');
    // A setting that differs from the checkpoint's recipe is refused, not ignored.
    expect(expectUserError(train(['--resume', checkpoint, '--batch', '50', '--seed', '777']))).toBe(
      `error: --batch cannot change a resumed run: its checkpoint says --batch 100 (only --epochs and --lr may change)`,
    );
  });

  it('--checkpoint writes the training state each epoch and --resume continues it to the loss of an uninterrupted run', async () => {
    const checkpoint = join(dir, 'run.safetensors');
    const args = ['--train-limit', '200', '--batch', '100', '--json'];
    const whole = train([...args, '--epochs', '2'], 120_000);
    const first = train([...args, '--epochs', '1', '--checkpoint', checkpoint], 120_000);
    const resumed = train([...args, '--resume', checkpoint, '--epochs', '2'], 120_000);
    for (const run of [whole, first, resumed]) expect(run.status, run.stderr).toBe(0);
    const epochs = (run: Run): Array<{ epoch: number; loss: number }> => run.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((r) => 'epoch' in r);
    expect(epochs(first)).toHaveLength(1);
    expect(epochs(resumed)).toEqual([expect.objectContaining({ epoch: 2, loss: epochs(whole)[1].loss })]);
    const file = parseSafetensors(new Uint8Array(await readFile(checkpoint)));
    expect(file.tensors.get('optimizer.exp_avg.0.weight')?.shape).toEqual([256, 784]);
    expect(file.metadata).toMatchObject({ epoch: '1', step: '2' });
  });
});

describe('--diagnostics', () => {
  it('prints a per-layer table after each epoch, and the dispatches of a sampled step', () => {
    const run = train(['--train-limit', '400', '--batch', '100', '--epochs', '2', '--diagnostics', '3'], 120_000);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('10 dispatches per step (14 on a step sampled for diagnostics, every 3)');
    // 4 steps an epoch: each epoch ends with its last step sampled.
    for (const [epoch, step] of [[1, 4], [2, 8]]) {
      const at = run.stdout.indexOf(`Epoch: 000${epoch} cost`);
      const lines = run.stdout.slice(at).split('\n').slice(1, 6);
      expect(lines[0]).toBe(`  diagnostics at step ${step}:`);
      expect(lines[1].trim().split(/\s{2,}/)).toEqual(['layer', 'act mean', 'act std', 'dead', 'dL/dz std', 'dL/dW std', 'update log10']);
      expect(lines.slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(['1', '2', '3']);
    }
  });

  it('with --json, each epoch object carries the layers\' statistics', () => {
    const run = train(['--train-limit', '200', '--batch', '100', '--epochs', '1', '--json', '--diagnostics'], 120_000);
    expect(run.status, run.stderr).toBe(0);
    const epoch = JSON.parse(run.stdout.trim().split('\n')[0]) as { epoch: number; diagnostics: Array<Record<string, number>> };
    expect(epoch.epoch).toBe(1);
    expect(epoch.diagnostics.map((d) => d.layer)).toEqual([1, 2, 3]);
    for (const d of epoch.diagnostics) {
      expect(Object.keys(d)).toEqual(['layer', 'act_mean', 'act_std', 'dead_frac', 'grad_std', 'weight_grad_std', 'update_ratio']);
      expect(d.act_std).toBeGreaterThan(0);
      expect(d.grad_std).toBeGreaterThan(0);
      expect(d.weight_grad_std).toBeGreaterThan(0);
      expect(d.dead_frac).toBeGreaterThanOrEqual(0);
      expect(d.dead_frac).toBeLessThan(0.5);
      // Two Adam steps from Xavier: each weight moved by about lr = 1e-3 against weights of about 0.05.
      expect(d.update_ratio).toBeGreaterThan(-3);
      expect(d.update_ratio).toBeLessThan(-1);
    }
    expect(epoch.diagnostics[2].dead_frac).toBe(0); // the logits have no ReLU
  });

  it('an interval that is not a positive integer is refused before anything runs', () => {
    const run = train(['--diagnostics', '0']);
    expect(expectUserError(run)).toBe('error: diagnostics every is 0; allowed: an integer from 1 to 1000000 (steps)');
    expect(run.stdout).toBe('');
    expect(expectUserError(train(['--diagnostics', '2.5']))).toMatch(/--diagnostics must be an integer, got "2\.5"/);
  });

  it('a diverging run says where the values stopped being finite', () => {
    const run = train(['--train-limit', '300', '--epochs', '1', '--init', 'normal:0,1e18', '--diagnostics']);
    const line = expectUserError(run);
    expect(line).toMatch(/^error: the loss became (NaN|-?Infinity) at epoch 1, step 1: training diverged\. /);
    expect(line).toContain("Measured again on that step's batch, the first value that was not finite is in layer 2's activations.");
    const kept = /Kept the state after step 0 in (\S+\.safetensors)/.exec(run.stderr);
    if (kept) rmSync(kept[1]);
  });
});
