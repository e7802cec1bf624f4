/**
 * The recorded run of the lesson's recipe that the page shows where it cannot train (recorded/lesson-run.json,
 * written by `npm run train -- --record`): loaded on demand, turned into chart data and a few sentences.
 */
import type { RecordedRun } from '../../train/recording.ts';

/** The record, from its own chunk: pages that can train never download it. */
export async function loadRecordedRun(): Promise<RecordedRun> {
  return (await import('./recorded/lesson-run.json')).default as RecordedRun;
}

/** The loss curve: each block of steps at its last step, in (fractional) epochs, with its mean loss. */
export function lossCurve(record: RecordedRun): Array<[number, number]> {
  const { every, loss } = record.steps;
  const total = record.steps_per_epoch * record.epochs.length;
  return loss.map((y, i) => [Math.min(total, (i + 1) * every) / record.steps_per_epoch, y]);
}

/** Test accuracy after each epoch, in percent. */
export function accuracyCurve(record: RecordedRun): Array<[number, number]> {
  return record.epochs.map((e) => [e.epoch, e.test_accuracy * 100]);
}

const integer = new Intl.NumberFormat('en-US');
const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });

/** The sentences beside the charts. */
export function describeRecord(record: RecordedRun): { accuracy: string; training: string; recorded: string; recipe: string; lossSummary: string; accuracySummary: string } {
  const r = record.recipe;
  const epochs = record.epochs.length;
  const seconds = record.epochs.reduce((sum, e) => sum + e.seconds, 0);
  const first = record.epochs[0];
  const last = record.epochs[epochs - 1];
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return {
    accuracy: pct(record.test_accuracy),
    training: `${epochs} epochs, ${integer.format(record.steps_per_epoch * epochs)} steps, ${(seconds / 60).toFixed(1)} minutes of training at ${integer.format(Math.round(record.samples_per_s))} samples/s`,
    recorded: `Recorded ${day.format(new Date(record.date))} on ${record.adapter}`,
    recipe: `${r.layers.join('-')} ReLU, ${r.init} weights, ${r.optimizer} lr ${r.lr}, batch ${r.batch}, ${r.epochs} epochs, seed ${r.seed}`,
    lossSummary: `Mean training loss per epoch fell from ${first.loss.toFixed(4)} in epoch 1 to ${last.loss.toFixed(4)} in epoch ${last.epoch}.`,
    accuracySummary: `Test accuracy rose from ${pct(first.test_accuracy)} after epoch 1 to ${pct(last.test_accuracy)} after epoch ${last.epoch}.`,
  };
}
