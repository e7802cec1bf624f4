// The "Inside the network" panel's sentences: each is said exactly when its threshold is crossed (dead
// units from 20%, bad from 50%; spreads beyond two decades between the first and last layer; update ratios
// outside HEALTHY_UPDATE_RATIO), with the numbers written as a person reads them; a diverged run is one
// sentence naming the layer and the step. CPU only.
import { describe, expect, it } from 'vitest';
import { HISTOGRAM_BINS, type LayerDiagnostics, type StepDiagnostics } from '../src/train/diagnostics.ts';
import { decades, readNetwork, updatePercent } from '../src/app/trainer/inside-readings.ts';
import { syntheticRun } from './diagnostics-fixtures.ts';

const flat = { min: 0, max: 1, counts: new Array(HISTOGRAM_BINS).fill(1) };

/** A healthy layer (spreads near 1 and 1e-3, no dead units, updates at 1e-3) with `change` applied. */
function layer(n: number, change: Partial<LayerDiagnostics> = {}): LayerDiagnostics {
  return { layer: n, actMean: 0.3, actStd: 0.6, deadFrac: 0, gradStd: 2e-3, weightGradStd: 4e-3, updateRatio: -3, actHistogram: flat, gradHistogram: flat, ...change };
}

function at(step: number, layers: LayerDiagnostics[]): StepDiagnostics {
  return { step, epoch: 1, layers };
}

const topics = (history: StepDiagnostics[]) => readNetwork(history).map((r) => r.topic);

describe('numbers in words', () => {
  it('writes ratios across decades to one figure and update ratios as percentages of the weights', () => {
    expect([4.12e-4, 5230, 0.01].map(decades)).toEqual(['4e-4', '5e3', '1e-2']);
    expect([-1.2, -2, -3, -4, -6].map(updatePercent)).toEqual(['6.3%', '1%', '0.1%', '0.01%', '0.0001%']);
  });
});

describe('readings', () => {
  it('says nothing before the first measurement', () => {
    expect(readNetwork([])).toEqual([]);
  });

  it('reads a healthy run as one good sentence about the updates, with their range', () => {
    const readings = readNetwork(syntheticRun({ scenario: 'healthy', layers: 3, steps: 100, every: 10 }));
    expect(readings).toHaveLength(1);
    expect(readings[0]).toMatchObject({ topic: 'updates', tone: 'good' });
    expect(readings[0].text).toMatch(/^Each step changes the weights by about [\d.]+% of their typical size in every layer: inside the healthy 0\.01% to 1%\.$/);
  });

  it('names a layer from 20% of dead units, as bad from 50%, never the output layer', () => {
    expect(topics([at(5, [layer(1, { deadFrac: 0.19 }), layer(2)])])).not.toContain('dead');
    const warn = readNetwork([at(5, [layer(1), layer(2, { deadFrac: 0.38 }), layer(3)])]).find((r) => r.topic === 'dead');
    expect(warn).toEqual({ topic: 'dead', tone: 'warn', text: 'Layer 2: 38% of units dead (zero for every image of the batch: they get no gradient).' });
    const both = readNetwork([at(5, [layer(1, { deadFrac: 0.2 }), layer(2, { deadFrac: 0.62 }), layer(3, { deadFrac: 0.9 })])]).find((r) => r.topic === 'dead');
    expect(both?.tone).toBe('bad');
    expect(both?.text).toBe('Dead units (zero for every image of the batch: they get no gradient): 20% in layer 1, 62% in layer 2.');
  });

  it('says gradients vanish or explode beyond two decades between layer 1 and the output, and when none arrive', () => {
    expect(topics([at(5, [layer(1, { gradStd: 2e-5 }), layer(2, { gradStd: 2e-3 })])])).not.toContain('gradients');
    const vanishing = readNetwork([at(5, [layer(1, { gradStd: 3e-7 }), layer(2), layer(3, { gradStd: 3e-3 })])]).find((r) => r.topic === 'gradients');
    expect(vanishing?.text).toBe('Gradients reaching layer 1 are 1e-4 of those at the output: the first layers barely learn (vanishing gradients).');
    const exploding = readNetwork([at(5, [layer(1, { gradStd: 5 }), layer(2, { gradStd: 1e-3 })])]).find((r) => r.topic === 'gradients');
    expect(exploding?.text).toBe('Gradients reaching layer 1 are 5e3 times those at the output (exploding gradients).');
    // A learning rate of 5 kills every unit of layers 1 and 2 within ten steps: nothing flows back to layer 1.
    const none = readNetwork([at(10, [layer(1, { gradStd: 0 }), layer(2, { gradStd: 0 }), layer(3, { gradStd: 4e-3 })])]).find((r) => r.topic === 'gradients');
    expect(none?.text).toBe('No gradient reaches layer 1: its dLoss/dz is zero for every image of the batch, so it does not learn.');
  });

  it('compares the activations of the first and last hidden layers only, and only with two or more', () => {
    const fading = readNetwork([at(5, [layer(1, { actStd: 0.08 }), layer(2, { actStd: 8e-3 }), layer(3, { actStd: 8e-5 }), layer(4, { actStd: 1e-9 })])]);
    expect(fading.find((r) => r.topic === 'activations')?.text).toBe("Activations fade with depth: layer 3's spread is 1e-3 of layer 1's.");
    const growing = readNetwork([at(5, [layer(1, { actStd: 0.5 }), layer(2, { actStd: 80 }), layer(3)])]);
    expect(growing.find((r) => r.topic === 'activations')?.text).toBe("Activations explode with depth: layer 2's spread is 2e2 times layer 1's.");
    // A hidden layer whose output is all zero: the dead units say it, not a ratio of 0.
    expect(topics([at(5, [layer(1, { actStd: 0.5 }), layer(2, { actStd: 0, deadFrac: 1 }), layer(3)])])).toEqual(['dead', 'updates']);
    // One hidden layer: nothing to compare it with (the logits' spread is another kind of number).
    expect(topics([at(5, [layer(1, { actStd: 0.5 }), layer(2, { actStd: 1e-6 })])])).not.toContain('activations');
  });

  it('reads updates above the band as steps that may be too large, below it as slow learning, naming the layers', () => {
    const large = readNetwork(syntheticRun({ scenario: 'large-steps', layers: 3, steps: 30, every: 10 }));
    expect(large).toEqual([
      { topic: 'updates', tone: 'warn', text: 'Each step changes the weights of layers 1, 2 and 3 by up to 6.3% of their typical size, above the healthy 0.01% to 1%: steps may be too large.' },
    ]);
    const mixed = readNetwork([at(5, [layer(1, { updateRatio: -5.3 }), layer(2, { updateRatio: -1.5 }), layer(3)])]).filter((r) => r.topic === 'updates');
    expect(mixed.map((r) => r.text)).toEqual([
      'Each step changes the weights of layer 2 by about 3.2% of their typical size, above the healthy 0.01% to 1%: steps may be too large.',
      'Each step changes the weights of layer 1 by only about 0.0005% of their typical size, below the healthy 0.01% to 1%: learning there is slow.',
    ]);
    // An update of exactly zero (log10 0 = -Infinity): a layer fed only by dead units stands still.
    const still = readNetwork([at(5, [layer(1, { updateRatio: -Infinity }), layer(2, { updateRatio: -Infinity }), layer(3)])]).filter((r) => r.topic === 'updates');
    expect(still.map((r) => [r.tone, r.text])).toEqual([
      ['bad', 'The weights of layers 1 and 2 do not change at all: their update is zero.'],
      ['good', 'Each step changes the weights by about 0.1% of their typical size in layer 3: inside the healthy 0.01% to 1%.'],
    ]);
    // The band's edges are healthy.
    expect(readNetwork([at(5, [layer(1, { updateRatio: -4 }), layer(2, { updateRatio: -2 })])]).map((r) => r.tone)).toEqual(['good']);
  });

  it('reads the latest measurement, not an earlier one', () => {
    const history = [at(5, [layer(1, { deadFrac: 0.5 }), layer(2)]), at(10, [layer(1, { deadFrac: 0 }), layer(2)])];
    expect(topics(history)).toEqual(['updates']);
  });

  it('says where and when a diverged run broke, once, and nothing from the numbers after it', () => {
    const history = syntheticRun({ scenario: 'diverged', layers: 3, steps: 200, every: 10, divergeAt: 120 });
    expect(readNetwork(history)).toEqual([
      {
        topic: 'diverged',
        tone: 'bad',
        text: 'The run diverged at step 120: the gradients (dLoss/dz) of layer 2 stopped being finite (NaN or infinity). A lower learning rate or smaller starting weights usually prevent it.',
      },
    ]);
    const unnamed: StepDiagnostics = { ...at(7, [layer(1), layer(2)]), nonFinite: { layer: 1, step: 7, what: 'loss' } };
    expect(readNetwork([unnamed])[0].text).toMatch(/^The run diverged at step 7: loss of layer 1 stopped being finite/);
  });
});
