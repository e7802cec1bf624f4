/**
 * The side-by-side panel: one model trained under several initializers, interleaved by the worker, with the
 * loss curves and per-epoch test accuracy overlaid and a results table. State lives here; the host element
 * renders it and forwards the engine's lab events.
 */
import { html, nothing } from 'lit';
import { MAX_LR } from '../../train/recipe.ts';
import type { EngineEvent } from '../../engine/protocol.ts';
import { LAB_FIELD_IDS, LAB_MAX_EPOCHS, defaultLabText, engineError, parseLabForm, type LabFormText } from './lab-form.ts';
import { colorFor, dashFor, forLogScale, formatPercent, formatValue, labelFor } from './lab-format.ts';
import type { Point } from '../widgets/series.ts';
import { actionError, errorFor, errorId, field, initCheckboxes, type PanelHost } from './lab-panel.ts';
import type { ChartSeries } from '../widgets/line-chart.ts';
import '../widgets/scroll-box.ts';
import { memo } from '../widgets/memo.ts';

export interface LabEpoch {
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Test accuracy after the epoch, as a fraction. */
  accuracy: number;
}

export interface LabRun {
  init: string;
  /** (global step, loss) as the worker reported them. */
  losses: [number, number][];
  epochs: LabEpoch[];
}

export type LabStatus = 'idle' | 'running' | 'stopping' | 'finished' | 'stopped' | 'failed';

/** Detail of the `lab-end` event. */
export interface LabEndDetail {
  status: 'finished' | 'stopped' | 'failed';
  runs: LabRun[];
}

const DEFAULT_INITS = ['xavier-uniform', 'he-normal', 'normal:0,1'];

export class LabRuns {
  readonly text: LabFormText = defaultLabText();
  readonly chosen = new Set(DEFAULT_INITS);
  runs: LabRun[] = [];
  status: LabStatus = 'idle';
  logY = true;

  /** Bumped by every change to `runs`, so charts get new data (and a redraw) only when there is some. */
  private version = 0;
  private readonly lossSeries = memo((_version: number, logY: boolean) =>
    this.runs.map((r) => this.seriesOf(r, r.losses.map(([s, l]) => [s, logY ? forLogScale(l) : Number.isFinite(l) ? l : null] as const))),
  );
  private readonly accuracySeries = memo((_version: number) =>
    this.runs.map((r) => this.seriesOf(r, r.epochs.map((e) => [e.epoch, Number.isFinite(e.accuracy) ? e.accuracy * 100 : null] as const))),
  );

  constructor(private readonly host: PanelHost) {}

  get busy(): boolean {
    return this.status === 'running' || this.status === 'stopping';
  }

  start(): void {
    const parsed = parseLabForm(this.text, [...this.chosen], this.host.shape());
    if (!parsed.ok) return this.host.report(parsed);
    const blocked = this.host.blocked();
    if (blocked) return this.host.report({ field: 'lab-start', ...blocked });
    this.host.report(null);
    const { recipe, inits } = parsed.value;
    this.runs = inits.map((init) => ({ init, losses: [], epochs: [] }));
    this.version++;
    this.status = 'running';
    void this.host.engine.lab(recipe, inits).then((training) => {
      if (!training) this.fail();
    });
    this.host.announce('lab-start', { recipe, inits });
    this.host.requestUpdate();
  }

  stop(): void {
    if (this.status !== 'running') return;
    this.status = 'stopping';
    this.host.engine.labStop();
    this.host.requestUpdate();
  }

  /** The worker is gone (the element left the page): a run in progress will never report its end. */
  abandon(): void {
    if (this.busy) this.status = 'stopped';
  }

  /** The engine's events; the controller re-renders the host once per frame afterwards. */
  onEvent(event: EngineEvent): void {
    if (event.type === 'lab-progress' || event.type === 'lab-epoch') this.version++;
    switch (event.type) {
      case 'lab-progress':
        event.losses.forEach((loss, i) => this.run(event.init)?.losses.push([event.step + i, loss]));
        break;
      case 'lab-epoch':
        this.run(event.init)?.epochs.push({ epoch: event.epoch, loss: event.loss, accuracy: event.accuracy });
        break;
      case 'lab-done':
        if (this.busy) this.end(this.status === 'stopping' ? 'stopped' : 'finished');
        break;
      case 'error':
        // A refused 'lab' request settles its promise (see start); a failure while the models train comes as
        // news about the lab, and the worker dying as news about the engine.
        if (event.id === undefined && (event.about === 'lab' || event.about === 'engine')) this.fail();
        break;
      default:
        break;
    }
  }

  /** The run in progress failed or was refused: said next to Start, or under the setting the engine named. */
  private fail(): void {
    if (!this.busy) return;
    this.end('failed');
    const engine = this.host.engine;
    const fault = { message: engine.error ?? 'The engine did not answer.', ...engine.errorFault };
    this.host.report(engineError(fault, LAB_FIELD_IDS, { id: 'lab-start', sentence: 'The comparison stopped because the engine failed; press Start comparison to try again.' }));
  }

  private end(status: LabEndDetail['status']): void {
    this.status = status;
    this.host.announce<LabEndDetail>('lab-end', { status, runs: this.runs });
  }

  private run(init: string): LabRun | undefined {
    return this.runs.find((r) => r.init === init);
  }

  private seriesOf(run: LabRun, points: ReadonlyArray<Point>): ChartSeries {
    return { label: labelFor(run.init), color: colorFor(run.init), dash: dashFor(run.init), points };
  }

  /** Ranked by latest accuracy: the sentence a screen reader hears after each epoch. */
  summary(): string {
    const scored = this.runs.filter((r) => r.epochs.length > 0);
    if (this.runs.length === 0) return 'No runs yet. Choose initializers and press Start comparison.';
    if (scored.length === 0) return `${this.statusText()} No epoch has finished yet.`;
    const ranked = [...scored].sort((a, b) => last(b.epochs).accuracy - last(a.epochs).accuracy);
    const parts = ranked.map((r) => `${labelFor(r.init)} ${formatPercent(last(r.epochs).accuracy)} after epoch ${last(r.epochs).epoch}`);
    return `${this.statusText()} Test accuracy, best first: ${parts.join('; ')}.`;
  }

  private statusText(): string {
    const words: Record<LabStatus, string> = {
      idle: '',
      running: 'Training…',
      stopping: 'Stopping…',
      finished: 'Finished.',
      stopped: 'Stopped.',
      failed: 'The run failed.',
    };
    return words[this.status];
  }

  render() {
    const host = this.host;
    const bad = (id: string) => errorFor(host, id);
    const touched = () => {
      if (host.shown?.field.startsWith('lab-')) host.report(null);
      host.requestUpdate();
    };
    const startError = bad('lab-start');
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
          ${field('lab-lr', this.text, 'lr', bad('lab-lr'), touched, { step: 'any', min: 0, max: MAX_LR, hint: 'Adam', qualify: true })}
          ${field('lab-batch', this.text, 'batch', bad('lab-batch'), touched, { min: 1, qualify: true })}
          ${field('lab-seed', this.text, 'seed', bad('lab-seed'), touched, { min: 0, qualify: true })}
        </fieldset>
        ${initCheckboxes('lab-inits', this.chosen, bad('lab-inits'), toggle)}
        <div class="buttons">
          <button id="lab-start" part="button" type="button" ?disabled=${this.busy} aria-describedby=${startError ? errorId('lab-start') : nothing} @click=${() => this.start()}>
            Start comparison
          </button>
          <button id="lab-stop" part="button" type="button" ?disabled=${this.status !== 'running'} @click=${() => this.stop()}>Stop comparison</button>
          <label class="check">
            <input id="lab-log" type="checkbox" .checked=${this.logY} @change=${(e: Event) => ((this.logY = (e.target as HTMLInputElement).checked), host.requestUpdate())} />
            Logarithmic loss axis
          </label>
        </div>
        ${actionError('lab-start', startError)}
      </form>
      <p id="lab-summary" class="summary" aria-live="polite">${this.summary()}</p>
      <div class="charts">
        <figure part="chart">
          <figcaption>Training loss per step</figcaption>
          <mlp-line-chart id="lab-chart" .series=${this.lossSeries(this.version, this.logY)} x-label="step" y-label="loss" whole-x ?log-y=${this.logY}
            label=${`Training loss per step for ${this.runs.map((r) => labelFor(r.init)).join(', ') || 'no runs yet'}; the table below lists the numbers.`}></mlp-line-chart>
        </figure>
        <figure part="chart">
          <figcaption>Test accuracy after each epoch</figcaption>
          <mlp-line-chart id="lab-accuracy-chart" .series=${this.accuracySeries(this.version)} x-label="epoch" y-label="accuracy (%)" whole-x points y-fit="percent" digits="2"
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
                  <td>${epoch ? formatPercent(epoch.accuracy) : '—'}</td>
                </tr>`;
              })}
        </tbody>
      </table>
    </mlp-scroll>`;
  }
}

function last<T>(items: readonly T[]): T {
  return items[items.length - 1];
}
