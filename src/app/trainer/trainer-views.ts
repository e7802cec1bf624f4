/**
 * The read-only parts of <mlp-trainer>'s view as template functions: the sticky status strip, the charts of
 * the current and earlier runs with their text summaries, the evaluation (sample, misclassified digits,
 * confusion matrix). They render into the element's shadow root, so the ids the end-to-end tests use live
 * there.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { EpochResult, Progress } from '../../train/trainer.ts';
import type { AdapterSummary } from '../../gpu/context.ts';
import type { EngineController } from '../bridge/controller.ts';
import type { Evaluation, RunState } from '../../engine/protocol.ts';
import type { ChartMark, ChartSeries } from '../widgets/line-chart.ts';
import type { RunHistory, RunMark, RunRecord } from './run-history.ts';
import '../widgets/line-chart.ts';
import '../widgets/digit-view.ts';
import '../widgets/confusion-matrix.ts';
import '../widgets/scroll-box.ts';

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

const STATE_WORDS: Partial<Record<RunState, string>> = {
  loading: 'Loading the MNIST data set…',
  idle: 'Ready to train: press Start.',
  running: 'Training…',
  paused: 'Paused.',
  finished: 'Finished.',
  stopped: 'Stopped.',
  imported: 'Imported weights loaded.',
  error: 'Not ready (see the message below).',
};

export interface StatusView {
  state: RunState;
  progress: Progress | null;
  stepsTotal: number;
  batch: number;
  /** A message about the run or the engine that concerns no one field (a failure, a refusal). */
  error: string | null;
  /** What the engine holds (dataset and adapter), said once it is ready. */
  summary: string;
  /** The latest test-set evaluation, said beside the progress once a run has one. */
  evaluation: Evaluation | undefined;
  /** A setting is refused (its sentence is under its field): the strip says to fix it rather than to press Start. */
  fieldRefused?: boolean;
}

/** A message as a sentence on the page: the engine's errors start in lower case, as the CLI prints them after "error: ". */
export const asSentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The status strip under the settings: the progress bar, one line of progress, and any error about the run.
 * It sticks to the top of the window while the page scrolls, so a run's progress and its failures stay in view.
 */
export function renderStatus({ state, progress, stepsTotal, batch, error, summary, evaluation, fieldRefused }: StatusView): TemplateResult {
  const step = progress?.step ?? 0;
  let text = fieldRefused && state === 'idle' ? 'Fix the setting marked above, then press Start.' : (STATE_WORDS[state] ?? '');
  if (progress) {
    const left = ((stepsTotal - step) * batch) / Math.max(progress.samplesPerSecond, 1e-9);
    const timeLeft = state === 'running' ? ` · about ${formatDuration(left)} left` : '';
    text =
      `${state === 'running' ? '' : `${STATE_WORDS[state] ?? ''} `}Epoch ${progress.epoch} of ${progress.epochs} · ` +
      `step ${integer.format(step)} of ${integer.format(stepsTotal)} · ` +
      `${integer.format(progress.samplesPerSecond)} samples/s${timeLeft}`;
  }
  if (evaluation && state !== 'running') text += ` · test accuracy ${percent(evaluation.accuracy)}`;
  return html`
    <section part="progress" class="status ${state === 'running' ? 'running' : ''}" aria-label="Progress">
      <progress id="progress" part="progress-bar" max=${Math.max(stepsTotal, 1)} .value=${step} aria-label="Training progress"></progress>
      <div class="status-line">
        <p id="progress-text" part="progress-text" data-step=${step} aria-live="polite">${text}</p>
        <p class="hint engine-summary">${summary}</p>
      </div>
      ${error ? html`<div id="error" class="alert" role="alert" part="error">${asSentence(error)}</div>` : nothing}
    </section>
  `;
}

/** Okabe-Ito colours for earlier runs (the current run takes the accent), told apart with colour-blindness. */
const EARLIER_COLORS = ['#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7f7f7f'];

export interface ChartsView {
  history: RunHistory;
  accent: string;
  /** The epoch the last loss belongs to and the mean loss of the last finished epoch, for the summary. */
  lastEpoch: EpochResult | undefined;
  stepsPerEpoch: number;
  lastEvaluation: Evaluation | undefined;
  onClearEarlier(): void;
}

function runSeries(history: RunHistory, accent: string, pick: (run: RunRecord) => Array<[number, number]>): ChartSeries[] {
  const earlier = history.earlier.map((run) => ({ label: history.label(run), color: EARLIER_COLORS[(run.id - 1) % EARLIER_COLORS.length], points: pick(run), faded: true }));
  const current = history.current ? [{ label: history.label(history.current), color: accent, points: pick(history.current) }] : [];
  return [...earlier, ...current];
}

function markPhrase(mark: RunMark): string {
  return `${mark.label} at step ${integer.format(mark.step)}`;
}

export function renderCharts(v: ChartsView): TemplateResult {
  const run = v.history.current;
  const last = run?.losses[run.losses.length - 1];
  const epochOf = (step: number) => (v.stepsPerEpoch > 0 ? (step / v.stepsPerEpoch).toFixed(2) : '0');
  const marks = run?.marks ?? [];
  const lossText = last
    ? `Loss ${last[1].toFixed(4)} at epoch ${epochOf(last[0])} (step ${integer.format(last[0])})` +
      (v.lastEpoch ? `; mean loss of epoch ${v.lastEpoch.epoch}: ${v.lastEpoch.loss.toFixed(4)}.` : '.') +
      (marks.length > 0 ? ` Marked: ${marks.map(markPhrase).join('; ')}.` : '')
    : 'No training loss yet.';
  const e = v.lastEvaluation;
  const accuracyText = e
    ? `Test accuracy ${percent(e.accuracy)} ${e.epoch === 0 ? 'of the imported weights' : `after epoch ${e.epoch}`} (${integer.format(e.correct)} of ${integer.format(e.count)} test images).`
    : 'No test accuracy yet.';
  const earlier = v.history.earlier.length;
  const chartMarks: ChartMark[] = marks.map((m) => ({ x: m.step, label: m.label }));
  return html`
    <div class="charts" part="charts">
      <figure class="card loss" part="card loss">
        <figcaption>
          <span>Training loss per step</span>
          ${earlier > 0
            ? html`<button id="clear-runs" type="button" class="link" part="button clear-runs" @click=${() => v.onClearEarlier()}>
                Clear ${earlier === 1 ? 'the earlier run' : `${earlier} earlier runs`}
              </button>`
            : nothing}
        </figcaption>
        <mlp-line-chart id="loss-chart" part="chart" .series=${runSeries(v.history, v.accent, (r) => r.losses)} .marks=${chartMarks} x-label="step" y-label="cross-entropy" whole-x placeholder="Press Start: the loss of every step appears here"></mlp-line-chart>
        <p id="loss-summary" class="summary" data-runs=${earlier + (run ? 1 : 0)}>${lossText}</p>
      </figure>
      <figure class="card accuracy" part="card accuracy">
        <figcaption>Test accuracy</figcaption>
        <mlp-line-chart id="accuracy-chart" part="chart" .series=${runSeries(v.history, v.accent, (r) => r.accuracy)} x-label="step" y-label="%" y-fit="percent" whole-x points digits="2" placeholder="Measured on 10,000 test images"></mlp-line-chart>
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
        <mlp-scroll id="confusion-scroll" label="Confusion matrix">
          <mlp-confusion-matrix
          id="confusion"
          .counts=${e?.confusion ?? []}
          .other=${e?.otherOutputs ?? []}
          classes=${classes}
          data-total=${e ? String(e.count) : nothing}
          data-correct=${e ? String(e.correct) : nothing}
          ></mlp-confusion-matrix>
        </mlp-scroll>
      </figure>
      <figure class="card wide" part="card misclassified">
        <figcaption>
          Misclassified test digits
          ${e ? `(${e.misclassified.length} shown of ${integer.format(wrong)}; label → prediction)` : ''}
        </figcaption>
        <ul id="misclassified" part="misclassified" data-count=${e ? String(wrong) : nothing}>
          ${(e?.misclassified ?? []).map((d) => {
            // A prediction past the classes (a model with more outputs, as lesson-deep) is "other", as in the matrix.
            const predicted = d.prediction < classes ? String(d.prediction) : 'other';
            return html`<li>
              <mlp-digit-view .pixels=${d.pixels} label=${`test image ${d.index}: label ${d.label}, predicted ${d.prediction < classes ? d.prediction : `output ${d.prediction}, which is no class`}`}></mlp-digit-view>
              <span aria-hidden="true" title=${d.prediction < classes ? nothing : `output ${d.prediction}`}>${d.label} → ${predicted}</span>
            </li>`;
          })}
        </ul>
      </figure>
    </section>
  `;
}
