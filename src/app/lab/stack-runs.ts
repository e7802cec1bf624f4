/**
 * "Train this stack": the probed deep ReLU stack (the probe form's depth, width, seed and initializers)
 * trained under each initializer side by side, with the engine's live diagnostics: the loss per step, and
 * per layer the gradient that reaches it, its activations' spread and the size of its updates (the latest
 * measurement of each run, one line per initializer, against the layer), so a person watches small
 * initializations fail to train a deep stack and He's train it. State lives here; the host renders it.
 * Where a page shows no probe, this panel's form shows the probe's settings itself (the same inputs).
 */
import { html, nothing, type TemplateResult } from 'lit';
import { MAX_LR } from '../../train/recipe.ts';
import { HEALTHY_UPDATE_RATIO, type StepDiagnostics } from '../../train/diagnostics.ts';
import type { ChartSeries } from '../widgets/line-chart.ts';
import type { Band } from '../widgets/series.ts';
import { memo } from '../widgets/memo.ts';
import { PROBE_BATCH, STACK_DIAGNOSTICS_EVERY, STACK_FIELD_IDS, defaultStackText, parseStackForm, type ProbeFormText, type StackFormText } from './lab-form.ts';
import { colorFor, dashFor, forLogScale, formatPercent, formatValue, labelFor } from './lab-format.ts';
import { actionError, errorFor, errorId, field, optimizerSelect, type PanelHost } from './lab-panel.ts';
import { RunPanel, last, type LabRun } from './run-set.ts';
import { statusText } from './lab-runs.ts';
import { recentLoss, runsTakeaway } from './takeaways.ts';
import '../widgets/scroll-box.ts';

/** The healthy update size, std(ΔW) / std(W), in percent: 0.01% to 1%. */
const UPDATE_BAND: Band = { from: 10 ** HEALTHY_UPDATE_RATIO[0] * 100, to: 10 ** HEALTHY_UPDATE_RATIO[1] * 100, label: 'healthy' };

/** What a person reads of one run, and what the e2e test reads (data-results). */
export interface StackResult {
  init: string;
  steps: number;
  /** Mean loss over the last 20 steps. */
  loss: number;
  /** Test accuracy after the last step (a fraction), once evaluated. */
  accuracy: number | null;
  diverged: boolean;
}

export function stackResults(runs: readonly LabRun[]): StackResult[] {
  return runs.map((r) => ({
    init: r.init,
    steps: r.losses.length ? last(r.losses)[0] : 0,
    loss: recentLoss(r),
    accuracy: r.epochs.length ? last(r.epochs).accuracy : null,
    diverged: Boolean(r.diverged),
  }));
}

/** One series per run: `pick` of each layer at the run's latest measurement, against the layer. */
function perLayer(runs: readonly LabRun[], pick: (l: StepDiagnostics['layers'][number]) => number): ChartSeries[] {
  return runs
    .filter((r) => r.diagnostics.length > 0 && !r.diverged)
    .map((r) => ({ label: labelFor(r.init), color: colorFor(r.init), dash: dashFor(r.init), points: last(r.diagnostics).layers.map((l) => [l.layer, forLogScale(pick(l))] as const) }));
}

export class StackRuns extends RunPanel {
  readonly text: StackFormText = defaultStackText();

  private readonly charts = memo((_version: number) => {
    const runs = this.set.runs;
    return {
      gradients: perLayer(runs, (l) => l.gradStd),
      activations: perLayer(runs, (l) => l.actStd),
      updates: perLayer(runs, (l) => 100 * 10 ** l.updateRatio),
    };
  });

  /** `probe`: the probe form's text and chosen initializers, which say what stack to train. */
  constructor(host: PanelHost, private readonly probe: { text: ProbeFormText; chosen: ReadonlySet<string> }) {
    super(host, STACK_FIELD_IDS, { id: 'stack-start', event: 'stack-start', failed: 'Training the stack stopped because the engine failed; press Train this stack to try again.' });
  }

  start(): void {
    this.launch(parseStackForm(this.probe.text, this.text, [...this.probe.chosen], this.host.shape()), STACK_DIAGNOSTICS_EVERY);
  }

  private summary(alone: boolean): string {
    const runs = this.set.runs;
    if (runs.length === 0) return `Not trained yet. Choose the stack and the initializers${alone ? '' : ' in the probe above'}, then press Train this stack.`;
    const r = this.set.recipe!;
    const parts = stackResults(runs).map((x) =>
      x.diverged ? `${labelFor(x.init)} diverged` : `${labelFor(x.init)} loss ${formatValue(x.loss)}${x.accuracy === null ? '' : `, ${formatPercent(x.accuracy)}`}`,
    );
    return `${statusText(this.set.status)} ${r.layers.length - 2} layers of ${r.layers[1]}, step ${Math.max(0, ...stackResults(runs).map((x) => x.steps))} of ${r.trainLimit / r.batch}: ${parts.join('; ')}.`;
  }

  /**
   * `stackSettings`: where the page shows no probe, the probe's settings (DepthProbe.renderStackSettings),
   * shown in this panel's form so that it says by itself which stack it trains; null when the probe is above.
   */
  render(stackSettings: TemplateResult | null = null) {
    const host = this.host;
    const alone = stackSettings !== null;
    const set = this.set;
    const bad = (id: string) => errorFor(host, id);
    const touched = () => {
      if (host.shown?.field.startsWith('stack-')) host.report(null);
      host.requestUpdate();
    };
    const startError = bad('stack-start');
    const charts = this.charts(set.version);
    const takeaway = set.busy ? '' : runsTakeaway(set.runs, host.shape().classes);
    const measured = charts.gradients.length > 0;
    const diverged = set.runs.filter((r) => r.diverged);
    return html`<section part="stack" aria-labelledby="stack-heading">
      <h3 id="stack-heading">Train this stack</h3>
      <p class="lede">
        ${alone ? 'A deep ReLU stack, of the depth and width below,' : 'The stack above,'} trained from each initializer on the same batches of ${PROBE_BATCH} images. Every ${STACK_DIAGNOSTICS_EVERY} steps the engine measures every
        layer: watch whether the gradient reaches the first layers, and whether the updates stay in the healthy band.
      </p>
      <form class="controls" part="controls" @submit=${(e: Event) => e.preventDefault()}>
        ${stackSettings ?? nothing}
        <fieldset class="settings" ?disabled=${set.busy}>
          <legend>Training</legend>
          ${optimizerSelect('stack-optimizer', this.text, bad('stack-optimizer'), touched)}
          ${field('stack-lr', this.text, 'lr', bad('stack-lr'), touched, { step: 'any', min: 0, max: MAX_LR, qualify: true })}
          ${field('stack-steps', this.text, 'steps', bad('stack-steps'), touched, { min: 1, hint: `${PROBE_BATCH} images each`, qualify: true })}
        </fieldset>
        <div class="buttons">
          <button id="stack-start" part="button" type="button" ?disabled=${set.busy} aria-describedby=${startError ? errorId('stack-start') : nothing} @click=${() => this.start()}>
            Train this stack
          </button>
          <button id="stack-stop" part="button" type="button" ?disabled=${set.status !== 'running'} @click=${() => this.stop()}>Stop training<span class="visually-hidden"> the stack</span></button>
        </div>
        ${actionError('stack-start', startError)}
      </form>
      <p id="stack-summary" class="summary" aria-live="polite" data-status=${set.status} data-results=${JSON.stringify(stackResults(set.runs))}>${this.summary(alone)}</p>
      ${takeaway ? html`<p id="stack-takeaway" class="takeaway">${takeaway}</p>` : nothing}
      ${diverged.length
        ? html`<p id="stack-diverged" class="hint">
            ${diverged.map((r) => labelFor(r.init)).join(', ')} diverged, so ${diverged.length === 1 ? 'it is' : 'they are'} left out of the charts (${diverged.length === 1 ? 'its' : 'their'} first loss dwarfs the others); the sentence above and the table say where.
          </p>`
        : nothing}
      <div class="charts">
        <figure part="chart">
          <figcaption>Training loss per step</figcaption>
          <mlp-line-chart id="stack-loss-chart" .series=${set.lossSeries(set.version, true, false)} x-label="step" y-label="loss" whole-x log-y
            label=${`Training loss per step of the deep stack for ${set.runs.map((r) => labelFor(r.init)).join(', ') || 'no runs yet'}; the table below lists the numbers.`}></mlp-line-chart>
        </figure>
        <figure part="chart">
          <figcaption>Gradient reaching each layer: std of dLoss/dz, latest measurement</figcaption>
          <mlp-line-chart id="stack-gradient-chart" .series=${charts.gradients} x-label="layer" y-label="std of dLoss/dz" log-y whole-x points
            placeholder=${measured ? '' : 'Measured from the first step on'}
            label="The spread of the gradient at each layer, latest measurement, log scale, one line per initializer; the table below gives layer 1's."></mlp-line-chart>
        </figure>
        <figure part="chart">
          <figcaption>Activations: std of each layer's output, latest measurement</figcaption>
          <mlp-line-chart id="stack-activation-chart" .series=${charts.activations} x-label="layer" y-label="std" log-y whole-x points
            placeholder=${measured ? '' : 'Measured from the first step on'}
            label="The spread of each layer's activations, latest measurement, log scale, one line per initializer."></mlp-line-chart>
        </figure>
        <figure part="chart">
          <figcaption>Update size per layer: std(ΔW) / std(W), latest measurement</figcaption>
          <mlp-line-chart id="stack-update-chart" .series=${charts.updates} .band=${UPDATE_BAND} x-label="layer" y-label="% of weights" log-y whole-x points
            placeholder=${measured ? '' : 'Measured from the first step on'}
            label="How much each step changes each layer's weights, in percent of their spread, latest measurement, log scale, with the healthy band 0.01% to 1% shaded."></mlp-line-chart>
        </figure>
      </div>
      ${this.table()}
    </section>`;
  }

  private table() {
    const runs = this.set.runs;
    return html`<mlp-scroll class="table-wrap" part="table" label="The deep stack per initializer">
      <table id="stack-table">
        <caption>The deep stack per initializer: loss, accuracy and what reached the first layer</caption>
        <thead>
          <tr><th scope="col">Initializer</th><th scope="col">Steps</th><th scope="col">Loss (last 20 steps)</th><th scope="col">Test accuracy</th><th scope="col">Layer 1 gradient σ</th><th scope="col">Dead units</th></tr>
        </thead>
        <tbody>
          ${runs.length === 0
            ? html`<tr><td colspan="6" class="empty">Not trained yet.</td></tr>`
            : runs.map((r) => {
                const x = stackResults([r])[0];
                const d = r.diagnostics.length ? last(r.diagnostics) : null;
                const hidden = d ? d.layers.slice(0, -1) : [];
                const dead = hidden.length ? hidden.reduce((a, l) => a + l.deadFrac, 0) / hidden.length : NaN;
                return html`<tr data-init=${r.init}>
                  <th scope="row"><span class="swatch" style=${`background:${colorFor(r.init)}`} aria-hidden="true"></span>${labelFor(r.init)}</th>
                  <td>${x.steps || '—'}</td>
                  <td>${r.diverged ? `diverged at step ${r.diverged.step}` : x.steps ? formatValue(x.loss) : '—'}</td>
                  <td>${x.accuracy === null ? '—' : formatPercent(x.accuracy)}</td>
                  <td>${d ? formatValue(d.layers[0].gradStd) : '—'}</td>
                  <td>${Number.isFinite(dead) ? `${(dead * 100).toFixed(1)}%` : '—'}</td>
                </tr>`;
              })}
        </tbody>
      </table>
    </mlp-scroll>`;
  }
}
