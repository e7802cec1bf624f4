/**
 * <mlp-trainer>: trains a multilayer perceptron on MNIST in the page, through the engine's worker, and shows
 * what the lesson is about: whether (and how fast) the network learns, what it gets wrong, and what it makes
 * of a digit drawn by hand. Earlier runs stay on the charts, faded, so that runs can be compared.
 */
// The public types use WebGPU's (GPUDevice, ...): their declarations load them for the consumer.
/// <reference types="@webgpu/types" preserve="true" />
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Recipe, RecipeName } from '../../train/recipe.ts';
import { FieldError, MORE_FIELDS, fieldErrorFrom, parseLearningRate, presetDraft, type Field } from './config.ts';
import { EngineController, type ControllerOptions, type ImportedWeights } from '../bridge/controller.ts';
import { DEFAULT_DATA_URL } from '../bridge/data-location.ts';
import { type DigitPad, type TestDigitProvider } from '../widgets/digit-pad.ts';
import '../widgets/digit-pad.ts';
import { EngineEventMapper, trainerEvent, type DetailOf, type MlpTrainerEventMap, type MlpTrainerEventName } from './events.ts';
import type { EngineEvent, Evaluation, RunState } from '../../engine/protocol.ts';
import { describeDataProblem } from './data-problem.ts';
import { RunHistory } from './run-history.ts';
import { SettingsController } from './settings.ts';
import { renderSettingsBar } from './settings-bar.ts';
import { TrainerFiles, takeEngineError } from './files.ts';
import { renderDataset, renderDeviceLost, renderWeights } from './tools-view.ts';
import { trainerStyles } from './trainer-styles.ts';
import { controlStyles, themeStyles } from '../widgets/theme.ts';
import { describeEngine, renderCharts, renderEvaluation, renderStatus } from './trainer-views.ts';
import { renderInside } from './inside-view.ts';
import { insideStyles } from './inside-styles.ts';

export type { TrainStartDetail, ProgressDetail, EpochEndDetail, TrainEndDetail, ErrorDetail, MlpTrainerEventMap } from './events.ts';

/** A boolean attribute that is on unless written "false" or "0" (eval-each-epoch defaults to true). */
const onUnlessFalse = { fromAttribute: (value: string | null) => value === null || !['false', '0'].includes(value.trim().toLowerCase()) };

const CONFIG_PROPERTIES = ['recipe', 'layers', 'init', 'biasInit', 'optimizer', 'lr', 'batch', 'epochs', 'seed', 'trainLimit', 'evalEachEpoch'] as const;

/**
 * Trains an MLP on MNIST with WebGPU: a settings bar, run controls, live loss and accuracy charts that keep
 * earlier runs for comparison (with learning-rate changes, pauses and imports marked), what happens inside
 * the network (each layer measured every few steps: readings in words, lines per layer, histograms), the test-set
 * evaluation (a random digit, the misclassified ones, the confusion matrix), a drawing pad classified live,
 * safetensors weight export/import, and training on one's own IDX dataset (four files picked from disk, such
 * as Fashion-MNIST's). Explicit attributes override the `recipe` preset. Where WebGPU cannot run (no WebGPU,
 * no secure context) it says why and shows a recorded run instead (part `unsupported`).
 *
 * @summary Trains a multilayer perceptron on MNIST in the page with WebGPU, live.
 *
 * @attr {RunState} state - Reflected by the element (not read): loading, no-data, idle, running, paused, finished, stopped, imported or error.
 *
 * @fires {CustomEvent<TrainStartDetail>} train-start - A run began training; detail: its Recipe.
 * @fires {CustomEvent<ProgressDetail>} progress - Training progressed (a few times a second); detail: Progress (epoch, step, loss, samplesPerSecond, ...).
 * @fires {CustomEvent<EpochEndDetail>} epoch-end - An epoch ended; detail: { result: EpochResult, evaluation?: Evaluation }.
 * @fires {CustomEvent<TrainEndDetail>} train-end - A run finished or was stopped; detail: { state: 'finished' | 'stopped', evaluation?: Evaluation }.
 * @fires {CustomEvent<ErrorDetail>} error - A setting or file was refused, or the engine failed; detail: { message, field? }. The element stays usable.
 *
 * @csspart controls - The settings bar with the run buttons (a form).
 * @csspart settings - The fieldset behind "More settings".
 * @csspart field - Each setting, with its label.
 * @csspart input - Each setting's input (and the dataset's file input).
 * @csspart field-error - The sentence under a refused setting.
 * @csspart toolbar - The row of run buttons.
 * @csspart button - Every button; each also has a part of its own, listed below.
 * @csspart start - The Start button.
 * @csspart pause - The Pause / Resume button.
 * @csspart stop - The Stop button.
 * @csspart step - The Step button.
 * @csspart full-recipe - The button that switches to the lesson's full recipe.
 * @csspart forget-lr-changes - The button that forgets the learning-rate changes a link carried.
 * @csspart clear-runs - The button that clears the earlier runs from the charts.
 * @csspart export - The weight export button.
 * @csspart fine-tune - The button that trains imported weights.
 * @csspart start-over - The button that starts a new run after an import.
 * @csspart recover - The lost-device alert's Resume button.
 * @csspart notice - Settings from the link that could not be used.
 * @csspart progress - The sticky status strip.
 * @csspart progress-bar - The strip's progress bar.
 * @csspart progress-text - The strip's text.
 * @csspart charts - The two charts.
 * @csspart card - Each card (loss, accuracy, sample, misclassified, confusion; each also has that part).
 * @csspart chart - Each chart's figure.
 * @csspart inside - The "Inside the network" panel.
 * @csspart inside-readings - Its sentences.
 * @csspart inside-chart - Each of its charts.
 * @csspart layer-histograms - One layer's pair of histograms.
 * @csspart histogram - Each histogram (an <mlp-histogram>).
 * @csspart evaluation - The test-set evaluation: the test digit, the confusion matrix, the misclassified ones.
 * @csspart digit - The test digit.
 * @csspart misclassified - The grid of misclassified digits.
 * @csspart pad - The drawing pad's card.
 * @csspart canvas - The pad's canvas.
 * @csspart probabilities - The pad's probability bars.
 * @csspart prediction - The pad's prediction.
 * @csspart test - The pad's test-digit controls.
 * @csspart weights - Weight export and import.
 * @csspart dataset - The current dataset and the file input (#dataset-files) for one's own.
 * @csspart error - An error alert.
 * @csspart device-lost - The lost-GPU alert with its Resume button.
 * @csspart unsupported - What is shown instead where WebGPU cannot run (an <mlp-offline-demo>).
 *
 * @cssprop [--mlp-accent=#0b63ce] - Buttons, lines, focus rings, correct cells.
 * @cssprop [--mlp-background=white] - Background.
 * @cssprop [--mlp-foreground=#1d1d1f] - Text and axes.
 * @cssprop [--mlp-muted=#6b7280] - Hints and other bars.
 * @cssprop --mlp-surface - Card background.
 * @cssprop --mlp-border - Borders.
 * @cssprop [--mlp-danger=#dc2626] - Errors and wrong cells.
 * @cssprop --mlp-font - Font family (default the system UI font).
 * @cssprop [--mlp-radius=6px] - Corner radius.
 * @cssprop [--mlp-gap=1rem] - Space between regions.
 * @cssprop [--mlp-digit-size=84px] - Size of the test digit.
 * @cssprop [--mlp-chart-height=250px] - Height of each chart's plot (the inside panel's are 170px).
 * @cssprop --mlp-chart-band - The healthy band's fill on the update-size chart (default a translucent green).
 * @cssprop [--mlp-histogram-height=44px] - Height of each histogram's bars.
 * @cssprop [--mlp-sticky-top=0] - Where the status strip sticks while the page scrolls (under a page's own fixed header).
 */
@customElement('mlp-trainer')
export class MlpTrainer extends LitElement {
  static override styles = [themeStyles, controlStyles, trainerStyles, insideStyles];

  /** Preset the settings start from: "quick" (200 steps), "mlp" (the lesson), "deep" or "lesson-deep". */
  @property() recipe = 'quick';
  /** Comma-separated widths, input first, e.g. "784,256,256,10". */
  @property() layers?: string;
  /** Weight initializer: a name (xavier-uniform, he-normal, ...) or a form such as "normal:0,0.01". */
  @property() init?: string;
  /** Bias initializer, named as `init` is (the preset's is "pytorch-default": U(-1/sqrt(fan_in), 1/sqrt(fan_in))). */
  @property({ attribute: 'bias-init' }) biasInit?: string;
  /** "adam" or "sgd". */
  @property() optimizer?: string;
  /** Learning rate. */
  @property({ type: Number }) lr?: number;
  /** Batch size. */
  @property({ type: Number }) batch?: number;
  /** Epochs to train. */
  @property({ type: Number }) epochs?: number;
  /** Seed of the initialization and the shuffling. */
  @property({ type: Number }) seed?: number;
  /** Train on the first N images only; 0 uses all. */
  @property({ type: Number, attribute: 'train-limit' }) trainLimit?: number;
  /**
   * Folder holding MNIST's four .gz IDX files, relative to the page. Read when the element connects. Default:
   * the mnist/ folder beside the package's bundle (dist/lib/mnist/); on the demo site, mnist/ beside the page.
   */
  @property({ attribute: 'data-url' }) dataUrl: string = DEFAULT_DATA_URL;
  /** Evaluate on the test set after every epoch (eval-each-epoch="false" turns it off). */
  @property({ attribute: 'eval-each-epoch', converter: onUnlessFalse }) evalEachEpoch = true;
  /** Read the settings from location.hash at start and write them back on every change. */
  @property({ type: Boolean, attribute: 'sync-hash' }) syncHash = false;

  /** A refusal made here (a setting, a file) or an engine error about a setting, shown until fixed or superseded. */
  @state() private fault: FieldError | null = null;
  @state() private hasModel = false;
  @state() private moreOpen = false;
  /** The learning-rate field's text while a run is going (it changes the run's rate, not the settings' start rate). */
  @state() private liveLr: string | null = null;

  private readonly engineOptions: ControllerOptions = { dataUrl: DEFAULT_DATA_URL, onEvent: (event) => this.onEngineEvent(event) };
  /** The engine bridge; its fields (progress, evaluations, state, ...) are the run's live state. */
  readonly controller = new EngineController(this, this.engineOptions);
  /** Every run made here, the current one and the earlier ones kept for comparison. */
  readonly history = new RunHistory();
  private readonly files = new TrainerFiles(this, this.controller, (name, weights) => this.adoptImported(name, weights));
  private readonly settings = new SettingsController(this, {
    preset: () => this.recipe,
    evalEachEpoch: () => this.evalEachEpoch,
    syncHash: () => this.syncHash,
    explicit: () => ({ layers: this.layers, init: this.init, 'bias-init': this.biasInit, optimizer: this.optimizer, lr: this.lr, batch: this.batch, epochs: this.epochs, seed: this.seed, 'train-limit': this.trainLimit }),
    getAttribute: (name) => this.getAttribute(name),
    dataset: () => {
      const d = this.controller.dataset;
      return d ? { inputs: d.rows * d.cols, classes: d.classes, train: d.train, name: d.name } : null;
    },
  });
  private readonly mapper = new EngineEventMapper({
    emit: (type, detail) => this.emit(type, detail),
    recipe: () => this.controller.recipe,
    evaluatesEachEpoch: () => this.runEvaluatesEachEpoch,
    latestEvaluation: () => this.latestEvaluation,
  });
  private runEvaluatesEachEpoch = true;
  /** The state the engine was in before its latest report, to mark pauses on the loss curve. */
  private lastState: RunState = 'loading';

  /** The run state, also reflected as the `state` attribute. */
  get state(): RunState {
    return this.controller.state;
  }

  override connectedCallback(): void {
    this.engineOptions.dataUrl = this.dataUrl;
    super.connectedCallback();
  }

  /** Starts a new run with the settings shown; false (and a message by the field at fault) when one is wrong. */
  start(): boolean {
    const recipe = this.checkedRecipe();
    if (!recipe) return false;
    this.beginRun(recipe);
    void this.controller.start(recipe, this.runEvaluatesEachEpoch);
    return true;
  }

  /** After a lost GPU device: continue the run from the engine's checkpoint on a new device (it arrives paused). */
  recover(): void {
    void this.controller.recover();
    this.requestUpdate();
  }

  pause(): void {
    void this.controller.pause();
  }

  resume(): void {
    void this.controller.resume();
  }

  stop(): void {
    void this.controller.stop();
  }

  /** One training step (a new run first unless one is paused); false when a setting is wrong. */
  step(): boolean {
    const recipe = this.checkedRecipe();
    if (!recipe) return false;
    if (this.state !== 'paused') this.beginRun(recipe);
    this.reconnectIfLost();
    void this.controller.step(recipe);
    return true;
  }

  /** Trains the imported weights with the settings shown (their widths are the file's). */
  fineTune(): boolean {
    const recipe = this.checkedRecipe();
    if (!recipe) return false;
    this.runEvaluatesEachEpoch = this.settings.draft.evalEachEpoch;
    this.mapper.newRun();
    this.history.adopt(recipe);
    this.files.forgetImport();
    void this.controller.fineTune(recipe, this.runEvaluatesEachEpoch);
    return true;
  }

  /** The settings shown as a Recipe; throws a FieldError naming the first wrong one. */
  toRecipe(): Recipe {
    return this.settings.recipe();
  }

  private beginRun(recipe: Recipe): void {
    // The settings are locked while a run goes: the charts get the room (on a phone, the whole screen).
    this.moreOpen = false;
    this.runEvaluatesEachEpoch = this.settings.draft.evalEachEpoch;
    this.hasModel = false;
    this.files.forgetImport();
    this.liveLr = null;
    this.mapper.newRun();
    this.history.begin(recipe);
    this.padElement?.clear();
    this.reconnectIfLost();
  }

  /** A new run needs a live device: after a loss, get a new one first (the worker handles commands in order). */
  private reconnectIfLost(): void {
    if (this.controller.deviceLost) void this.controller.recover();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated || CONFIG_PROPERTIES.some((p) => changed.has(p))) {
      this.settings.reset(!this.hasUpdated);
      this.checkAttributes();
    }
  }

  /**
   * The settings the attributes (and a synced link) gave, checked as they arrive by the rule a run is checked
   * by: one that is wrong gets its sentence under its field at once (with "More settings" open when the field
   * is there), and an `error` event, before anyone presses Start; it takes no focus, since nobody typed it.
   * Attributes set right take the sentence away.
   */
  private checkAttributes(): void {
    const problem = this.settings.problem();
    if (problem?.field) {
      if (this.fault?.message !== problem.message) this.emit('error', { message: problem.message, field: problem.field });
      this.fault = problem;
      if (MORE_FIELDS.includes(problem.field)) this.moreOpen = true;
    } else if (this.fault?.field) {
      this.fault = null;
    }
  }

  protected override updated(): void {
    if (this.getAttribute('state') !== this.state) this.setAttribute('state', this.state);
  }

  override render() {
    const c = this.controller;
    if (c.unsupported) {
      // Loaded only here (import() is cached): pages that can train never download the offline view.
      void import('./offline-demo.ts');
      return html`<mlp-offline-demo id="unsupported" part="unsupported" .reason=${c.unsupported} data-url=${this.dataUrl}></mlp-offline-demo>`;
    }
    const active = c.state === 'running' || c.state === 'paused';
    const lost = c.deviceLost;
    const classes = c.dataset?.classes ?? 10;
    const notice = this.settings.notice;
    return html`
      <div class="layout">
        ${notice ? html`<p class="notice" role="status" part="notice">${notice}</p>` : nothing}
        <form class="bar" part="controls" @submit=${this.onSubmit} novalidate aria-label="Settings and run controls">
          ${renderSettingsBar({
            draft: this.settings.draft,
            fault: this.fault,
            state: c.state,
            canRun: c.ready && c.state !== 'running',
            moreOpen: this.moreOpen,
            liveLr: this.liveLr,
            onField: (field, value) => {
              if (field === 'lr' && active) this.liveLr = value;
              else this.followUp(this.settings.setField(field, value));
            },
            onCommit: (field, value) => this.onCommit(field, value),
            onPreset: (name) => this.choosePreset(name),
            onEvalEachEpoch: (value) => this.followUp(this.settings.set({ ...this.settings.draft, evalEachEpoch: value })),
            onMoreToggle: (open) => (this.moreOpen = open),
            onForgetLrChanges: () => this.settings.forgetLrChanges(),
            onPauseResume: () => (c.state === 'paused' ? this.resume() : this.pause()),
            onStop: () => this.stop(),
            onStep: () => this.step(),
          })}
        </form>
        ${renderStatus({
          state: c.state,
          progress: active || c.state === 'finished' || c.state === 'stopped' ? c.progress : null,
          stepsTotal: c.stepsTotal,
          batch: c.recipe?.batch ?? 0,
          error: this.statusError(),
          summary: describeEngine(c.dataset, c.adapter),
          evaluation: this.latestEvaluation,
          fieldRefused: !!this.fault?.field,
        })}
        ${lost ? renderDeviceLost(lost, () => this.recover()) : nothing}
        <div class="stage">
          ${renderCharts({
            history: this.history,
            accent: getComputedStyle(this).getPropertyValue('--mlp-accent').trim() || '#0b63ce',
            lastEpoch: c.epochs[c.epochs.length - 1],
            stepsPerEpoch: c.progress?.stepsPerEpoch ?? 0,
            lastEvaluation: this.latestEvaluation,
            onClearEarlier: () => {
              this.history.clearEarlier();
              this.requestUpdate();
            },
          })}
          <section class="card pad-card" part="pad" aria-labelledby="pad-title">
            <h2 id="pad-title">Draw a digit</h2>
            <mlp-digit-pad
              id="pad"
              exportparts="canvas, probabilities, prediction, test"
              .classify=${this.classifyImage}
              .testDigit=${this.testDigit}
              test-count=${c.dataset?.test ?? 0}
              classes=${classes}
              ?enabled=${this.hasModel && c.ready && !c.deviceLost}
              disabled-hint="Train at least one step (or import weights) to try your own digits."
            ></mlp-digit-pad>
          </section>
        </div>
        ${renderInside(c.diagnostics)}
        ${renderEvaluation(this.latestEvaluation, classes)}
        <div class="bottom">
          ${renderWeights({
            canExport: this.hasModel && !c.deviceLost,
            canImport: c.ready && c.state !== 'running',
            outcome: this.files.importOutcome,
            offerNext: c.state === 'imported',
            onExport: () => void this.files.exportWeights(),
            onImport: (file) => void this.files.importWeights(file),
            onFineTune: () => this.fineTune(),
            onStartOver: () => this.start(),
          })}
          ${renderDataset({
            dataset: c.dataset,
            canLoad: c.gpuReady && c.state !== 'running' && this.files.datasetOutcome?.kind !== 'reading',
            outcome: this.files.datasetOutcome,
            onLoad: (files) => void this.files.loadDataset(files),
          })}
        </div>
      </div>
    `;
  }

  /** The error the status strip shows: the engine's, unless it belongs next to a field or has its own alert. */
  private statusError(): string | null {
    const c = this.controller;
    if (this.fault) return this.fault.field ? null : this.fault.message;
    if (!c.error || (c.deviceLost && c.error === c.deviceLost.message)) return null;
    return c.errorSource ? describeDataProblem(c.errorSource, this.dataUrl, c.error) : c.error;
  }

  private get latestEvaluation(): Evaluation | undefined {
    const all = this.controller.evaluations;
    return all[all.length - 1];
  }

  private emit<K extends MlpTrainerEventName>(type: K, detail: DetailOf<K>): void {
    this.dispatchEvent(trainerEvent(type, detail));
  }

  private onEngineEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'progress': {
        this.hasModel = true;
        const p = event.progress;
        this.history.addLosses(p.step - p.losses.length + 1, p.losses);
        break;
      }
      case 'evaluation':
        this.history.addAccuracy(event.evaluation.epoch * (this.controller.progress?.stepsPerEpoch ?? 0), event.evaluation.accuracy * 100);
        break;
      case 'state':
        if (event.state === 'paused' && this.lastState === 'running') this.history.mark(this.controller.progress?.step ?? 0, 'pause', 'paused');
        this.lastState = event.state;
        break;
      case 'error':
        // An engine error about a setting goes next to that setting, in the form's words (a file's refusal
        // is said next to its file input instead).
        if (event.field && !this.files.busy) {
          this.fault = fieldErrorFrom({ message: event.message, field: event.field, allowed: event.allowed, index: event.index }, this.settings.draft.values);
          if (this.fault.field) void this.revealField(this.fault.field);
        }
        break;
      case 'ready':
        // A new dataset: the model trained on the old one is gone.
        this.hasModel = false;
        this.prepareKernels();
        this.padElement?.clear();
        // The settings are checked against the new data (the widths and the batch must fit it): a refusal
        // that no longer holds goes, and one that does is said (as the attributes' are).
        if (!this.fault?.field) this.fault = null;
        this.checkAttributes();
        break;
      default:
        break;
    }
    this.mapper.handle(event);
  }

  /** While the page is read, the engine compiles what the settings shown will need, so that Start starts at once. */
  private prepareKernels(): void {
    let recipe: Recipe;
    try {
      recipe = this.settings.recipe();
    } catch {
      return; // Settings that cannot run: their refusal is on screen (checkAttributes) and comes again on Start.
    }
    void this.controller.prepare(recipe);
  }

  /** Validates the settings, showing and dispatching a refusal; the recipe when they are fine. */
  private checkedRecipe(): Recipe | null {
    try {
      const recipe = this.settings.recipe();
      this.fault = null;
      this.settings.writeHash();
      return recipe;
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      this.refuse(error);
      return null;
    }
  }

  private refuse(error: FieldError): void {
    const again = this.fault?.message === error.message;
    this.fault = error;
    if (error.field) void this.revealField(error.field);
    // A change event and the submit that follows it can refuse the same thing twice: tell listeners once.
    if (!again) this.emit('error', error.field ? { message: error.message, field: error.field } : { message: error.message });
  }

  /** Opens "More settings" if the field is in it, then focuses the field and brings it (and its message) into view. */
  private async revealField(field: Field): Promise<void> {
    const input = () => this.renderRoot.querySelector<HTMLElement>(`#${field}`);
    if (input()?.closest('details')) this.moreOpen = true;
    await this.updateComplete;
    const target = input();
    if (!target) return;
    target.focus({ preventScroll: true });
    (target.closest('.field') ?? target).scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  /** A refusal on screen follows the edits: it goes once they are fixed, and otherwise says what is wrong now. */
  private followUp(problem: FieldError | null): void {
    if (this.fault?.field) this.fault = problem;
  }

  private choosePreset(name: RecipeName): void {
    this.followUp(this.settings.set(presetDraft(name)));
  }

  private onCommit(field: Field, value: string): void {
    if (field === 'lr' && (this.state === 'running' || this.state === 'paused')) {
      void this.changeLearningRate(value);
      return;
    }
    this.checkedRecipe();
  }

  /** A new rate for the run in progress, from the next step: marked on the curve and recorded in the link. */
  private async changeLearningRate(text: string): Promise<void> {
    let lr: number;
    try {
      lr = parseLearningRate(text);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      this.refuse(error);
      return;
    }
    this.fault = null;
    const change = await this.controller.setLearningRate(lr);
    if (!change) return;
    this.liveLr = String(change.lr);
    this.history.mark(change.step, 'lr', `lr ${change.lr}`);
    this.settings.recordLrChange(change);
  }

  private readonly onSubmit = (event: Event): void => {
    event.preventDefault();
    if (this.controller.ready && this.state !== 'running') this.start();
  };

  /** Weights loaded from a file become the current run: marked, scored, and their widths the setting. */
  private adoptImported(name: string, weights: ImportedWeights): void {
    this.hasModel = true;
    this.liveLr = null;
    this.padElement?.clear();
    this.history.begin(null, name);
    this.history.mark(0, 'import', `imported ${name}`);
    this.history.addAccuracy(0, weights.evaluation.accuracy * 100);
    // The model is the file's: its widths become the setting, so that Fine-tune trains exactly it.
    this.settings.forgetLrChanges();
    this.followUp(this.settings.setField('layers', weights.layers.join(',')));
  }

  private get padElement(): DigitPad | null {
    return this.renderRoot.querySelector('mlp-digit-pad');
  }

  /** The pad's model is the engine's current one, on the GPU. */
  private readonly classifyImage = (pixels: Uint8Array): Promise<number[] | null> => this.controller.predict(pixels);

  /** Test digits for the pad's keyboard path come from the engine's copy of the test set. */
  private readonly testDigit: TestDigitProvider = async (index) => {
    const image = await this.controller.testImage(index);
    if (!image) throw new Error(takeEngineError(this.controller));
    return image;
  };
}

/** Listeners typed by the element's own events: `trainer.addEventListener('epoch-end', (e) => e.detail.result.loss)`. */
export interface MlpTrainer {
  addEventListener<K extends MlpTrainerEventName>(type: K, listener: (this: MlpTrainer, event: MlpTrainerEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: MlpTrainer, event: HTMLElementEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends MlpTrainerEventName>(type: K, listener: (this: MlpTrainer, event: MlpTrainerEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: MlpTrainer, event: HTMLElementEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-trainer': MlpTrainer;
  }
}
