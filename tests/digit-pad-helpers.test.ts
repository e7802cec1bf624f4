// The pure parts of <mlp-digit-pad> (src/app/widgets/digit-pad-helpers.ts): which class wins, how a typed
// test-image number is read, and what the live region says.
import { describe, expect, it } from 'vitest';
import { argmax, describePrediction, formatPercent, parseTestIndex } from '../src/app/widgets/digit-pad-helpers.ts';

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
