/**
 * What the page is shown of the test set: an evaluation as counts plus a seeded random digit and the
 * misclassified ones, and single test images by number (the drawing pad's keyboard input).
 */
import type { ImageSet } from '../data/idx.ts';
import { Rng } from '../init/rng.ts';
import type { EvalResult } from '../train/trainer.ts';
import type { DigitSample, Evaluation } from './protocol.ts';

const MISCLASSIFIED_SHOWN = 48;

/**
 * The trainer's confusion matrix (outputs x outputs, rows the true label) as the page shows it: classes x
 * classes, and per true label the images predicted as an output past the classes (a model with more outputs
 * than classes, such as the lesson's deep cell with 512; empty when it has none). Rows past the classes
 * are all zero, since no label reaches them.
 */
export function foldConfusion(confusion: ArrayLike<number>, classes: number): { confusion: number[]; otherOutputs: number[] } {
  const outputs = Math.round(Math.sqrt(confusion.length));
  if (outputs * outputs !== confusion.length || outputs < classes) {
    throw new RangeError(`a confusion matrix of ${confusion.length} counts is not outputs x outputs for at least ${classes} outputs`);
  }
  const folded: number[] = [];
  const otherOutputs: number[] = [];
  for (let label = 0; label < classes; label++) {
    const row = Array.from({ length: outputs }, (_, p) => confusion[label * outputs + p]);
    folded.push(...row.slice(0, classes));
    if (outputs > classes) otherOutputs.push(row.slice(classes).reduce((a, b) => a + b, 0));
  }
  return { confusion: folded, otherOutputs };
}

/** The evaluation as the page shows it; the random digit is seeded by the recipe's seed and the epoch. */
export function describeEvaluation(result: EvalResult, test: ImageSet, epoch: number, seed: number): Evaluation {
  const size = test.rows * test.cols;
  const digit = (index: number): DigitSample => ({ index, label: test.labels[index], prediction: result.predictions[index], pixels: test.pixels.slice(index * size, (index + 1) * size) });
  const misclassified: DigitSample[] = [];
  for (let i = 0; i < result.count && misclassified.length < MISCLASSIFIED_SHOWN; i++) {
    if (result.predictions[i] !== test.labels[i]) misclassified.push(digit(i));
  }
  return {
    epoch,
    accuracy: result.accuracy,
    correct: result.correct,
    count: result.count,
    ...foldConfusion(result.confusion, test.numClasses),
    sample: digit(new Rng((seed + epoch) >>> 0).nextInt(result.count)),
    misclassified,
  };
}

/** Test image `index` with its label; a RangeError naming the range for any other number. */
export function testImage(test: ImageSet, index: number): { index: number; label: number; pixels: Uint8Array } {
  if (!Number.isInteger(index) || index < 0 || index >= test.count) {
    throw new RangeError(`there is no test image ${index}: ${test.name} has ${test.count} images, numbered 0 to ${test.count - 1}`);
  }
  const size = test.rows * test.cols;
  return { index, label: test.labels[index], pixels: test.pixels.slice(index * size, (index + 1) * size) };
}
