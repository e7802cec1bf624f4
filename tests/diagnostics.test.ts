/**
 * Diagnostics on the CPU: which steps are sampled, the order in which a non-finite tensor is named, a slot of
 * statistics words read into StepDiagnostics, the interval's bounds, and the float64 oracle's rules on
 * values small enough to check by hand (bin edges, a constant tensor, values that are not finite, dead units).
 */
import { describe, expect, it } from 'vitest';
import { binPosition, tensorStats } from '../src/reference/diagnostics.ts';
import { STATS_WORDS } from '../src/gpu/stats.ts';
import { HISTOGRAM_BINS } from '../src/train/diagnostics.ts';
import { RECIPES } from '../src/train/recipe.ts';
import { checkDiagnostics, defaultDiagnosticsEvery, firstNonFinite, isSampled, LAYER_PART, LAYER_WORDS, readSample, type NonFiniteFlags } from '../src/train/sampling.ts';

const fine: NonFiniteFlags = { activations: false, 'dLoss/dz': false, 'dLoss/dW': false, weights: false, update: false };

describe('sampling', () => {
  it('samples every 100 steps per 300,000 parameters by default: 100 for mlp, 400 for deep', () => {
    expect(defaultDiagnosticsEvery(RECIPES.mlp.layers)).toBe(100);
    expect(defaultDiagnosticsEvery(RECIPES.quick.layers)).toBe(100);
    expect(defaultDiagnosticsEvery(RECIPES.deep.layers)).toBe(400);
    expect(defaultDiagnosticsEvery([784, 10])).toBe(100);
  });

  it('samples the run\'s first step, every K-th and each epoch\'s last', () => {
    const sampled = Array.from({ length: 25 }, (_, i) => i + 1).filter((t) => isSampled(t, ((t - 1) % 10) + 1, 10, 4));
    expect(sampled).toEqual([1, 4, 8, 10, 12, 16, 20, 24]);
  });

  it('names the first non-finite tensor in the order the step computes them', () => {
    expect(firstNonFinite([fine, fine, fine])).toBeNull();
    // Activations first, from the first layer on, even when gradients broke elsewhere.
    expect(firstNonFinite([{ ...fine, 'dLoss/dz': true }, { ...fine, activations: true }, { ...fine, activations: true }])).toEqual({ layer: 2, what: 'activations' });
    // Then dLoss/dz from the logits back, then dLoss/dW likewise, then weights and updates forward.
    expect(firstNonFinite([{ ...fine, 'dLoss/dz': true }, { ...fine, 'dLoss/dz': true }, fine])).toEqual({ layer: 2, what: 'dLoss/dz' });
    expect(firstNonFinite([{ ...fine, 'dLoss/dW': true, update: true }, { ...fine, weights: true }])).toEqual({ layer: 1, what: 'dLoss/dW' });
    expect(firstNonFinite([{ ...fine, update: true }, { ...fine, weights: true }])).toEqual({ layer: 2, what: 'weights' });
  });

  it('reads a slot of statistics words into StepDiagnostics', () => {
    const widths = [4, 8, 3];
    const words = new Uint32Array(3 + 2 * LAYER_WORDS); // the slot starts at word 3
    const floats = new Float32Array(words.buffer);
    const put = (layer: number, part: keyof typeof LAYER_PART, mean: number, std: number, min: number, max: number, bad: number, dead: number): void => {
      const at = 3 + layer * LAYER_WORDS + LAYER_PART[part];
      floats.set([mean, std, min, max], at);
      words.set([bad, dead], at + 4);
    };
    put(0, 'activations', 0.5, 0.25, 0, 2, 0, 2);
    put(0, 'gradients', 0, 1e-3, -0.01, 0.01, 0, 0);
    words[3 + LAYER_PART.gradients + STATS_WORDS + 5] = 7; // a bin count
    put(0, 'weights', 0, 0.1, -1, 1, 0, 0);
    put(0, 'update', 0, 1e-4, -1e-3, 1e-3, 0, 0);
    put(0, 'weightGradients', 0, 2e-3, -1, 1, 0, 0);
    put(1, 'activations', NaN, NaN, -1, 1, 3, 1);
    put(1, 'weights', 0, 0.1, -1, 1, 0, 0);
    put(1, 'update', 0, 0, 0, 0, 0, 0);
    const d = readSample(words, 3, widths, 12, 2);
    expect([d.step, d.epoch]).toEqual([12, 2]);
    expect(d.layers[0]).toMatchObject({ layer: 1, actMean: 0.5, actStd: 0.25, deadFrac: 2 / 8, gradStd: Math.fround(1e-3), weightGradStd: Math.fround(2e-3) });
    expect(d.layers[0].updateRatio).toBeCloseTo(-3, 6);
    expect(d.layers[0].gradHistogram.counts).toHaveLength(HISTOGRAM_BINS);
    expect(d.layers[0].gradHistogram.counts[5]).toBe(7);
    expect(d.layers[0].gradHistogram).toMatchObject({ min: Math.fround(-0.01), max: Math.fround(0.01) });
    // The logits: no dead units whatever the word says; no update: log10(0) = -Infinity.
    expect(d.layers[1].deadFrac).toBe(0);
    expect(d.layers[1].updateRatio).toBe(-Infinity);
    expect(d.nonFinite).toEqual({ layer: 2, step: 12, what: 'activations' });
  });

  it('refuses an interval that is not a positive integer, with what is allowed as data', () => {
    expect(checkDiagnostics({ every: 50 })).toBe(50);
    for (const every of [0, -1, 2.5, NaN, 2e6]) {
      expect(() => checkDiagnostics({ every })).toThrow(expect.objectContaining({ name: 'ConfigError', allowed: 'an integer from 1 to 1000000' }));
    }
  });
});

describe('the float64 oracle of one tensor', () => {
  it('bins over [min, max] with the top edge in the last bin', () => {
    // min 0, max 32: bin width 1; 31.999 and 32 both in the last bin, 1 exactly at its bin's lower edge.
    const s = tensorStats([0, 1, 0.999, 31.999, 32, 16]);
    expect(s.counts[0]).toBe(2);
    expect(s.counts[1]).toBe(1);
    expect(s.counts[16]).toBe(1);
    expect(s.counts[31]).toBe(2);
    expect(s.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(binPosition(1, 0, 32)).toBe(1);
  });

  it('puts a constant tensor in bin 0 with a spread of 0', () => {
    const s = tensorStats([-2.5, -2.5, -2.5]);
    expect(s).toMatchObject({ mean: -2.5, std: 0, min: -2.5, max: -2.5, nonFinite: 0, finite: 3 });
    expect(s.counts[0]).toBe(3);
  });

  it('leaves values that are not finite out of the range and the bins, and makes mean and std NaN', () => {
    const s = tensorStats([1, NaN, 3, Infinity, -Infinity]);
    expect(s).toMatchObject({ min: 1, max: 3, nonFinite: 3, finite: 2 });
    expect(s.mean).toBeNaN();
    expect(s.std).toBeNaN();
    expect(s.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('counts the columns that are zero in every row', () => {
    // (3, 4): columns 1 and 3 are zero in every row.
    expect(tensorStats([0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0], 4).dead).toBe(2);
  });
});
