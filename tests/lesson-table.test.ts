// `npm run pytorch` without a GPU: the PyTorch script's arguments for each recipe (the lesson's unused layers
// included), the reading of its JSON lines, the side-by-side table, and the command's refusals (bad options, a
// recipe that does not fit the data, no torch, no Python) as one `error:` line with exit code 1. The whole command, tiny, runs in
// tests/lesson-compare.gpu.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RECIPES } from '../src/train/recipe.ts';
import { comparisonFooter, comparisonHeading, comparisonJson, comparisonTable, lessonArgs, LessonRunError, TorchLines, type Comparison, type TorchProgress } from '../cli/lesson-table.ts';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

describe('the PyTorch script\'s arguments', () => {
  it('carry the recipe\'s numbers, with --progress for the bar', () => {
    expect(lessonArgs(RECIPES.mlp, 'mlp', '/data')).toEqual(['--data', '/data', '--layers', '784,256,256,10', '--epochs', '15', '--batch', '100', '--lr', '0.001', '--seed', '777', '--train-limit', '0', '--progress']);
  });

  it('build the lesson\'s unused linear4 and linear5 for lesson-deep (they draw from torch\'s RNG), none for deep', () => {
    const deep = lessonArgs(RECIPES['lesson-deep'], 'lesson-deep', '/data', 2);
    expect(deep.slice(2, 4)).toEqual(['--layers', '784,512,512,512']);
    expect(deep.slice(-4)).toEqual(['--unused', '512,10', '--threads', '2']);
    expect(lessonArgs(RECIPES.deep, 'deep', '/data')).not.toContain('--unused');
  });

  it('refuse a recipe the lesson\'s loop does not run', () => {
    expect(() => lessonArgs({ ...RECIPES.mlp, optimizer: 'sgd' }, 'mine', '/data')).toThrow(LessonRunError);
    expect(() => lessonArgs({ ...RECIPES.mlp, init: 'he-normal' }, 'mine', '/data')).toThrow(/recipe mine is not that/);
  });
});

describe('reading the script\'s lines', () => {
  const script = [
    '{"start": true, "torch": "1.13.0a0", "python": "3.11.2", "threads": 2}',
    '{"epoch": 1, "step": 300, "steps": 600, "loss": 0.41}',
    '{"epoch": 1, "loss": 0.2467, "seconds": 20.0, "samples_per_s": 3000.0}',
    '',
    '{"epoch": 2, "loss": 0.0931, "seconds": 25.0, "samples_per_s": 2400.0}',
    '{"test_accuracy": 0.9744, "correct": 9744, "count": 10000, "lesson_test_accuracy": 0.9748}',
  ];

  it('collects the start, each epoch and the test set, and reports progress as it comes', () => {
    const progress: TorchProgress[] = [];
    const epochs: number[] = [];
    const lines = new TorchLines({ progress: (p) => progress.push(p), epoch: (e) => epochs.push(e.epoch) });
    script.forEach((line) => lines.read(line));
    expect(progress).toEqual([{ epoch: 1, step: 300, steps: 600, loss: 0.41 }]);
    expect(epochs).toEqual([1, 2]);
    expect(lines.finish(2)).toEqual({
      torch: '1.13.0a0',
      python: '3.11.2',
      threads: 2,
      epochs: [
        { epoch: 1, loss: 0.2467, seconds: 20, samplesPerSecond: 3000 },
        { epoch: 2, loss: 0.0931, seconds: 25, samplesPerSecond: 2400 },
      ],
      accuracy: 0.9744,
      correct: 9744,
      count: 10000,
      lessonAccuracy: 0.9748,
    });
  });

  it('says what is missing from a run that stopped early, and refuses a line that is not JSON', () => {
    const lines = new TorchLines();
    script.slice(0, 3).forEach((line) => lines.read(line));
    expect(() => lines.finish(2)).toThrow('the PyTorch script stopped early: 1 of 2 epochs, no test accuracy');
    expect(() => lines.read('Traceback (most recent call last):')).toThrow(/not JSON: Traceback/);
  });

  it('notes the script\'s own report of a missing torch', () => {
    const lines = new TorchLines();
    lines.read('{"error": "no-torch", "python": "/usr/bin/python3", "message": "No module named \'torch\'"}');
    expect(lines.noTorch).toBe("No module named 'torch'");
  });
});

describe('the side-by-side table', () => {
  const comparison: Comparison = {
    recipe: 'mlp',
    layers: [784, 256, 256, 10],
    trainImages: 60000,
    batch: 100,
    stepsPerEpoch: 600,
    adapter: 'google swiftshader [software]',
    torch: {
      torch: '1.13.0a0',
      python: '3.11.2',
      threads: 1,
      epochs: [
        { epoch: 1, loss: 0.246763, seconds: 20, samplesPerSecond: 3000 },
        { epoch: 2, loss: 0.093063, seconds: 30, samplesPerSecond: 2000 },
      ],
      accuracy: 0.9744,
      correct: 9744,
      count: 10000,
      lessonAccuracy: 0.9748,
    },
    ours: {
      epochs: [
        { epoch: 1, loss: 0.2441, seconds: 12, samplesPerSecond: 5000 },
        { epoch: 2, loss: 0.0917, seconds: 12, samplesPerSecond: 5000 },
      ],
      accuracy: 0.9751,
      correct: 9751,
      count: 10000,
    },
  };
  const recipe = { ...RECIPES.mlp, epochs: 2 };

  it('puts each epoch\'s losses and samples/s side by side, then the whole run and the test accuracies', () => {
    expect(comparisonTable(comparison)).toBe(
      [
        'epoch          loss PyTorch  loss ours  samples/s PyTorch  samples/s ours',
        '1                  0.246763   0.244100              3,000           5,000',
        '2                  0.093063   0.091700              2,000           5,000',
        'all                                                 2,400           5,000',
        'test accuracy        97.44%     97.51%',
      ].join('\n'),
    );
  });

  it('has no "all" row for a single epoch', () => {
    const one = { ...comparison, torch: { ...comparison.torch, epochs: comparison.torch.epochs.slice(0, 1) }, ours: { ...comparison.ours, epochs: comparison.ours.epochs.slice(0, 1) } };
    expect(comparisonTable(one).split('\n').map((line) => line.split(' ')[0])).toEqual(['epoch', '1', 'test']);
  });

  it('names the recipe, torch\'s version and threads and the adapter above it, the counts and the lesson\'s own test cell below', () => {
    expect(comparisonHeading(comparison, recipe)).toBe(
      'Recipe mlp: 784-256-256-10 ReLU, xavier-uniform, adam lr 0.001, batch 100, 2 epochs, seed 777; 60,000 training images, 600 steps per epoch\n' +
        'PyTorch 1.13.0a0 on the CPU (1 thread, Python 3.11.2), then ours on google swiftshader [software], one after the other',
    );
    expect(comparisonFooter(comparison)).toContain('Test accuracy: PyTorch 97.44% (9,744/10,000), ours 97.51% (9,751/10,000), both on pixels / 255');
    expect(comparisonFooter(comparison)).toContain("PyTorch's model scores 97.48% that way");
  });

  it('writes the same as one JSON object', () => {
    const json = comparisonJson(comparison, recipe) as { epochs: unknown[]; test_accuracy: unknown; torch: unknown };
    expect(json.epochs[1]).toEqual({ epoch: 2, pytorch: { loss: 0.093063, seconds: 30, samples_per_s: 2000 }, ours: { loss: 0.0917, seconds: 12, samples_per_s: 5000 } });
    expect(json.test_accuracy).toEqual({ pytorch: 0.9744, ours: 0.9751, pytorch_lesson_test_cell: 0.9748 });
    expect(json.torch).toEqual({ version: '1.13.0a0', python: '3.11.2', threads: 1 });
  });
});

describe('npm run pytorch refuses, with one error line and exit code 1', () => {
  function pytorch(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; errors: string[]; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, ['cli/launch.mjs', 'cli/pytorch.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
    if (result.error) throw result.error;
    return { status: result.status, errors: result.stderr.split('\n').filter((line) => line.startsWith('error:')), stdout: result.stdout, stderr: result.stderr };
  }

  it('an unknown recipe, listing the presets; epochs or threads that are not whole numbers from 1', () => {
    const recipe = pytorch(['--recipe', 'nope']);
    expect(recipe.status).toBe(1);
    expect(recipe.errors).toHaveLength(1);
    expect(recipe.errors[0]).toMatch(/'nope' is invalid.*Allowed choices are quick, mlp, deep, lesson-deep\./);
    for (const [option, value] of [['--epochs', '0'], ['--threads', '1.5'], ['--train-limit', 'x']]) {
      const run = pytorch([option, value]);
      expect(run.status).toBe(1);
      expect(run.errors).toEqual([`error: option '${option} <n>' argument '${value}' is invalid. ${option} must be a whole number from 1 up, got "${value}"`]);
    }
  });

  it('a recipe that does not fit the data, before either side trains', () => {
    const run = pytorch(['--train-limit', '50', '--epochs', '1']);
    expect(run.status).toBe(1);
    expect(run.errors).toEqual(['error: trainLimit is 50, fewer than one batch of 100: an epoch would have no batch']);
    // Nothing ran: not even PyTorch's first line.
    expect(run.stdout).toBe('');
  });

  it('a Python that does not exist, or one without torch, with the command that installs it', async () => {
    const missing = pytorch(['--python', '/nonexistent/python3', '--epochs', '1']);
    expect(missing.status).toBe(1);
    expect(missing.errors).toEqual([
      'error: PyTorch is not importable from /nonexistent/python3 (there is no /nonexistent/python3); install it with: apt-get install -y python3-torch (then run with /usr/bin/python3, or name another interpreter with --python)',
    ]);

    // A torch package that cannot be imported, first on the path: the script's own check answers.
    const dir = await mkdtemp(join(tmpdir(), 'no-torch-'));
    try {
      await mkdir(join(dir, 'torch'));
      await writeFile(join(dir, 'torch', '__init__.py'), 'raise ImportError("No module named \'torch\' (hidden by the test)")\n');
      const hidden = pytorch(['--epochs', '1'], { ...process.env, PYTHONPATH: dir });
      expect(hidden.status, hidden.stderr).toBe(1);
      expect(hidden.errors).toEqual([
        "error: PyTorch is not importable from /usr/bin/python3 (No module named 'torch' (hidden by the test)); install it with: apt-get install -y python3-torch (then run with /usr/bin/python3, or name another interpreter with --python)",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
