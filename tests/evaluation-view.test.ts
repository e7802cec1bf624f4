// How the page is shown an evaluation (src/engine/test-set.ts foldConfusion): the trainer's outputs x outputs
// confusion matrix as classes x classes plus, for a model with more outputs than classes (the lesson's deep
// cell: 512 for 10), the predictions past the classes per true label. CPU only.
import { describe, expect, it } from 'vitest';
import { foldConfusion } from '../src/engine/test-set.ts';

describe('foldConfusion', () => {
  it('passes a matrix of exactly the classes through, with no "other" column', () => {
    expect(foldConfusion(Uint32Array.of(5, 1, 2, 7), 2)).toEqual({ confusion: [5, 1, 2, 7], otherOutputs: [] });
  });

  it('keeps the classes x classes block and sums each label\'s predictions past the classes', () => {
    // 4 outputs, 2 classes: rows are true labels 0..3 (rows 2 and 3 empty: no label reaches them).
    const confusion = Uint32Array.of(
      5, 1, 3, 0,
      2, 7, 1, 4,
      0, 0, 0, 0,
      0, 0, 0, 0,
    );
    expect(foldConfusion(confusion, 2)).toEqual({ confusion: [5, 1, 2, 7], otherOutputs: [3, 5] });
  });

  it('refuses counts that are not outputs x outputs for at least the classes', () => {
    expect(() => foldConfusion(new Uint32Array(10), 2)).toThrow(/10 counts is not outputs x outputs for at least 2 outputs/);
    expect(() => foldConfusion(new Uint32Array(4), 3)).toThrow(RangeError);
  });
});
