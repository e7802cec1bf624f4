// The "Inside the network" charts' data without a browser: one line per layer over the steps measured,
// labelled with the output layer named; dead units for hidden layers only; update ratios as percentages of
// the weights with the healthy band 0.01%..1%; values a log axis cannot draw clamped and flagged, NaN as
// gaps. CPU only.
import { describe, expect, it } from 'vitest';
import { insideCharts, UPDATE_BAND } from '../src/app/trainer/inside-series.ts';
import { LOG_FLOOR } from '../src/app/widgets/series.ts';
import { syntheticRun } from './diagnostics-fixtures.ts';

describe('inside charts', () => {
  it('draws one line per layer over every step measured', () => {
    const charts = insideCharts(syntheticRun({ scenario: 'healthy', layers: 4, steps: 50, every: 10 }));
    expect(charts.steps).toEqual([10, 50]);
    expect(charts.activations.map((s) => s.label)).toEqual(['layer 1', 'layer 2', 'layer 3', 'layer 4 (output)']);
    expect(charts.gradients[0].points.map(([x]) => x)).toEqual([10, 20, 30, 40, 50]);
    expect(new Set(charts.activations.map((s) => s.color)).size).toBe(4);
    // The output layer has no ReLU: no dead-unit line for it.
    expect(charts.dead.map((s) => s.label)).toEqual(['layer 1', 'layer 2', 'layer 3']);
    expect(charts.dead[1].points[0]).toEqual([10, 4]);
    expect(charts.clamped).toBe(false);
  });

  it('draws update ratios as percentages, against a band of 0.01% to 1%', () => {
    const charts = insideCharts(syntheticRun({ scenario: 'large-steps', layers: 2, steps: 10, every: 10 }));
    expect(charts.updates[0].points[0][1]).toBeCloseTo(6.31, 2);
    expect(UPDATE_BAND.from).toBeCloseTo(0.01, 12);
    expect(UPDATE_BAND.to).toBeCloseTo(1, 12);
  });

  it('clamps a zero spread to the floor of the log axis and says so; NaN is a gap', () => {
    const [d] = syntheticRun({ scenario: 'healthy', layers: 2, steps: 10, every: 10 });
    d.layers[0].gradStd = 0;
    d.layers[1].actStd = NaN;
    const charts = insideCharts([d]);
    expect(charts.gradients[0].points).toEqual([[10, LOG_FLOOR]]);
    expect(charts.activations[1].points).toEqual([[10, null]]);
    expect(charts.clamped).toBe(true);
  });

  it('has nothing to draw before the first measurement', () => {
    expect(insideCharts([])).toEqual({ activations: [], gradients: [], updates: [], dead: [], clamped: false, steps: null });
  });
});
