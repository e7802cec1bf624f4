/**
 * <mlp-offline-demo>: what <mlp-trainer> shows where WebGPU is missing, so the page still has something real
 * in it: why it cannot train and what to do, a run of the lesson's recipe recorded with this engine (loss
 * curve, test accuracy per epoch, the command that produced it) and that run's trained model classifying
 * drawings and MNIST test digits on the CPU. The record, the weights and the test digits are each fetched
 * only when this element is shown (the last only when a test digit is asked for).
 *
 * @csspart reason - The notice that says why nothing trains here (#offline-reason).
 * @csspart recorded - The recorded run's card (#recorded-run); chart: each chart.
 * @csspart pad - The drawing pad's card; the pad itself is #offline-pad, an <mlp-digit-pad>.
 * @cssprop --mlp-accent, --mlp-background, --mlp-foreground, --mlp-muted, --mlp-surface, --mlp-border,
 *   --mlp-font, --mlp-radius, --mlp-gap, --mlp-pad-size - As for <mlp-trainer>.
 * @cssprop --mlp-chart-height - Height of each chart (default 190px here).
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../widgets/line-chart.ts';
import '../widgets/digit-pad.ts';
import { memo } from '../widgets/memo.ts';
import type { Classifier } from '../widgets/digit-pad.ts';
import type { RecordedRun } from '../../train/recording.ts';
import { accuracyCurve, describeRecord, loadRecordedRun, lossCurve } from './recorded-run.ts';
import { loadLessonClassifier, testDigitsFrom } from './lesson-model.ts';
import { offlineDemoStyles } from './offline-demo-styles.ts';
import { themeStyles } from '../widgets/theme.ts';

/** MNIST's test set; the pad's number input allows this many before the files are fetched. */
const MNIST_TEST_COUNT = 10_000;

@customElement('mlp-offline-demo')
export class OfflineDemo extends LitElement {
  static override styles = [themeStyles, offlineDemoStyles];

  /** Why WebGPU is missing and what to do about it (the trainer's message). */
  @property() reason = '';
  /** Folder of the dataset's files, for the test digits (only t10k-images and t10k-labels are fetched). */
  @property({ attribute: 'data-url' }) dataUrl = 'mnist/';

  @state() private record: RecordedRun | null = null;
  @state() private recordError: string | null = null;
  @state() private classifier: Classifier | null = null;
  @state() private weightsError: string | null = null;

  private readonly testDigits = memo(testDigitsFrom);
  private readonly curves = memo((record: RecordedRun, color: string) => ({
    loss: [{ label: 'loss', color, points: lossCurve(record) }],
    accuracy: [{ label: 'test accuracy %', color, points: accuracyCurve(record) }],
    text: describeRecord(record),
  }));

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.record && !this.recordError) {
      loadRecordedRun().then(
        (record) => (this.record = record),
        (error: unknown) => (this.recordError = `The recorded run could not be loaded: ${(error as Error).message}`),
      );
    }
    if (!this.classifier && !this.weightsError) {
      loadLessonClassifier().then(
        (classifier) => (this.classifier = classifier),
        (error: unknown) => (this.weightsError = `The trained weights could not be loaded (${(error as Error).message}), so there is no model to draw for.`),
      );
    }
  }

  override render() {
    return html`
      <div class="layout">
        <div id="offline-reason" class="notice" role="status" part="reason">
          <p><strong>WebGPU is not available here, so nothing trains live on this page.</strong> ${this.reason}</p>
          <p>Meanwhile, here is a real run of the lesson recorded with this engine, and the model it trained, running on your CPU.</p>
        </div>
        <div class="columns">${this.renderRecord()} ${this.renderPad()}</div>
      </div>
    `;
  }

  private renderRecord() {
    const record = this.record;
    if (!record) {
      return html`<section id="recorded-run" class="card" part="recorded" aria-labelledby="recorded-title">
        <h3 id="recorded-title">A recorded run of the lesson</h3>
        <p class=${this.recordError ? 'error' : 'hint'}>${this.recordError ?? 'Loading the recorded run…'}</p>
      </section>`;
    }
    const { loss, accuracy, text } = this.curves(record, getComputedStyle(this).getPropertyValue('--mlp-accent').trim() || '#0b63ce');
    return html`
      <section id="recorded-run" class="card" part="recorded" aria-labelledby="recorded-title">
        <h3 id="recorded-title">A recorded run of the lesson</h3>
        <p class="headline"><span id="recorded-accuracy" class="big">${text.accuracy}</span> test accuracy after ${text.training}.</p>
        <div class="charts">
          <figure>
            <figcaption>Training loss (mean of every ${record.steps.every} steps)</figcaption>
            <mlp-line-chart id="recorded-loss" part="chart" .series=${loss} x-label="epoch" y-label="loss (log scale)" log-y digits="4"></mlp-line-chart>
            <p class="sr-only">${text.lossSummary}</p>
          </figure>
          <figure>
            <figcaption>Test accuracy after each epoch</figcaption>
            <mlp-line-chart id="recorded-accuracy-chart" part="chart" .series=${accuracy} x-label="epoch" y-label="%" y-fit="percent" digits="2" points></mlp-line-chart>
            <p class="sr-only">${text.accuracySummary}</p>
          </figure>
        </div>
        <p class="hint">Recipe: ${text.recipe}. <span id="recorded-date">${text.recorded}</span>, with:</p>
        <pre id="recorded-command"><code>${record.command}</code></pre>
      </section>
    `;
  }

  private renderPad() {
    const hint = this.weightsError ?? 'Loading the trained weights (1.1 MB)…';
    return html`
      <section class="card" part="pad" aria-labelledby="offline-pad-title">
        <h3 id="offline-pad-title">Try the trained model</h3>
        <mlp-digit-pad
          id="offline-pad"
          ?enabled=${this.classifier !== null}
          .classify=${this.classifier}
          disabled-hint=${hint}
          .testDigit=${this.testDigits(this.dataUrl)}
          test-count=${MNIST_TEST_COUNT}
        ></mlp-digit-pad>
        ${this.classifier ? html`<p class="hint">The weights this engine exported at the end of that run (safetensors), in float64 on your CPU.</p>` : nothing}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-offline-demo': OfflineDemo;
  }
}
