/**
 * The "Inside the network" panel's chart data, with no DOM (unit-tested in tests/inside-series.test.ts): one
 * line per layer over the steps measured, for the activations' spread, the gradients' spread, the update
 * size and the dead units. Spreads and update sizes span many decades when a network misbehaves, so they go
 * on logarithmic axes, clamped into what such an axis can draw (series.ts: forLogAxis); `clamped` says
 * whether any value was, so that the panel can say so.
 */
import { HEALTHY_UPDATE_RATIO, type LayerDiagnostics, type StepDiagnostics } from '../../train/diagnostics.ts';
import type { Band, ChartSeries } from '../widgets/line-chart.ts';
import { forLogAxis, type Point } from '../widgets/series.ts';

/** Okabe-Ito colours, one per layer in order (told apart with colour-blindness); a deeper stack reuses them. */
const LAYER_COLORS = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9'];

export function layerColor(layer: number): string {
  return LAYER_COLORS[(layer - 1) % LAYER_COLORS.length];
}

/** The update ratio's healthy band, as the percentages the update chart draws (0.01% to 1%). */
export const UPDATE_BAND: Band = { from: 10 ** HEALTHY_UPDATE_RATIO[0] * 100, to: 10 ** HEALTHY_UPDATE_RATIO[1] * 100, label: 'healthy' };

export interface InsideCharts {
  activations: ChartSeries[];
  gradients: ChartSeries[];
  /** std(ΔW) / std(W) as a percentage. */
  updates: ChartSeries[];
  /** Percent of units dead, hidden layers only (the output layer has no ReLU). */
  dead: ChartSeries[];
  /** Some value lay outside [LOG_FLOOR, LOG_CEILING] (a zero spread, an overflow) and is drawn at that edge. */
  clamped: boolean;
  /** The first and last step measured, or null before any measurement. */
  steps: [number, number] | null;
}

export function layerLabel(layer: number, layers: number): string {
  return layer === layers ? `layer ${layer} (output)` : `layer ${layer}`;
}

/** One chart's lines: a series per layer of the latest measurement, its points from every measurement that has the layer. */
function perLayer(history: readonly StepDiagnostics[], layers: number[], total: number, value: (l: LayerDiagnostics) => number | null): ChartSeries[] {
  return layers.map((layer) => {
    const points: Point[] = [];
    for (const d of history) {
      const l = d.layers.find((x) => x.layer === layer);
      if (l) points.push([d.step, value(l)]);
    }
    return { label: layerLabel(layer, total), color: layerColor(layer), points };
  });
}

export function insideCharts(history: readonly StepDiagnostics[]): InsideCharts {
  const latest = history[history.length - 1];
  const layers = (latest?.layers ?? []).map((l) => l.layer);
  const total = layers.length;
  let clamped = false;
  const onLog = (value: number): number | null => {
    const drawn = forLogAxis(value);
    clamped ||= drawn.clamped;
    return drawn.value;
  };
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    activations: perLayer(history, layers, total, (l) => onLog(l.actStd)),
    gradients: perLayer(history, layers, total, (l) => onLog(l.gradStd)),
    updates: perLayer(history, layers, total, (l) => onLog(10 ** l.updateRatio * 100)),
    dead: perLayer(history, layers.slice(0, -1), total, (l) => finite(l.deadFrac * 100)),
    clamped,
    steps: latest ? [history[0].step, latest.step] : null,
  };
}
