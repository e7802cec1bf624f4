// The pure parts of <mlp-digit-pad> (src/app/widgets/digit-pad-helpers.ts): which class wins, how a typed
// test-image number is read, what the live region says, and the bars of a model with more outputs than classes.
import { describe, expect, it } from 'vitest';
import { argmax, describePrediction, formatPercent, padBars, parseTestIndex } from '../src/app/widgets/digit-pad-helpers.ts';

describe('argmax', () => {
  it('picks the largest, the lowest index on a tie (as the engine does), and -1 for nothing', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax([0.4, 0.1, 0.4, 0.1])).toBe(0);
    expect(argmax([0, 0, 0.5, 0.5])).toBe(2);
    expect(argmax([])).toBe(-1);
    expect(argmax(null)).toBe(-1);
  });
});

describe('parseTestIndex', () => {
  it('accepts whole numbers from 0 to count - 1, with spaces around', () => {
    expect(parseTestIndex('0', 10_000)).toEqual({ index: 0 });
    expect(parseTestIndex(' 9999 ', 10_000)).toEqual({ index: 9999 });
    expect(parseTestIndex('42', 10_000)).toEqual({ index: 42 });
  });

  it('refuses what is not one, saying what is allowed and what was typed', () => {
    expect(parseTestIndex('10000', 10_000)).toEqual({ error: 'Test image must be a whole number from 0 to 9999, not "10000".' });
    expect(parseTestIndex('-1', 10_000)).toEqual({ error: 'Test image must be a whole number from 0 to 9999, not "-1".' });
    expect(parseTestIndex('2.5', 100)).toEqual({ error: 'Test image must be a whole number from 0 to 99, not "2.5".' });
    expect(parseTestIndex('seven', 100)).toEqual({ error: 'Test image must be a whole number from 0 to 99, not "seven".' });
    expect(parseTestIndex('  ', 100)).toEqual({ error: 'Test image must be a whole number from 0 to 99.' });
  });
});

describe('what the pad says', () => {
  const probabilities = [0.01, 0.02, 0.005, 0.005, 0.01, 0.01, 0.01, 0.9, 0.02, 0.01];

  it('names the prediction, and for a test image its number, true label and whether it is right', () => {
    expect(describePrediction(probabilities)).toBe('Prediction: 7.');
    expect(describePrediction(probabilities, { index: 0, label: 7 })).toBe('Prediction: 7. Test image 0, true label 7: correct.');
    expect(describePrediction(probabilities, { index: 12, label: 9 })).toBe('Prediction: 7. Test image 12, true label 9: wrong.');
  });

  it('leaves percentages to the bars, so the announcement does not change while the verdict stays', () => {
    const sharper = probabilities.map((p, i) => (i === 7 ? 0.99 : p / 10));
    expect(describePrediction(sharper)).toBe(describePrediction(probabilities));
  });

  it('formats a bar value to a tenth of a percent', () => {
    expect(formatPercent(0.98123)).toBe('98.1%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(1)).toBe('100.0%');
  });
});

describe('a model with more outputs than classes (the lesson\'s deep cell: 512 for 10)', () => {
  // 16 outputs: the classes 0..9, then six outputs that are no class.
  const sixteen = (winner: number): number[] => Array.from({ length: 16 }, (_, i) => (i === winner ? 0.55 : 0.03));

  it('shows a bar per class and one "other" bar holding every output past the classes', () => {
    const bars = padBars(sixteen(3), 10);
    expect(bars.map((b) => b.label)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'other']);
    expect(bars[3]).toEqual({ label: '3', p: 0.55, best: true });
    expect(bars[10].p).toBeCloseTo(6 * 0.03, 12);
    expect(bars.filter((b) => b.best)).toHaveLength(1);
  });

  it('puts the prediction on "other" when it is an output past the classes, and says it is no class', () => {
    const probabilities = sixteen(12);
    const bars = padBars(probabilities, 10);
    expect(bars.filter((b) => b.best).map((b) => b.label)).toEqual(['other']);
    expect(bars[10].p).toBeCloseTo(0.55 + 5 * 0.03, 12);
    expect(describePrediction(probabilities, undefined, 10)).toBe('Prediction: output 12, which is no class.');
    expect(describePrediction(probabilities, { index: 4, label: 2 }, 10)).toBe('Prediction: output 12, which is no class. Test image 4, true label 2: wrong.');
    expect(describePrediction(sixteen(2), { index: 4, label: 2 }, 10)).toBe('Prediction: 2. Test image 4, true label 2: correct.');
  });

  it('has no "other" bar when the outputs are the classes, nor before anything was classified', () => {
    expect(padBars(sixteen(3).slice(0, 10), 10)).toHaveLength(10);
    expect(padBars(null, 10).map((b) => b.p)).toEqual(new Array(10).fill(undefined));
  });
});
