/**
 * <mlp-trainer>: trains a multilayer perceptron on MNIST in the page, through the engine's worker, and shows
 * what the lesson is about: whether (and how fast) the network learns, what it gets wrong, and what it makes
 * of a digit drawn by hand.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Recipe } from '../../train/recipe.ts';
import { FieldError, parseLearningRate, presetValues, toField, type Field } from './config.ts';
import { renderConfigForm } from './config-form.ts';
import { EngineController, type ControllerOptions, type LossPoint } from '../bridge/controller.ts';
import { DrawPadController } from '../widgets/draw-pad.ts';
import { EngineEventMapper, trainerEvent, type DetailOf, type MlpTrainerEventName } from './events.ts';
import type { Series } from '../widgets/line-chart.ts';
import { memo } from '../widgets/memo.ts';
import { MAX_DATASET_BYTES, type EngineEvent, type Evaluation, type RunState } from '../../engine/protocol.ts';
import { SettingsController } from './settings.ts';
import { renderDataset, renderDeviceLost, renderPad, renderRunButtons, renderWeights } from './tools-view.ts';
import { trainerStyles } from './trainer-styles.ts';
import { describeEngine, renderCharts, renderEvaluation, renderProgress } from './trainer-views.ts';
import { WeightFileError, downloadBytes, readWeightFile } from './weights-io.ts';

export type { TrainStartDetail, ProgressDetail, EpochEndDetail, TrainEndDetail, ErrorDetail, MlpTrainerEventMap } from './events.ts';

/** A boolean attribute that is on unless written "false" or "0" (eval-each-epoch defaults to true). */
const onUnlessFalse = { fromAttribute: (value: string | null) => value === null || !['false', '0'].includes(value.trim().toLowerCase()) };

const CONFIG_PROPERTIES = ['recipe', 'layers', 'init', 'biasInit', 'optimizer', 'lr', 'batch', 'epochs', 'seed', 'trainLimit', 'evalEachEpoch'] as const;

/**
 * Trains an MLP on MNIST with WebGPU: settings, run controls, live loss and accuracy charts, the test-set
 * evaluation (a random digit, the misclassified ones, the confusion matrix), a drawing pad classified live,
 * safetensors weight export/import, and training on one's own IDX dataset (four files picked from disk, such
 * as Fashion-MNIST's). Explicit attributes override the `recipe` preset.
 *
 * @fires train-start - A run began training; detail: the Recipe.
 * @fires progress - Training progressed (a few times a second); detail: Progress.
 * @fires epoch-end - An epoch ended; detail: { result: EpochResult, evaluation?: Evaluation }.
 * @fires train-end - A run finished or was stopped; detail: { state: 'finished' | 'stopped', evaluation?: Evaluation }.
 * @fires error - A setting or file was refused, or the engine failed; detail: { message, field? }. The element stays usable.
 *
 * @csspart controls - The settings form with the run buttons.
 * @csspart settings - The fieldset of settings; each setting is a `field` with an `input`.
 * @csspart toolbar - The row of run buttons.
 * @csspart button - Every button; each also has its own part: start, pause, stop, step, export, clear, recover.
 * @csspart progress - The progress region; progress-bar and progress-text inside it.
 * @csspart charts - The two charts; each is a `card` holding a `chart`.
 * @csspart evaluation - The test digit (`digit`), the confusion matrix and the `misclassified` grid.
 * @csspart pad - The drawing pad and its `probabilities`.
 * @csspart weights - Weight export and import.
 * @csspart dataset - The current dataset and the file input (#dataset-files) for one's own.
 * @csspart error - The error alert, and (also part device-lost) the lost-GPU alert with its Resume button. notice: a message about settings that could not be used. unsupported: the no-WebGPU alert.
 * @cssprop --mlp-accent - Buttons, lines, focus rings, correct cells (default #0b63ce).
 * @cssprop --mlp-background - Background (default white).
 * @cssprop --mlp-foreground - Text and axes (default #1d1d1f).
 * @cssprop --mlp-muted - Hints and other bars (default #6b7280).
 * @cssprop --mlp-surface - Card background. --mlp-border: borders. --mlp-danger: errors and wrong cells (default #dc2626).
 * @cssprop --mlp-font - Font family (default the system UI font).
 * @cssprop --mlp-radius - Corner radius (default 6px). --mlp-gap: space between regions (default 1rem).
 * @cssprop --mlp-digit-size - Size of the test digit (default 84px). --mlp-chart-height: chart height (default 220px).
 */
@customElement('mlp-trainer')
export class MlpTrainer extends LitElement {
  static override styles = trainerStyles;

  /** Preset the settings start from: "mlp" or "deep". */
  @property() recipe = 'mlp';
  /** Comma-separated widths, input first, e.g. "784,256,256,10". */
  @property() layers?: string;
  /** Weight initializer: a name (xavier-uniform, he-normal, ...) or a form such as "normal:0,0.01". */
  @property() init?: string;
  @property({ attribute: 'bias-init' }) biasInit?: string;
  /** "adam" or "sgd". */
  @property() optimizer?: string;
  @property({ type: Number }) lr?: number;
  @property({ type: Number }) batch?: number;
  @property({ type: Number }) epochs?: number;
  @property({ type: Number }) seed?: number;
  /** Train on the first N images only; 0 uses all. */
  @property({ type: Number, attribute: 'train-limit' }) trainLimit?: number;
  /** Folder holding MNIST's four .gz IDX files, relative to the page. Read when the element connects. */
  @property({ attribute: 'data-url' }) dataUrl = 'mnist/';
  /** Evaluate on the test set after every epoch (eval-each-epoch="false" turns it off). */
  @property({ attribute: 'eval-each-epoch', converter: onUnlessFalse }) evalEachEpoch = true;
  /** Read the settings from location.hash at start and write them back on every change. */
  @property({ type: Boolean, attribute: 'sync-hash' }) syncHash = false;

  /** A refusal made here (a setting, a file) or an import failure, shown until fixed or superseded. */
  @state() private localError: { message: string; field: Field | null } | null = null;
  @state() private probabilities: number[] | null = null;
  @state() private hasModel = false;
  /** The engine is reading the user's dataset files, until it answers. */
  @state() private loadingDataset = false;

  private readonly engineOptions: ControllerOptions = { dataUrl: 'mnist/', onEvent: (event) => this.onEngineEvent(event) };
  /** The engine bridge; its fields (losses, evaluations, progress, ...) are the run's live state. */
  readonly controller = new EngineController(this, this.engineOptions);
  private readonly settings = new SettingsController(this, {
    preset: () => this.recipe,
    evalEachEpoch: () => this.evalEachEpoch,
    syncHash: () => this.syncHash,
    explicit: () => ({ layers: this.layers, init: this.init, 'bias-init': this.biasInit, optimizer: this.optimizer, lr: this.lr, batch: this.batch, epochs: this.epochs, seed: this.seed, 'train-limit': this.trainLimit }),
    getAttribute: (name) => this.getAttribute(name),
    dataset: () => {
      const d = this.controller.dataset;
      return d ? { inputs: d.rows * d.cols, classes: d.classes } : null;
    },
  });
  private readonly pad = new DrawPadController(this, (image) => this.classify(image));
  private readonly mapper = new EngineEventMapper({
    emit: (type, detail) => this.emit(type, detail),
    recipe: () => this.controller.recipe,
    evaluatesEachEpoch: () => this.runEvaluatesEachEpoch,
    latestEvaluation: () => this.latestEvaluation,
  });
  private runEvaluatesEachEpoch = true;
  /** The name of the weight file the engine is reading, until it answers. */
  private importing: string | null = null;
  private predictionRound = 0;
  private readonly lossSeries = memo((points: LossPoint[], _length: number): Series => [points.map((p) => p.epoch), points.map((p) => p.loss)]);
  private readonly accuracySeries = memo((evaluations: Evaluation[]): Series => {
    const sorted = [...evaluations].sort((a, b) => a.epoch - b.epoch);
    return [sorted.map((e) => e.epoch), sorted.map((e) => e.accuracy * 100)];
  });

  /** The run state, also reflected as the `state` attribute. */
  get state(): RunState {
    return this.controller.state;
  }

  override connectedCallback(): void {
    this.engineOptions.dataUrl = this.dataUrl;
    super.connectedCallback();
  }

  /** Starts a new run with the form's settings; false (and a message) when a setting is wrong. */
  start(): boolean {
    const recipe = this.checkedRecipe();
    if (!recipe) return false;
    this.runEvaluatesEachEpoch = this.settings.draft.evalEachEpoch;
    this.hasModel = false;
    this.mapper.newRun();
    this.reconnectIfLost();
    this.controller.start(recipe, this.runEvaluatesEachEpoch);
    return true;
  }

  /** After a lost GPU device: continue the run from the engine's checkpoint on a new device (it arrives paused). */
  recover(): void {
    this.controller.recover();
    this.requestUpdate();
  }

  pause(): void {
    this.controller.pause();
  }

  resume(): void {
    this.controller.resume();
  }

  stop(): void {
    this.controller.stop();
  }

  /** One training step (a new run first unless one is paused); false when a setting is wrong. */
  step(): boolean {
    const recipe = this.checkedRecipe();
    if (!recipe) return false;
    if (this.state !== 'paused') {
      this.mapper.newRun();
      this.runEvaluatesEachEpoch = this.settings.draft.evalEachEpoch;
    }
    this.reconnectIfLost();
    this.controller.step(recipe);
    return true;
  }

  /** A new run needs a live device: after a loss, get a new one first (the worker handles commands in order). */
  private reconnectIfLost(): void {
    if (this.controller.deviceLost) this.controller.recover();
  }

  /** The form's settings as a Recipe; throws a FieldError naming the first wrong one. */
  toRecipe(): Recipe {
    return this.settings.recipe();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated || CONFIG_PROPERTIES.some((p) => changed.has(p))) this.settings.reset(!this.hasUpdated);
    this.pad.enabled = this.hasModel && this.controller.ready && !this.controller.deviceLost;
  }

  protected override updated(): void {
    if (this.getAttribute('state') !== this.state) this.setAttribute('state', this.state);
  }

  override render() {
    const c = this.controller;
    if (c.unsupported) {
      const title = html`<strong>WebGPU is not available here, so this trainer cannot run.</strong>`;
      return html`<div id="unsupported" class="alert" role="alert" part="unsupported">${title} ${c.unsupported}</div>`;
    }
    const active = c.state === 'running' || c.state === 'paused';
    const canRun = c.ready && c.state !== 'running';
    const lost = c.deviceLost;
    // A lost device has its own alert (with the way out); the error region does not repeat its message.
    const errorMessage = this.localError?.message ?? (lost && c.error === lost.message ? null : c.error);
    const invalid = this.localError ? this.localError.field : c.error ? toField(c.errorField ?? '') : null;
    const classes = c.dataset?.classes ?? 10;
    const notice = this.settings.notice;
    return html`
      <div class="layout">
        ${notice ? html`<p class="notice" role="status" part="notice">${notice}</p>` : nothing}
        <form part="controls" @submit=${this.onSubmit} novalidate>
          ${renderConfigForm({
            draft: this.settings.draft,
            invalid,
            running: active,
            onField: (field, value) => this.followUp(this.settings.setField(field, value)),
            onRecipe: (name) => this.followUp(this.settings.set({ ...this.settings.draft, recipe: name, values: presetValues(name) })),
            onEvalEachEpoch: (value) => this.followUp(this.settings.set({ ...this.settings.draft, evalEachEpoch: value })),
            onCommit: (field, value) => this.onCommit(field, value),
          })}
          ${renderRunButtons({
            state: c.state,
            canRun,
            summary: describeEngine(c.dataset, c.adapter),
            onPauseResume: () => (c.state === 'paused' ? this.resume() : this.pause()),
            onStop: () => this.stop(),
            onStep: () => this.step(),
          })}
        </form>
        ${lost ? renderDeviceLost(lost, () => this.recover()) : nothing}
        ${errorMessage ? html`<div id="error" class="alert" role="alert" part="error">${errorMessage}</div>` : nothing}
        ${renderProgress({ state: c.state, progress: c.progress, stepsTotal: c.stepsTotal, batch: c.recipe?.batch ?? 0 })}
        ${renderCharts({
          loss: this.lossSeries(c.losses, c.losses.length),
          lastLoss: c.losses[c.losses.length - 1],
          lastEpoch: c.epochs[c.epochs.length - 1],
          accuracy: this.accuracySeries(c.evaluations),
          lastEvaluation: this.latestEvaluation,
        })}
        ${renderEvaluation(this.latestEvaluation, classes)}
        <div class="bottom">
          ${renderPad(this.pad, this.probabilities, classes)}
          ${renderWeights({
            canExport: this.hasModel && !this.controller.deviceLost,
            canImport: c.ready && c.state !== 'running',
            onExport: () => void this.exportWeights(),
            onImport: (file) => void this.importWeights(file),
          })}
          ${renderDataset({
            dataset: c.dataset,
            canLoad: c.ready && c.state !== 'running' && !this.loadingDataset,
            onLoad: (files) => void this.loadDataset(files),
          })}
        </div>
      </div>
    `;
  }

  private get latestEvaluation(): Evaluation | undefined {
    const all = this.controller.evaluations;
    return all[all.length - 1];
  }

  private emit<K extends MlpTrainerEventName>(type: K, detail: DetailOf<K>): void {
    this.dispatchEvent(trainerEvent(type, detail));
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.type === 'progress' || event.type === 'weights-imported') this.hasModel = true;
    if (event.type === 'weights-imported') this.importing = null;
    if (event.type === 'error') {
      // The engine's reasons for refusing a file are about its bytes: say which file they were about.
      this.localError = this.importing
        ? { message: `Could not import "${this.importing}": ${event.message}`, field: null }
        : this.loadingDataset
          ? { message: `Could not load the dataset (the current one is kept): ${event.message}`, field: null }
          : null;
      this.importing = null;
      this.loadingDataset = false;
    }
    if (event.type === 'ready') {
      // A new dataset: the model trained on the old one is gone.
      this.loadingDataset = false;
      this.hasModel = false;
      this.probabilities = null;
      this.localError = null;
    }
    this.mapper.handle(event);
  }

  /** Validates the settings, showing and dispatching a refusal; the recipe when they are fine. */
  private checkedRecipe(): Recipe | null {
    try {
      const recipe = this.settings.recipe();
      this.localError = null;
      this.settings.writeHash();
      return recipe;
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      this.refuse(error.message, error.field);
      return null;
    }
  }

  private refuse(message: string, field: Field | null): void {
    // A change event and the submit that follows it can refuse the same thing twice: tell listeners once.
    if (this.localError?.message === message) return;
    this.localError = { message, field };
    this.emit('error', field ? { message, field } : { message });
  }

  /** A refusal on screen follows the edits: it goes once they are fixed, and otherwise says what is wrong now. */
  private followUp(problem: FieldError | null): void {
    if (this.localError?.field) this.localError = problem ? { message: problem.message, field: problem.field } : null;
  }

  private onCommit(field: Field, value: string): void {
    if (field === 'lr' && (this.state === 'running' || this.state === 'paused')) {
      try {
        this.controller.setLearningRate(parseLearningRate(value));
        this.localError = null;
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        this.refuse(error.message, 'lr');
      }
      return;
    }
    this.checkedRecipe();
  }

  private readonly onSubmit = (event: Event): void => {
    event.preventDefault();
    if (this.controller.ready && this.state !== 'running') this.start();
  };

  private async exportWeights(): Promise<void> {
    const bytes = await this.controller.exportWeights();
    downloadBytes(bytes, `mlp-${(this.controller.recipe?.layers ?? []).join('-')}.safetensors`);
  }

  private async importWeights(file: File): Promise<void> {
    let weights;
    try {
      weights = await readWeightFile(file);
    } catch (error) {
      if (!(error instanceof WeightFileError)) throw error;
      this.refuse(error.message, null);
      return;
    }
    // Files this element exported name their widths: adopt them, so that importing one just works.
    if (weights.layers) this.followUp(this.settings.setField('layers', weights.layers));
    const recipe = this.checkedRecipe();
    if (!recipe) return;
    this.hasModel = false;
    this.importing = weights.name;
    this.controller.importWeights(weights.bytes, recipe);
  }

  /** Reads the picked IDX files (refusing more than 256 MB before reading a byte) and hands them to the engine. */
  private async loadDataset(files: File[]): Promise<void> {
    const total = files.reduce((sum, file) => sum + file.size, 0);
    if (total > MAX_DATASET_BYTES) {
      this.refuse(`The ${files.length} files picked are ${(total / 2 ** 20).toFixed(1)} MB together; datasets above ${MAX_DATASET_BYTES / 2 ** 20} MB are refused (MNIST's four files take about 11 MB gzipped).`, null);
      return;
    }
    this.loadingDataset = true;
    try {
      const named = await Promise.all(files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
      this.localError = null;
      this.controller.loadDataset('your dataset', named);
    } catch (error) {
      this.loadingDataset = false;
      this.refuse(`Could not read the files picked: ${error instanceof Error ? error.message : String(error)}`, null);
    }
  }

  private async classify(image: Uint8Array | null): Promise<void> {
    const round = ++this.predictionRound;
    if (!image) {
      this.probabilities = null;
      return;
    }
    try {
      const probabilities = await this.controller.predict(image);
      if (round === this.predictionRound) this.probabilities = probabilities;
    } catch {
      // The engine's 'error' event carries the reason, and the error region shows it.
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-trainer': MlpTrainer;
  }
}
