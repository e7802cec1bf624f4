// The recorded run the page shows without WebGPU (src/app/trainer/recorded/lesson-run.json, written by
// `npm run train -- --record`): the lesson's recipe, whole and self-consistent, small; the helpers that
// turn a record into chart data and sentences; and blockMeans, which shrinks the step losses.
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECIPES } from '../src/train/recipe.ts';
import { blockMeans, round6, type RecordedRun } from '../src/train/recording.ts';
import { accuracyCurve, describeRecord, lossCurve } from '../src/app/trainer/recorded-run.ts';

const FILE = new URL('../src/app/trainer/recorded/lesson-run.json', import.meta.url);
const record = JSON.parse(readFileSync(FILE, 'utf8')) as RecordedRun;

describe('the committed record', () => {
  it('is a run of the lesson\'s recipe (RECIPES.mlp), produced by --record and --save of the files beside it', () => {
    expect(record.recipe).toEqual(RECIPES.mlp);
    expect(record.command).toMatch(/^npm run train -- /);
    expect(record.command).toContain('--record src/app/trainer/recorded/lesson-run.json');
    expect(record.command).toContain('--save src/app/trainer/recorded/lesson-weights.safetensors');
    expect(Number.isNaN(Date.parse(record.date))).toBe(false);
    expect(record.adapter).not.toBe('');
  });

  it('holds every epoch in order with its loss, time and test accuracy; the final accuracy is the last epoch\'s', () => {
    expect(record.steps_per_epoch).toBe(600);
    expect(record.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const e of record.epochs) {
      expect(e.loss).toBeGreaterThan(0);
      expect(e.seconds).toBeGreaterThan(0);
      expect(e.test_accuracy).toBeGreaterThan(0.9);
      expect(e.test_accuracy).toBeLessThanOrEqual(1);
    }
    expect(record.test_accuracy).toBe(record.epochs[14].test_accuracy);
    // The lesson's PyTorch run ends at 98.07%; a float32 engine from the same seed lands within a few tenths.
    expect(Math.abs(record.test_accuracy - 0.9807)).toBeLessThan(0.005);
  });

  it('has the step losses in blocks of 10 whose means per epoch are the epoch losses', () => {
    const { every, loss } = record.steps;
    expect(every).toBe(10);
    expect(loss).toHaveLength((600 * 15) / 10);
    const perEpoch = 600 / every;
    record.epochs.forEach((e, i) => {
      const mean = loss.slice(i * perEpoch, (i + 1) * perEpoch).reduce((a, b) => a + b, 0) / perEpoch;
      expect(Math.abs(mean - e.loss)).toBeLessThanOrEqual(1e-5 * e.loss);
    });
    const seconds = record.epochs.reduce((sum, e) => sum + e.seconds, 0);
    expect(Math.abs(record.samples_per_s - (15 * 60_000) / seconds)).toBeLessThanOrEqual(1e-5 * record.samples_per_s);
  });

  it('stays small (tens of kB)', () => {
    expect(statSync(FILE).size).toBeLessThan(40_000);
  });
});

describe('blockMeans and round6', () => {
  it('averages consecutive blocks, the last one shorter', () => {
    expect(blockMeans([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([2, 5, 7]);
    expect(blockMeans(Float32Array.from([2, 4]), 10)).toEqual([3]);
    expect(blockMeans([], 10)).toEqual([]);
  });

  it('rounds to 6 significant digits', () => {
    expect(round6(0.123456789)).toBe(0.123457);
    expect(round6(1234.56789)).toBe(1234.57);
    expect(round6(2.5e-9)).toBe(2.5e-9);
  });
});

describe('chart data and sentences', () => {
  const tiny: RecordedRun = {
    date: '2026-01-02T03:04:05.000Z',
    adapter: 'vendor arch',
    command: 'npm run train -- --epochs 2',
    recipe: { ...RECIPES.mlp, epochs: 2 },
    steps_per_epoch: 25,
    epochs: [
      { epoch: 1, loss: 0.5, seconds: 30, test_accuracy: 0.9 },
      { epoch: 2, loss: 0.25, seconds: 30, test_accuracy: 0.95 },
    ],
    steps: { every: 10, loss: [0.7, 0.5, 0.4, 0.3, 0.2] },
    test_accuracy: 0.95,
    samples_per_s: 83.3,
  };

  it('puts each loss block at its last step, in epochs (the last block ends with the run)', () => {
    expect(lossCurve(tiny)).toEqual([[0.4, 0.7], [0.8, 0.5], [1.2, 0.4], [1.6, 0.3], [2, 0.2]]);
    expect(accuracyCurve(tiny)).toEqual([[1, 90], [2, 95]]);
  });

  it('says the numbers a reader wants first', () => {
    const text = describeRecord(tiny);
    expect(text.accuracy).toBe('95.00%');
    expect(text.training).toBe('2 epochs, 50 steps, 1.0 minutes of training at 83 samples/s');
    expect(text.recorded).toBe('Recorded Jan 2, 2026 on vendor arch');
    expect(text.recipe).toBe('784-256-256-10 ReLU, xavier-uniform weights, adam lr 0.001, batch 100, 2 epochs, seed 777');
    expect(text.lossSummary).toBe('Mean training loss per epoch fell from 0.5000 in epoch 1 to 0.2500 in epoch 2.');
    expect(text.accuracySummary).toBe('Test accuracy rose from 90.00% after epoch 1 to 95.00% after epoch 2.');
  });
});
