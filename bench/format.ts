/**
 * The training benchmark's figures as rows of text, one source for the page's tables and the runner's
 * printed ones: per engine the throughput, seconds per epoch (of this run's images, and projected to all
 * 60,000), loss, test accuracy, kernels per step, readbacks and "ours / this"; per matmul product the variant
 * our engine chose, how, and each candidate's time.
 */
import { RECIPES } from '../src/train/recipe.ts';
import type { TuningReport, TuningSource } from '../src/gpu/tuner.ts';
import type { TrainBenchResult } from './common.ts';
import { ENGINES, type Engine } from './options.ts';

export const fixed = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

export interface Table {
  header: string[];
  rows: string[][];
}

/** What was trained and timed, in two sentences (from any one engine's result: they share the plan). */
export function runSummary(any: TrainBenchResult, warmupSteps: number): string[] {
  const lr = RECIPES[any.recipe]?.lr;
  return [
    `Training: ${any.recipe} (${any.layers.join('-')} ReLU), batch ${any.batch}, Adam lr ${lr}, ${any.trainCount} training images (${any.stepsPerEpoch} steps per epoch)`,
    `Timed: ${any.steps} steps${any.wholeEpochs ? ` = ${any.steps / any.stepsPerEpoch} epoch(s)` : ' (per-epoch figures projected)'} after ${warmupSteps} warm-up steps; accuracy on all ${any.testCount} test images`,
  ];
}

export const TRAIN_HEADER = ['engine', 'samples/s', 's/epoch', 's/epoch (60k)', 'loss', 'test acc', 'kernels/step', 'readbacks/epoch', 'ours/this'];

/** One row per engine that finished, in ENGINES order. */
export function trainTable(results: Partial<Record<Engine, TrainBenchResult>>): Table {
  const ours = results.ours;
  return {
    header: TRAIN_HEADER,
    rows: ENGINES.filter((e) => results[e]).map((e) => {
      const r = results[e]!;
      const kernels = (r.extra.dispatchesPerStep ?? r.extra.kernelsPerStep) as number | null | undefined;
      return [e, fixed(r.samplesPerSecond, 0), fixed(r.secondsPerEpoch), fixed(r.secondsPerFullEpoch, 1), fixed(r.loss, 4), `${fixed(r.testAccuracy * 100, 2)}%`, fixed(kernels, 0), fixed(r.readbacksPerEpoch, 1), ours ? `${fixed(ours.samplesPerSecond / r.samplesPerSecond)}x` : '-'];
    }),
  };
}

/** The candidates any product was timed with, in the order first met. */
function candidates(report: TuningReport): string[] {
  return [...new Set(report.entries.flatMap((e) => Object.keys(e.ms ?? {})))];
}

/** One row per product: label, the variant, how it was chosen, the shape key, and each candidate's ms per dispatch. */
export function matmulTable(report: TuningReport): Table {
  const timed = candidates(report);
  return {
    header: ['product', 'variant', 'source', 'shape', ...timed.map((v) => `${v} ms`)],
    rows: report.entries.map((e) => [e.label, e.variant, e.source, e.shape, ...timed.map((v) => fixed(e.ms?.[v as keyof typeof e.ms], 3))]),
  };
}

/** What each source in the matmul table means. */
export const SOURCE_MEANINGS: Record<TuningSource, string> = {
  measured: 'every candidate timed now, on this device, and the fastest kept',
  cached: 'timed on an earlier run on this adapter and kept',
  budget: 'the untuned variant, because the measuring budget was spent (a later run measures it)',
  forced: 'the variant the matmul option names',
  untuned: 'the built-in choice, as the matmul option asks',
  single: 'the only variant this device can run',
};

/** How the choices were made, in one sentence. */
export function tuningSummary(report: TuningReport): string {
  const sources = new Map<string, number>();
  for (const e of report.entries) sources.set(e.source, (sources.get(e.source) ?? 0) + 1);
  const how = [...sources].map(([source, n]) => `${n} ${source}`).join(', ');
  const spent = report.mode === 'auto' ? `; ${report.spentMs} ms spent measuring (budget ${report.budgetMs} ms); choices kept in ${report.store}` : '';
  return `Matmul variants: mode ${report.mode}, ${report.entries.length} products (${how})${spent}${report.storeError ? `; ${report.storeError}` : ''}`;
}
