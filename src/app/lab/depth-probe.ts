/**
 * The depth probe panel: a deep ReLU stack at initialization, one forward and one backward pass of a real
 * batch per scheme (measured by the engine on the GPU), shown as the standard deviation of the activations
 * and of dLoss/dz layer by layer, so vanishing and exploding signals can be seen before any training.
 */
import { html, nothing } from 'lit';
import type { ProbeResult } from '../../engine/protocol.ts';
import { PROBE_BATCH, PROBE_DEPTH, PROBE_FIELD_IDS, PROBE_MAX_WIDTH, engineError, parseProbeForm, type ProbeFormText } from './lab-form.ts';
import { colorFor, dashFor, describeProbe, forLogScale, formatValue, labelFor } from './lab-format.ts';
import { bandAround, formatFactor, predictedActivationStd, predictedFactor, predictedGradientStd, verdictOf, type Verdict } from './theory.ts';
import { probeTakeaway } from './takeaways.ts';
import type { Band } from '../widgets/series.ts';
import { actionError, errorFor, errorId, field, initCheckboxes, type PanelHost } from './lab-panel.ts';
import type { ChartSeries } from '../widgets/line-chart.ts';
import '../widgets/scroll-box.ts';
import { memo } from '../widgets/memo.ts';

const DEFAULT_INITS = ['xavier-uniform', 'he-normal', 'normal:0,1', 'normal:0,0.01'];

/** Detail of the `probe-end` event. */
export interface ProbeEndDetail {
  layers: number[];
  results: ProbeResult[];
}

export class DepthProbe {
  readonly text: ProbeFormText = { depth: '20', width: '256', seed: '777' };
  readonly chosen = new Set(DEFAULT_INITS);
  results: ProbeResult[] | null = null;
  /** The stack the shown results belong to. */
  layers: number[] = [];
  running = false;

  private readonly activationSeries = memo((results: ProbeResult[], layers: number[]) => [
    ...perLayer(results, (r) => r.activationStd),
    ...theoryLines(results, (r) => predictedActivationStd(layers, r.init, r.inputMeanSquare)),
  ]);
  private readonly gradientSeries = memo((results: ProbeResult[], layers: number[]) => [
    ...perLayer(results, (r) => r.gradientStd),
    ...theoryLines(results, (r) => predictedGradientStd(layers, r.init, r.gradientStd[r.gradientStd.length - 1])),
  ]);
  private readonly judged = memo((results: ProbeResult[], layers: number[]) => judge(results, layers));

  constructor(private readonly host: PanelHost) {}

  async run(): Promise<void> {
    if (this.running) return;
    const parsed = parseProbeForm(this.text, [...this.chosen], this.host.shape());
    if (!parsed.ok) return this.host.report(parsed);
    const blocked = this.host.blocked();
    if (blocked) return this.host.report({ field: 'probe-run', ...blocked });
    this.host.report(null);
    const { layers, inits, batch, seed } = parsed.value;
    this.running = true;
    this.host.requestUpdate();
    const engine = this.host.engine;
    const results = await engine.probe(layers, inits, batch, seed);
    // Abandoned meanwhile: the element left the page, and nobody is there to tell.
    if (!this.running) return;
    this.running = false;
    if (results) {
      this.results = results;
      this.layers = layers;
      this.host.announce<ProbeEndDetail>('probe-end', { layers, results });
    } else {
      // Refused or failed: the controller has put the reason in `error`, and the setting at fault in `errorFault`.
      const fault = { message: engine.error ?? 'The engine did not answer.', ...engine.errorFault };
      this.host.report(engineError(fault, PROBE_FIELD_IDS, { id: 'probe-run', sentence: 'The depth probe failed; press Run probe to try again.' }));
    }
    this.host.requestUpdate();
  }

  /** The worker is gone (the element left the page): a probe in flight will never answer. */
  abandon(): void {
    this.running = false;
  }

  /**
   * The stack's settings (depth, width, seed) and the initializers: the probe's form (`use` 'probe'), and,
   * where a page shows the stack's training without the probe (`use` 'train'), the part of that panel's form
   * that says which stack it trains.
   */
  renderStackSettings(use: 'probe' | 'train' = 'probe') {
    const host = this.host;
    const bad = (id: string) => errorFor(host, id);
    const touched = () => {
      if (host.shown?.field.startsWith('probe-')) host.report(null);
      host.requestUpdate();
    };
    const toggle = (init: string, on: boolean) => {
      if (on) this.chosen.add(init);
      else this.chosen.delete(init);
      touched();
    };
    return html`<fieldset class="settings" ?disabled=${this.running}>
        <legend>Stack: ${host.shape().inputs} inputs, hidden ReLU layers, ${host.shape().classes} outputs${use === 'probe' ? `; one real batch of ${PROBE_BATCH} images` : ''}</legend>
        ${field('probe-depth', this.text, 'depth', bad('probe-depth'), touched, { min: PROBE_DEPTH.min, max: PROBE_DEPTH.max, hint: `${PROBE_DEPTH.min}–${PROBE_DEPTH.max}` })}
        ${field('probe-width', this.text, 'width', bad('probe-width'), touched, { min: 1, max: PROBE_MAX_WIDTH, hint: `1–${PROBE_MAX_WIDTH}` })}
        ${field('probe-seed', this.text, 'seed', bad('probe-seed'), touched, { min: 0, qualify: true })}
      </fieldset>
      ${initCheckboxes('probe-inits', this.chosen, bad('probe-inits'), toggle)}`;
  }

  render() {
    const runError = errorFor(this.host, 'probe-run');
    return html`<section part="probe" aria-labelledby="probe-heading">
      <h3 id="probe-heading">Depth probe: signals through a deep ReLU stack at initialization</h3>
      <p class="lede">
        A layer should pass its signal on with about the same spread, forward and backward; otherwise it shrinks
        or grows geometrically with depth (Glorot and Bengio, 2010), and for ReLU the weight variance must be
        2/fan_in to keep it steady (He et al., 2015).
      </p>
      <form class="controls" part="controls" @submit=${(e: Event) => e.preventDefault()}>
        ${this.renderStackSettings()}
        <div class="buttons">
          <button id="probe-run" part="button" type="button" ?disabled=${this.running} aria-describedby=${runError ? errorId('probe-run') : nothing} @click=${() => void this.run()}>
            ${this.running ? 'Probing…' : 'Run probe'}
          </button>
        </div>
        ${actionError('probe-run', runError)}
      </form>
      ${this.renderResults()}
    </section>`;
  }

  private renderResults() {
    const results = this.results;
    if (!results) {
      return html`<div id="probe-results" part="probe-results" aria-live="polite">
        <p class="summary">${this.running ? 'Measuring…' : 'No probe yet. Choose a depth, a width and initializers, then run the probe.'}</p>
      </div>`;
    }
    const depth = this.layers.length - 2;
    const width = this.layers[1];
    const { verdicts, activationBand, gradientBand } = this.judged(results, this.layers);
    return html`<div id="probe-results" part="probe-results" data-results=${JSON.stringify(results)} data-verdicts=${JSON.stringify(verdicts.map((v) => ({ init: v.init, kind: v.verdict.kind, factor: v.verdict.factor, predicted: v.predicted })))} aria-live="polite">
      <p class="summary">${depth} hidden ReLU layers of ${width} units, ${results.length} initializer${results.length === 1 ? '' : 's'}. Solid lines: measured on one batch. Thin dotted lines: what theory predicts, a factor of √(fan_in · Var(W) / 2) per layer. Shaded: within a factor of ten of the input's own scale.</p>
      <p id="probe-takeaway" class="takeaway">${probeTakeaway(verdicts, depth)}</p>
      <ul id="probe-verdicts" class="summary-list">
        ${verdicts.map((v) => html`<li data-init=${v.init} data-kind=${v.verdict.kind}>
          <span class="swatch" style=${`background:${colorFor(v.init)}`} aria-hidden="true"></span><strong>${labelFor(v.init)}</strong> ${v.verdict.text}
          (theory ${formatFactor(v.predicted)}); dLoss/dz on its way back ${v.backward.text}.
          <span class="visually-hidden">${describeProbe(labelFor(v.init), v.result.activationStd, v.result.gradientStd)}</span>
        </li>`)}
      </ul>
      <div class="charts">
        <figure part="chart">
          <figcaption>Activation standard deviation per layer (forward pass)</figcaption>
          <mlp-line-chart id="probe-activation-chart" .series=${this.activationSeries(results, this.layers)} .band=${activationBand} x-label="layer (last: logits)" y-label="std of activations" log-y whole-x points
            label="Activation standard deviation per layer, log scale, one line per initializer and its prediction; the list above and the table below give the numbers."></mlp-line-chart>
        </figure>
        <figure part="chart">
          <figcaption>Gradient standard deviation per layer (backward pass, dLoss/dz)</figcaption>
          <mlp-line-chart id="probe-gradient-chart" .series=${this.gradientSeries(results, this.layers)} .band=${gradientBand} x-label="layer" y-label="std of dLoss/dz" log-y whole-x points
            label="Standard deviation of the loss gradient with respect to each layer's pre-activation, log scale, one line per initializer and its prediction; the list above and the table below give the numbers."></mlp-line-chart>
        </figure>
      </div>
      ${this.table(results)}
    </div>`;
  }

  private table(results: ProbeResult[]) {
    const rows = Math.max(0, ...results.map((r) => Math.max(r.activationStd.length, r.gradientStd.length)));
    const hidden = this.layers.length - 2;
    return html`<mlp-scroll class="table-wrap" part="table" label="Standard deviation per layer at initialization">
      <table id="probe-table">
        <caption>Standard deviation per layer at initialization: activations (forward) and dLoss/dz (backward)</caption>
        <thead>
          <tr>
            <td></td>
            ${results.map((r) => html`<th scope="colgroup" colspan="2"><span class="swatch" style=${`background:${colorFor(r.init)}`} aria-hidden="true"></span>${labelFor(r.init)}</th>`)}
          </tr>
          <tr>
            <th scope="col">Layer</th>
            ${results.map(() => html`<th scope="col">activation σ</th><th scope="col">∂L/∂z σ</th>`)}
          </tr>
        </thead>
        <tbody>
          ${Array.from({ length: rows }, (_, i) => html`<tr>
            <th scope="row">${i + 1}${i === hidden ? ' (output)' : ''}</th>
            ${results.map((r) => html`<td>${cell(r.activationStd[i])}</td><td>${cell(r.gradientStd[i])}</td>`)}
          </tr>`)}
        </tbody>
      </table>
    </mlp-scroll>`;
  }
}

function cell(value: number | undefined): string {
  return value === undefined ? '' : formatValue(value);
}

/** One series per scheme over layer 1..n, clamped for a log axis. */
function perLayer(results: ProbeResult[], pick: (r: ProbeResult) => number[]): ChartSeries[] {
  return results.map((r) => ({ label: labelFor(r.init), color: colorFor(r.init), dash: dashFor(r.init), points: pick(r).map((v, i) => [i + 1, forLogScale(v)] as const) }));
}

/** The predicted values as thin dotted lines in each scheme's colour (no dots: they are not measurements). */
function theoryLines(results: ProbeResult[], predict: (r: ProbeResult) => number[]): ChartSeries[] {
  return results.map((r) => ({ label: `${labelFor(r.init)} (theory)`, color: colorFor(r.init), dash: [2, 3], faded: true, points: predict(r).map((v, i) => [i + 1, forLogScale(v)] as const) }));
}

interface Judged {
  init: string;
  result: ProbeResult;
  /** Forward, over the hidden layers. */
  verdict: Verdict;
  /** Backward: dLoss/dz from the last hidden layer to the first. */
  backward: Verdict;
  /** The factor per hidden layer theory predicts. */
  predicted: number;
  /** The last hidden layer's activation std. */
  last: number;
}

function judge(results: ProbeResult[], layers: number[]): { verdicts: Judged[]; activationBand: Band; gradientBand: Band } {
  const depth = layers.length - 2;
  const verdicts = results.map((r) => {
    const hidden = r.activationStd.slice(0, depth);
    return {
      init: r.init,
      result: r,
      verdict: verdictOf(hidden),
      backward: verdictOf(r.gradientStd.slice(0, depth).reverse()),
      predicted: predictedFactor(layers[1], r.init),
      last: hidden[hidden.length - 1],
    };
  });
  // The input's scale (its root mean square), and the logits' gradient (the median over the schemes).
  const [aLow, aHigh] = bandAround(Math.sqrt(results[0]?.inputMeanSquare ?? 0.1));
  const outputs = results.map((r) => r.gradientStd[r.gradientStd.length - 1]).filter((g) => Number.isFinite(g) && g > 0).sort((a, b) => a - b);
  const [gLow, gHigh] = bandAround(outputs.length ? outputs[Math.floor(outputs.length / 2)] : 1e-3);
  return { verdicts, activationBand: { from: aLow, to: aHigh, label: 'healthy' }, gradientBand: { from: gLow, to: gHigh, label: 'healthy' } };
}
