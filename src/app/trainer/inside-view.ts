/**
 * <mlp-trainer>'s "Inside the network" panel as a template function: what the engine measured inside each
 * layer during the run (every few steps, on that step's batch), as readings in words, one line per layer
 * over the steps (activations' and gradients' spread, update size against the healthy band, dead units) and
 * the latest histograms as small multiples. It renders into the element's shadow root; its styles are
 * inside-styles.ts.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { StepDiagnostics } from '../../train/diagnostics.ts';
import type { Band, ChartMark, ChartSeries } from '../widgets/line-chart.ts';
import { LOG_CEILING, LOG_FLOOR, lastValue, tick } from '../widgets/series.ts';
import { memo } from '../widgets/memo.ts';
import { UPDATE_BAND, insideCharts, layerColor, layerLabel } from './inside-series.ts';
import { HEALTHY_RANGE, readNetwork } from './inside-readings.ts';
import '../widgets/line-chart.ts';
import '../widgets/histogram.ts';

/** Below this many measurements the lines get dots too, so that two or three points read as measurements. */
const DOTS_BELOW = 40;

/** The chart's accessible name: what it shows and every layer's latest value. */
function chartLabel(what: string, series: ChartSeries[], step: number, unit = ''): string {
  const latest = series.map((s) => `${s.label} ${tick(lastValue(s.points.map(([, y]) => y)))}${unit}`);
  return `${what} per layer over the steps; at step ${step}: ${latest.join(', ')}`;
}

interface ChartSpec {
  id: string;
  caption: string;
  yLabel: string;
  series: ChartSeries[];
  logY: boolean;
  band?: Band;
  unit?: string;
}

function renderChart(c: ChartSpec, step: number, dots: boolean, marks: ChartMark[]): TemplateResult {
  return html`
    <figure class="inside-chart" part="inside-chart">
      <figcaption>${c.caption}</figcaption>
      <mlp-line-chart
        id=${c.id}
        .series=${c.series}
        .band=${c.band ?? null}
        .marks=${marks}
        x-label="step"
        y-label=${c.yLabel}
        y-fit=${c.logY ? 'data' : 'percent'}
        ?log-y=${c.logY}
        ?points=${dots}
        whole-x
        digits="1"
        label=${chartLabel(c.caption, c.series, step, c.unit)}
      ></mlp-line-chart>
    </figure>
  `;
}

function renderHistograms(latest: StepDiagnostics): TemplateResult {
  const total = latest.layers.length;
  return html`
    <h3 id="inside-histograms-title">Histograms at step ${latest.step}</h3>
    <p class="hint">
      Each layer's activations (after ReLU; for the output layer, the logits) and dLoss/dz, from the latest measurement. Bar heights follow the square root of the count, so
      that the tails show beside the spike at zero; the numbers under each are its smallest and largest value, a dashed line marks zero.
    </p>
    <div id="inside-histograms" class="histograms">
      ${latest.layers.map(
        (l) => html`
          <figure class="layer-histograms" part="layer-histograms" data-layer=${l.layer} style="--mlp-histogram-color: ${layerColor(l.layer)}">
            <figcaption>${layerLabel(l.layer, total)}</figcaption>
            <div class="pair">
              <div>
                <div class="kind">activations</div>
                <mlp-histogram part="histogram" data-kind="activations" data-layer=${l.layer} .bins=${l.actHistogram} label=${`Layer ${l.layer} activations`}></mlp-histogram>
              </div>
              <div>
                <div class="kind">dLoss/dz</div>
                <mlp-histogram part="histogram" data-kind="gradients" data-layer=${l.layer} .bins=${l.gradHistogram} label=${`Layer ${l.layer} dLoss/dz`}></mlp-histogram>
              </div>
            </div>
          </figure>
        `,
      )}
    </div>
  `;
}

/**
 * The charts' series, the readings and the marks, computed again only when a measurement arrived (the
 * trainer renders on every progress report): the charts then keep their data and draw nothing new. Keyed by
 * the length and the last step too, so that a history appended to in place counts as changed.
 */
const measurements = memo((history: readonly StepDiagnostics[], _length: number, _lastStep: number) => {
  // Where a statistic stopped being finite, every chart says so: the lines stop there, the legends keep the last numbers.
  const broke = history.find((d) => d.nonFinite)?.nonFinite;
  const marks: ChartMark[] = broke ? [{ x: broke.step, label: `layer ${broke.layer}: not finite` }] : [];
  return { charts: insideCharts(history), readings: readNetwork(history), marks };
});

function renderMeasurements(history: readonly StepDiagnostics[], latest: StepDiagnostics): TemplateResult {
  const { charts, readings, marks } = measurements(history, history.length, latest.step);
  const specs: ChartSpec[] = [
    { id: 'inside-activations', caption: 'Activations: spread (std) of each layer’s output', yLabel: 'std', series: charts.activations, logY: true },
    { id: 'inside-gradients', caption: 'Gradients: spread (std) of dLoss/dz', yLabel: 'std', series: charts.gradients, logY: true },
    { id: 'inside-updates', caption: 'Update size: std(ΔW) / std(W) each step', yLabel: '% of weights', series: charts.updates, logY: true, band: UPDATE_BAND, unit: '%' },
    { id: 'inside-dead', caption: 'Dead units: zero for every image of the batch', yLabel: '% of units', series: charts.dead, logY: false, unit: '%' },
  ];
  const dots = history.length < DOTS_BELOW;
  return html`
    <ul id="inside-readings" class="readings" part="inside-readings" aria-label="Readings at step ${latest.step}">
      ${readings.map((r) => html`<li class=${r.tone} data-topic=${r.topic} data-tone=${r.tone}>${r.text}</li>`)}
    </ul>
    <div class="inside-charts">${specs.map((c) => renderChart(c, latest.step, dots, marks))}</div>
    ${charts.clamped
      ? html`<p id="inside-clamped" class="hint">
          On the logarithmic axes, ${tick(LOG_FLOOR)} stands for zero or anything smaller (a logarithmic axis has no zero), and ${tick(LOG_CEILING)} for anything larger.
        </p>`
      : nothing}
    ${renderHistograms(latest)}
  `;
}

/** The panel; `diagnostics` is the run's measurements so far, oldest first (empty before a run). */
export function renderInside(diagnostics: readonly StepDiagnostics[]): TemplateResult {
  const latest = diagnostics[diagnostics.length - 1];
  return html`
    <section
      id="inside"
      class="card inside"
      part="inside"
      aria-labelledby="inside-title"
      data-samples=${diagnostics.length}
      data-first-step=${latest ? diagnostics[0].step : nothing}
      data-last-step=${latest ? latest.step : nothing}
      data-layers=${latest ? latest.layers.length : nothing}
    >
      <h2 id="inside-title">Inside the network</h2>
      <p class="inside-intro">
        Every few steps the engine measures each layer on that step’s batch; each line is one layer. The gradient dLoss/dz is what backpropagation brings back to
        a layer (z: its output before ReLU). Healthy looks like this: activations and gradients keep roughly the same spread from layer to layer, few units are
        dead, and each step changes the weights by ${HEALTHY_RANGE} of their size (the shaded band).
      </p>
      ${latest ? renderMeasurements(diagnostics, latest) : html`<p id="inside-empty" class="summary">No measurements yet: they begin with a run.</p>`}
    </section>
  `;
}
