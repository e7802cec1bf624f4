/**
 * The pure parts of <mlp-digit-pad> (no DOM), kept apart so Node tests can check them: which class wins,
 * how a typed test-image number is read, and what the prediction line says.
 */

/** Index of the largest probability (ties: the lowest index, as the engine's argmax); -1 for none. */
export function argmax(probabilities: readonly number[] | null): number {
  if (!probabilities || probabilities.length === 0) return -1;
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
  return best;
}

/** A test-image number typed by a person: an integer in [0, count), or a message that says what is allowed. */
export function parseTestIndex(text: string, count: number): { index: number } | { error: string } {
  const allowed = `a whole number from 0 to ${count - 1}`;
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(value) || value < 0 || value >= count) {
    return { error: `Test image must be ${allowed}${trimmed === '' ? '' : `, not "${trimmed}"`}.` };
  }
  return { index: value };
}

const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A probability as the bars label it: 0.98123 -> "98.1%". */
export function formatPercent(p: number): string {
  return percent.format(p);
}

export interface PadBar {
  /** What the bar stands for: a class ("7"), or "other" for every output past the classes together. */
  label: string;
  /** Its probability; undefined before anything was classified. */
  p: number | undefined;
  /** Whether it holds the prediction. */
  best: boolean;
}

/**
 * The pad's bars: one per class, and for a model with more outputs than classes (the lesson's deep cell: 512
 * for 10) one more, "other", holding the probability of all the outputs past the classes, which wins when the
 * prediction is one of them.
 */
export function padBars(probabilities: readonly number[] | null, classes: number): PadBar[] {
  const best = argmax(probabilities);
  const bars: PadBar[] = Array.from({ length: classes }, (_, digit) => ({ label: String(digit), p: probabilities?.[digit], best: digit === best }));
  if (probabilities && probabilities.length > classes) {
    const p = probabilities.slice(classes).reduce((a, b) => a + b, 0);
    bars.push({ label: 'other', p, best: best >= classes });
  }
  return bars;
}

/**
 * What the pad classified, for its polite live region: "Prediction: 7." or "Prediction: 7. Test image 12,
 * true label 7: correct." No percentage, so the text (and what a screen reader says) changes only when the
 * verdict does, not at every stroke; the bars show the numbers. An output past the `classes` is said as such.
 */
export function describePrediction(probabilities: readonly number[], test?: { index: number; label: number }, classes = probabilities.length): string {
  const best = argmax(probabilities);
  const verdict = best < classes ? `Prediction: ${best}.` : `Prediction: output ${best}, which is no class.`;
  if (!test) return verdict;
  const outcome = test.label === best ? 'correct' : 'wrong';
  return `${verdict} Test image ${test.index}, true label ${test.label}: ${outcome}.`;
}
