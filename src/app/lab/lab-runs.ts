/**
 * The side-by-side panel: one model trained under several initializers, interleaved by the worker, with the
 * loss curves and per-epoch test accuracy overlaid and a results table. State lives here; the host element
 * renders it and forwards the engine's lab events.
 */
import { html, nothing } from 'lit';
import { MAX_LR } from '../../train/recipe.ts';
import { LAB_FIELD_IDS, LAB_MAX_EPOCHS, defaultLabText, parseLabForm, type LabFormText } from './lab-form.ts';
import { colorFor, formatPercent, formatValue, labelFor } from './lab-format.ts';
import { actionError, errorFor, errorId, field, initCheckboxes, optimizerSelect, type PanelHost } from './lab-panel.ts';
import { RunPanel, last, type RunSet } from './run-set.ts';
import { runsTakeaway } from './takeaways.ts';
import '../widgets/scroll-box.ts';

export type { LabEndDetail, LabEpoch, LabRun, LabStatus } from './run-set.ts';

const DEFAULT_INITS = ['xavier-uniform', 'he-normal', 'normal:0,1'];

export class LabRuns extends RunPanel {
  readonly text: LabFormText = defaultLabText();
  readonly chosen = new Set(DEFAULT_INITS);
  logY = true;

  constructor(host: PanelHost) {
    super(host, LAB_FIELD_IDS, { id: 'lab-start', event: 'lab-start', failed: 'The comparison stopped because the engine failed; press Start comparison to try again.' });
  }

  start(): void {
    this.launch(parseLabForm(this.text, [...this.chosen], this.host.shape()));
  }

  /** Ranked by latest accuracy: the sentence a screen reader hears after each epoch. */
  summary(): string {
    const runs = this.runs;
    const scored = runs.filter((r) => r.epochs.length > 0);
    if (runs.length === 0) return 'No runs yet. Choose initializers and press Start comparison.';
    if (scored.length === 0) return `${statusText(this.set.status)} No epoch has finished yet.`;
    const ranked = [...scored].sort((a, b) => last(b.epochs).accuracy - last(a.epochs).accuracy);
    const parts = ranked.map((r) => `${labelFor(r.init)} ${formatPercent(last(r.epochs).accuracy)} after epoch ${last(r.epochs).epoch}`);
    return `${statusText(this.set.status)} Test accuracy, best first: ${parts.join('; ')}.`;
  }

  render() {
    const host = this.host;
    const bad = (id: string) => errorFor(host, id);
    const touched = () => {
      if (host.shown?.field.startsWith('lab-')) host.report(null);
      host.requestUpdate();
    };
    const startError = bad('lab-start');
    const set = this.set;
    const takeaway = set.busy ? '' : runsTakeaway(this.runs, this.host.shape().classes);
    const toggle = (init: string, on: boolean) => {
      if (on) this.chosen.add(init);
      else this.chosen.delete(init);
      touched();
    };
    return html`<section part="lab" aria-labelledby="lab-heading">
      <h3 id="lab-heading">Same model, different starting weights</h3>
      <p class="lede">
        Each chosen initializer trains the same network on the same batches; only the initial weights differ.
      </p>
      <form class="controls" part="controls" @submit=${(e: Event) => e.preventDefault()}>
        <fieldset class="settings" ?disabled=${this.busy}>
          <legend>Model and training</legend>
          ${field('lab-layers', this.text, 'layers', bad('lab-layers'), touched, { type: 'text', hint: 'input first, classes last', qualify: true })}
          ${field('lab-epochs', this.text, 'epochs', bad('lab-epochs'), touched, { min: 1, max: LAB_MAX_EPOCHS, qualify: true })}
          ${field('lab-train-limit', this.text, 'trainLimit', bad('lab-train-limit'), touched, { min: 0, hint: '0 = all', qualify: true })}
          ${optimizerSelect('lab-optimizer', this.text, bad('lab-optimizer'), touched)}
          ${field('lab-lr', this.text, 'lr', bad('lab-lr'), touched, { step: 'any', min: 0, max: MAX_LR, qualify: true })}
          ${field('lab-batch', this.text, 'batch', bad('lab-batch'), touched, { min: 1, qualify: true })}
          ${field('lab-seed', this.text, 'seed', bad('lab-seed'), touched, { min: 0, qualify: true })}
        </fieldset>
        ${initCheckboxes('lab-inits', this.chosen, bad('lab-inits'), toggle)}
        <div class="buttons">
          <button id="lab-start" part="button" type="button" ?disabled=${this.busy} aria-describedby=${startError ? errorId('lab-start') : nothing} @click=${() => this.start()}>
            Start comparison
          </button>
          <button id="lab-stop" part="button" type="button" ?disabled=${set.status !== 'running'} @click=${() => this.stop()}>Stop comparison</button>
          <label class="check">
            <input id="lab-log" type="checkbox" .checked=${this.logY} @change=${(e: Event) => ((this.logY = (e.target as HTMLInputElement).checked), host.requestUpdate())} />
            Logarithmic loss axis
          </label>
        </div>
        ${actionError('lab-start', startError)}
      </form>
      <p id="lab-summary" class="summary" aria-live="polite">${this.summary()}</p>
      ${takeaway ? html`<p id="lab-takeaway" class="takeaway">${takeaway}</p>` : nothing}
      <div class="charts">
        <figure part="chart">
          <figcaption>Training loss per step</figcaption>
          <mlp-line-chart id="lab-chart" .series=${set.lossSeries(set.version, this.logY)} x-label="step" y-label="loss" whole-x ?log-y=${this.logY}
            label=${`Training loss per step for ${this.runs.map((r) => labelFor(r.init)).join(', ') || 'no runs yet'}; the table below lists the numbers.`}></mlp-line-chart>
        </figure>
        <figure part="chart">
          <figcaption>Test accuracy after each epoch</figcaption>
          <mlp-line-chart id="lab-accuracy-chart" .series=${set.accuracySeries(set.version)} x-label="epoch" y-label="accuracy (%)" whole-x points y-fit="percent" digits="2"
            label="Test accuracy after each epoch, one line per initializer; the table below lists the numbers."></mlp-line-chart>
        </figure>
      </div>
      ${this.table()}
    </section>`;
  }

  private table() {
    return html`<mlp-scroll class="table-wrap" part="table" label="Results per initializer">
      <table id="lab-table">
        <caption>Results per initializer</caption>
        <thead>
          <tr><th scope="col">Initializer</th><th scope="col">Steps</th><th scope="col">Latest loss</th><th scope="col">Epochs</th><th scope="col">Epoch mean loss</th><th scope="col">Test accuracy</th></tr>
        </thead>
        <tbody>
          ${this.runs.length === 0
            ? html`<tr><td colspan="6" class="empty">No runs yet.</td></tr>`
            : this.runs.map((r) => {
                const step = r.losses.length ? last(r.losses) : null;
                const epoch = r.epochs.length ? last(r.epochs) : null;
                return html`<tr data-init=${r.init}>
                  <th scope="row"><span class="swatch" style=${`background:${colorFor(r.init)}`} aria-hidden="true"></span>${labelFor(r.init)}</th>
                  <td>${step ? step[0] : '—'}</td>
                  <td>${step ? formatValue(step[1]) : '—'}</td>
                  <td>${epoch ? epoch.epoch : '—'}</td>
                  <td>${epoch ? formatValue(epoch.loss) : '—'}</td>
                  <td>${r.diverged ? `diverged at step ${r.diverged.step}` : epoch ? formatPercent(epoch.accuracy) : '—'}</td>
                </tr>`;
              })}
        </tbody>
      </table>
    </mlp-scroll>`;
  }
}

export function statusText(status: RunSet['status']): string {
  const words: Record<RunSet['status'], string> = {
    idle: '',
    running: 'Training…',
    stopping: 'Stopping…',
    finished: 'Finished.',
    stopped: 'Stopped.',
    failed: 'The run failed.',
  };
  return words[status];
}
