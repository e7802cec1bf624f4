import { describe, expect, it } from 'vitest';
import { INIT_CHOICES, LOG_CEILING, LOG_FLOOR, colorFor, describeProbe, forLogScale, formatPercent, formatValue, trendOf } from '../src/app/lab/lab-format.ts';
import { parseInitializer } from '../src/init/initializers.ts';

describe('lab choices', () => {
  it('offers initializers the engine parses, each with its own colour', () => {
    for (const choice of INIT_CHOICES) expect(() => parseInitializer(choice.value)).not.toThrow();
    expect(new Set(INIT_CHOICES.map((c) => colorFor(c.value))).size).toBe(INIT_CHOICES.length);
  });
});

describe('forLogScale', () => {
  it('clamps what a log axis cannot draw and leaves a gap for NaN', () => {
    expect(forLogScale(0)).toBe(LOG_FLOOR);
    expect(forLogScale(1e-300)).toBe(LOG_FLOOR);
    expect(forLogScale(Infinity)).toBe(LOG_CEILING);
    expect(forLogScale(0.25)).toBe(0.25);
    expect(forLogScale(NaN)).toBeNull();
  });
});

describe('formatValue', () => {
  it('shows the true value, including the extremes', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(1e-30)).toBe('1.00e-30');
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(12345.6)).toBe('1.23e+4');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(Infinity)).toBe('∞');
    expect(formatPercent(0.98071)).toBe('98.07%');
  });
});

describe('trendOf and describeProbe', () => {
  it('judges a signal by where it ends against where it starts', () => {
    expect(trendOf([1, 0.5, 1e-5])).toBe('vanishes');
    expect(trendOf([1, 10, 1e5])).toBe('explodes');
    expect(trendOf([0.6, 0.7, 0.55])).toBe('stays in range');
    expect(trendOf([0.24, 0.1, 0.017])).toBe('shrinks');
    expect(trendOf([1, 20])).toBe('grows');
    expect(trendOf([1, NaN])).toBe('breaks (NaN)');
    expect(trendOf([0, 0])).toBe('vanishes');
    expect(trendOf([1, Infinity])).toBe('explodes');
  });

  it('reads gradients from the last layer back to the first', () => {
    // The gradient is large at the output and tiny at layer 1: it vanishes on its way back.
    const text = describeProbe('Xavier uniform', [1, 0.1, 1e-4], [1e-9, 1e-4, 1]);
    expect(text).toContain('activation spread vanishes, from 1 at layer 1 to 1.00e-4 at layer 3');
    expect(text).toContain('gradient spread vanishes, from 1 at layer 3 to 1.00e-9 at layer 1');
  });
});
