/**
 * The read-only parts of <mlp-trainer>'s view as template functions: progress, charts with their text
 * summaries, the evaluation (sample, misclassified digits, confusion matrix) and the probability bars. They
 * render into the element's shadow root, so the ids the end-to-end tests use live there.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import type { EpochResult, Progress } from '../../train/trainer.ts';
import type { AdapterSummary } from '../../gpu/context.ts';
import type { EngineController, LossPoint } from '../bridge/controller.ts';
import type { Evaluation, RunState } from '../../engine/protocol.ts';
import type { Series } from '../widgets/line-chart.ts';
import '../widgets/line-chart.ts';
import '../widgets/digit-view.ts';
import '../widgets/confusion-matrix.ts';

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const percent = (fraction: number, digits = 2) => `${(fraction * 100).toFixed(digits)}%`;

/** "mnist: 60,000 training, 10,000 test images · <adapter>" once the engine is ready; empty before. */
export function describeEngine(dataset: EngineController['dataset'], adapter: AdapterSummary | null): string {
  if (!dataset || !adapter) return '';
  const gpu = adapter.description || [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || 'GPU';
  const count = (n: number) => integer.format(n);
  return `${dataset.name}: ${count(dataset.train)} training, ${count(dataset.test)} test images · ${gpu}${adapter.software ? ' (software)' : ''}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const STATE_WORDS: Record<RunState, string> = {
  loading: 'Loading the MNIST data set…',
  idle: 'Ready to train.',
  running: 'Training…',
  paused: 'Paused.',
  finished: 'Finished.',
  stopped: 'Stopped.',
  error: 'The last run failed (see the message above).',
};

export interface ProgressView {
  state: RunState;
  progress: Progress | null;
  stepsTotal: number;
  batch: number;
}

export function renderProgress({ state, progress, stepsTotal, batch }: ProgressView): TemplateResult {
  const step = progress?.step ?? 0;
  let text = STATE_WORDS[state];
  if (progress) {
    const left = ((stepsTotal - step) * batch) / Math.max(progress.samplesPerSecond, 1e-9);
    const timeLeft = state === 'running' ? ` · about ${formatDuration(left)} left` : '';
    text =
      `${state === 'running' ? '' : `${STATE_WORDS[state]} `}Epoch ${progress.epoch} of ${progress.epochs} · ` +
      `step ${integer.format(step)} of ${integer.format(stepsTotal)} · ` +
      `${integer.format(progress.samplesPerSecond)} samples/s${timeLeft}`;
  }
  return html`
    <section part="progress" class="progress" aria-label="Progress">
      <progress id="progress" part="progress-bar" max=${Math.max(stepsTotal, 1)} .value=${step} aria-label="Training progress"></progress>
      <p id="progress-text" part="progress-text" data-step=${step} aria-live="polite">${text}</p>
    </section>
  `;
}

export interface ChartsView {
  loss: Series;
  lastLoss: LossPoint | undefined;
  lastEpoch: EpochResult | undefined;
  accuracy: Series;
  lastEvaluation: Evaluation | undefined;
}

export function renderCharts(v: ChartsView): TemplateResult {
  const lossText = v.lastLoss
    ? `Loss ${v.lastLoss.loss.toFixed(4)} at epoch ${v.lastLoss.epoch.toFixed(2)} (step ${integer.format(v.lastLoss.step)})` +
      (v.lastEpoch ? `; mean loss of epoch ${v.lastEpoch.epoch}: ${v.lastEpoch.loss.toFixed(4)}.` : '.')
    : 'No training loss yet.';
  const e = v.lastEvaluation;
  const accuracyText = e
    ? `Test accuracy ${percent(e.accuracy)} after epoch ${e.epoch} (${integer.format(e.correct)} of ${integer.format(e.count)} test images).`
    : 'No test accuracy yet.';
  return html`
    <div class="charts" part="charts">
      <figure class="card" part="card loss">
        <figcaption>Training loss</figcaption>
        <mlp-line-chart id="loss-chart" part="chart" .data=${v.loss} label="loss" y-label="cross-entropy"></mlp-line-chart>
        <p id="loss-summary" class="summary" aria-live="off">${lossText}</p>
      </figure>
      <figure class="card" part="card accuracy">
        <figcaption>Test accuracy</figcaption>
        <mlp-line-chart id="accuracy-chart" part="chart" .data=${v.accuracy} label="accuracy %" y-label="%" points digits="2"></mlp-line-chart>
        <p id="accuracy-summary" class="summary" data-accuracy=${e ? String(e.accuracy) : nothing}>${accuracyText}</p>
      </figure>
    </div>
  `;
}

export function renderEvaluation(e: Evaluation | undefined, classes: number): TemplateResult {
  const sample = e?.sample;
  const sampleText = sample
    ? `Test image ${sample.index}: label ${sample.label}, predicted ${sample.prediction}${sample.label === sample.prediction ? ' (correct)' : ' (wrong)'}`
    : 'No evaluation yet.';
  const wrong = e ? e.count - e.correct : 0;
  return html`
    <section class="evaluation" part="evaluation" aria-label="Evaluation on the test set">
      <figure class="card" part="card sample">
        <figcaption>A random test digit</figcaption>
        <mlp-digit-view
          id="sample"
          part="digit"
          .pixels=${sample?.pixels ?? null}
          label=${sampleText}
          data-label=${sample ? String(sample.label) : nothing}
          data-prediction=${sample ? String(sample.prediction) : nothing}
        ></mlp-digit-view>
        <p class="summary">${sampleText}</p>
      </figure>
      <figure class="card" part="card confusion">
        <figcaption>Confusion matrix</figcaption>
        <mlp-confusion-matrix
          id="confusion"
          .counts=${e?.confusion ?? []}
          classes=${classes}
          data-total=${e ? String(e.count) : nothing}
          data-correct=${e ? String(e.correct) : nothing}
        ></mlp-confusion-matrix>
      </figure>
      <figure class="card wide" part="card misclassified">
        <figcaption>
          Misclassified test digits
          ${e ? `(${e.misclassified.length} shown of ${integer.format(wrong)}; label → prediction)` : ''}
        </figcaption>
        <ul id="misclassified" part="misclassified" data-count=${e ? String(wrong) : nothing}>
          ${(e?.misclassified ?? []).map(
            (d) => html`<li>
              <mlp-digit-view .pixels=${d.pixels} label=${`test image ${d.index}: label ${d.label}, predicted ${d.prediction}`}></mlp-digit-view>
              <span aria-hidden="true">${d.label} → ${d.prediction}</span>
            </li>`,
          )}
        </ul>
      </figure>
    </section>
  `;
}

export function renderProbabilities(probabilities: number[] | null, classes: number): TemplateResult {
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  return html`
    <ol id="probabilities" part="probabilities" aria-label="Class probabilities" data-prediction=${best >= 0 ? String(best) : nothing}>
      ${Array.from({ length: classes }, (_, digit) => {
        const p = probabilities?.[digit];
        return html`<li class=${digit === best ? 'best' : nothing}>
          <span class="digit">${digit}</span>
          <span class="bar" aria-hidden="true"><span style=${styleMap({ width: `${((p ?? 0) * 100).toFixed(1)}%` })}></span></span>
          <span class="value">${p === undefined ? '–' : percent(p, 1)}</span>
        </li>`;
      })}
    </ol>
  `;
}
