/** `<init-lab>`: the initialization lab; the class's comment below is what documentation tools read. */
// The public types use WebGPU's (GPUDevice, ...): their declarations load them for the consumer.
/// <reference types="@webgpu/types" preserve="true" />
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { EngineController, type ControllerOptions } from '../bridge/controller.ts';
import { DEFAULT_DATA_URL } from '../bridge/data-location.ts';
import type { EngineEvent } from '../../engine/protocol.ts';
import type { Recipe } from '../../train/recipe.ts';
import { DepthProbe, type ProbeEndDetail } from './depth-probe.ts';
import { LabRuns, type LabEndDetail } from './lab-runs.ts';
import { StackRuns } from './stack-runs.ts';
import { MNIST_SHAPE, probeShapeError, type DataShape, type FormError } from './lab-form.ts';
import { parsePanels, type PanelChoice, type PanelName } from './panels.ts';
import { errorId, type PanelHost } from './lab-panel.ts';
import { initLabStyles } from './init-lab-styles.ts';
import '../widgets/line-chart.ts';

export type { LabEndDetail, LabRun } from './lab-runs.ts';
export type { ProbeEndDetail } from './depth-probe.ts';

/** Detail of `lab-start` and `stack-start`: the recipe each run trains and the initializers compared. */
export interface LabStartDetail {
  recipe: Recipe;
  inits: string[];
}

/**
 * What <init-lab> is doing, as its `state` attribute says: loading (the engine and the data), ready, running (a
 * comparison, a probe or the stack's training is in flight), no-data (the data could not be loaded), error
 * (the engine failed) or unsupported (no WebGPU here).
 */
export type InitLabState = 'loading' | 'ready' | 'running' | 'no-data' | 'error' | 'unsupported';

/**
 * Detail of `lab-error`: the sentence shown and the id of the input, checkbox group or button it concerns
 * ('panels' when it is about the `panels` attribute).
 */
export interface LabErrorDetail {
  message: string;
  field: string;
}

/** Makes one of the lab's events: bubbling and composed, so it leaves the shadow root. */
function labEvent<T>(type: string, detail: T): CustomEvent<T> {
  return new CustomEvent<T>(type, { detail, bubbles: true, composed: true });
}

/** The events <init-lab> dispatches (all bubble and are composed), by name. */
export interface InitLabEventMap {
  'lab-start': CustomEvent<LabStartDetail>;
  'stack-start': CustomEvent<LabStartDetail>;
  'lab-end': CustomEvent<LabEndDetail>;
  'probe-end': CustomEvent<ProbeEndDetail>;
  'lab-error': CustomEvent<LabErrorDetail>;
}

/**
 * Shows, with the engine's own numbers, that weight initialization decides whether a deep
 * network trains at all. Three panels share one engine (its own worker, through EngineController):
 * side-by-side training of one model under several initializers, a depth probe of a deep ReLU stack at
 * initialization (measured beside what theory predicts), and that stack trained under each initializer with
 * live per-layer diagnostics. The engine runs one lab at a time: starting the comparison stops the stack's
 * training, and the other way round. Bad input is refused here, before anything reaches the worker, with a
 * sentence under the field at fault; an action that fails says so next to its button. The panels are h3 sections: the page
 * gives the element its h2.
 *
 * A page picks the panels it shows with `panels` (a documentation page may show the probe alone) and the
 * probe's stack with `depth` and `width`. Shown without the probe, the stack's panel holds the stack's
 * settings itself. Attributes are checked as typed input is: a depth or width out of range goes into its
 * field with the form's own sentence under it, and a word of `panels` that names no panel is said where the
 * panels are; each fires `lab-error`, and the rest of the element works.
 *
 * @attr {InitLabState} state - Reflected by the element (not read): loading, ready, running (a comparison, a probe or the stack's training in flight), no-data, error or unsupported (no WebGPU here).
 *
 * @summary Shows, by training and probing, that weight initialization decides whether a deep network trains.
 *
 * @fires {CustomEvent<LabStartDetail>} lab-start - A side-by-side run was sent to the engine; detail: { recipe, inits }.
 * @fires {CustomEvent<LabStartDetail>} stack-start - Training the probed stack was sent to the engine; detail: { recipe, inits }.
 * @fires {CustomEvent<LabEndDetail>} lab-end - A comparison or the stack's training finished, was stopped or failed; detail: { status, runs } with every run's numbers.
 * @fires {CustomEvent<ProbeEndDetail>} probe-end - A depth probe came back; detail: { layers, results } (the stack and its ProbeResult[]).
 * @fires {CustomEvent<LabErrorDetail>} lab-error - An error was shown (bad input or an engine failure); detail: { message, field }.
 *
 * @cssprop [--mlp-accent=#0b63ce] - Buttons, focus rings and headings.
 * @cssprop [--mlp-background=white] - Background.
 * @cssprop [--mlp-foreground=#1d1d1f] - Text and chart axes.
 * @cssprop --mlp-font - Font family (default the system UI font).
 * @cssprop [--mlp-radius=6px] - Corner radius of panels and controls.
 * @csspart lab - The side-by-side training panel.
 * @csspart probe - The depth probe panel.
 * @csspart probe-results - The probe's summary, charts and table.
 * @csspart stack - The panel that trains the probed stack.
 * @csspart controls - Each panel's form.
 * @csspart inits - Each fieldset of initializer checkboxes.
 * @csspart button - Every button.
 * @csspart chart - Each chart's figure.
 * @csspart field - Each labelled input with its hint and its error.
 * @csspart table - Each table's scrolling wrapper (<mlp-scroll>).
 * @csspart status - The engine status line.
 * @csspart error - A problem's message, under the field or the button it concerns (or, for the `panels` attribute, where the panels are).
 * @csspart unsupported - The note shown instead of the panels where WebGPU is missing.
 */
@customElement('init-lab')
export class InitLab extends LitElement implements PanelHost {
  static override styles = initLabStyles;

  /**
   * Folder holding MNIST's four IDX files (gzip), relative to the page. Read when the element connects.
   * Default: the mnist/ folder beside the package's bundle (dist/lib/mnist/); on the demo site, mnist/ beside the page.
   */
  @property({ attribute: 'data-url' }) dataUrl: string = DEFAULT_DATA_URL;
  /** Initial depth (hidden layers) of the probe's stack, 10 to 30 (also the stack the stack's panel trains). */
  @property({ type: Number }) depth = 20;
  /** Initial width of the probe's hidden layers, 1 to 2048. */
  @property({ type: Number }) width = 256;
  /**
   * The panels shown, separated by spaces or commas: `lab` (side-by-side training), `probe` (the depth probe),
   * `stack` (training the probed stack). Always in that order; absent or blank, all three.
   */
  @property() panels = 'lab probe stack';

  /**
   * The problem shown now (PanelHost).
   * @internal
   */
  @state() shown: FormError | null = null;

  private readonly engineOptions: ControllerOptions = { dataUrl: DEFAULT_DATA_URL, onEvent: (event) => this.onEngineEvent(event) };
  /**
   * The bridge to the engine's worker, shared by the panels.
   * @internal
   */
  readonly engine = new EngineController(this, this.engineOptions);
  private readonly lab = new LabRuns(this);
  private readonly probe = new DepthProbe(this);
  private readonly stack = new StackRuns(this, this.probe);
  private choice: PanelChoice = parsePanels(null);

  /** What the element is doing, also reflected as the `state` attribute. */
  get state(): InitLabState {
    const engine = this.engine;
    if (engine.unsupported) return 'unsupported';
    if (engine.state === 'error') return 'error';
    if (engine.state === 'no-data') return 'no-data';
    if (!engine.ready) return 'loading';
    return this.lab.busy || this.probe.running || this.stack.busy ? 'running' : 'ready';
  }

  /**
   * Shows `error` under what caused it (null clears it) and brings it into view (PanelHost). A refused input
   * (or checkbox group) also gets the focus, so the fix is one keystroke away and a screen reader reads the
   * message as the field's description; a failed action leaves the focus on its button and is announced.
   * @internal
   */
  report(error: FormError | null): void {
    this.shown = error;
    if (!error) return;
    this.announce<LabErrorDetail>('lab-error', { message: error.message, field: error.field });
    void this.updateComplete.then(() => {
      if (this.shown !== error) return;
      const target = this.renderRoot.querySelector<HTMLElement>(`#${error.field}`);
      const message = this.renderRoot.querySelector<HTMLElement>(`#${errorId(error.field)}`);
      // The field, its label and its message together, else the message alone: whichever edge is nearer.
      (target?.closest<HTMLElement>('.field, fieldset.inits') ?? message?.parentElement)?.scrollIntoView({ block: 'nearest' });
      if (target instanceof HTMLButtonElement) return;
      const focusable = target instanceof HTMLFieldSetElement ? target.querySelector('input') : target;
      focusable?.focus({ preventScroll: true });
    });
  }

  /**
   * Why nothing can be sent to the engine now (PanelHost).
   * @internal
   */
  blocked(): Omit<FormError, 'field'> | null {
    const engine = this.engine;
    if (engine.ready) return null;
    if (engine.state === 'no-data') return { message: 'The training data could not be loaded, so nothing can run; reload the page to try again.', detail: engine.error ?? undefined };
    if (engine.state === 'error') return { message: 'The engine could not start; reload the page to try again.', detail: engine.unsupported ?? engine.error ?? undefined };
    return { message: 'The engine is still loading the MNIST data; try again in a moment.' };
  }

  /**
   * The dataset's shape (PanelHost).
   * @internal
   */
  shape(): DataShape {
    const d = this.engine.dataset;
    return d ? { inputs: d.rows * d.cols, classes: d.classes, train: d.train } : MNIST_SHAPE;
  }

  /**
   * Dispatches one of the element's events (PanelHost).
   * @internal
   */
  announce<T>(type: string, detail: T): void {
    this.dispatchEvent(labEvent(type, detail));
  }

  override connectedCallback(): void {
    // Read here: the controller joins the engine for this folder as the element connects.
    this.engineOptions.dataUrl = this.dataUrl;
    super.connectedCallback();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // The controller ends the worker with the element: whatever was in flight will not report back.
    this.lab.abandon();
    this.probe.abandon();
    this.stack.abandon();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('depth')) this.probe.text.depth = String(this.depth);
    if (changed.has('width')) this.probe.text.width = String(this.width);
    if (changed.has('panels')) {
      const before = this.choice.message;
      this.choice = parsePanels(this.panels);
      const message = this.choice.message;
      if (message && message !== before) this.announce<LabErrorDetail>('lab-error', { message, field: 'panels' });
    }
    if (changed.has('depth') || changed.has('width') || changed.has('panels')) this.checkStackAttributes();
  }

  protected override updated(): void {
    if (this.getAttribute('state') !== this.state) this.setAttribute('state', this.state);
  }

  /**
   * The depth and width the attributes put in the probe's form, checked by the form's own rule as they
   * arrive: one out of range gets its sentence under its field at once (without taking the focus: nobody
   * typed it), where a panel shows that field. Fixed attributes take their message away.
   */
  private checkStackAttributes(): void {
    const shown = this.choice.shown;
    const error = shown.includes('probe') || shown.includes('stack') ? probeShapeError(this.probe.text) : null;
    if (error) {
      this.shown = error;
      this.announce<LabErrorDetail>('lab-error', { message: error.message, field: error.field });
    } else if (this.shown?.field === 'probe-depth' || this.shown?.field === 'probe-width') {
      this.shown = null;
    }
  }

  private onEngineEvent(event: EngineEvent): void {
    // The probe hears of its failure through its promise; the comparison and the stack through these events.
    this.lab.onEvent(event);
    this.stack.onEvent(event);
  }

  protected override render() {
    const engine = this.engine;
    const { shown, message } = this.choice;
    const has = (name: PanelName) => shown.includes(name);
    return html`
      <p id="engine-status" part="status" role="status">${this.statusText()}</p>
      ${engine.unsupported
        ? html`<p id="unsupported" part="unsupported" class="unsupported">The lab trains on the GPU, so it needs WebGPU. ${engine.unsupported}</p>`
        : nothing}
      ${message ? html`<div class="error" part="error"><p id="panels-error">${message}</p></div>` : nothing}
      ${engine.unsupported
        ? nothing
        : html`${has('lab') ? this.lab.render() : nothing} ${has('probe') ? this.probe.render() : nothing}
          ${has('stack') ? this.stack.render(has('probe') ? null : this.probe.renderStackSettings('train')) : nothing}`}
    `;
  }

  /** The status line: the `state` in words. */
  private statusText(): string {
    const engine = this.engine;
    const state = this.state;
    if (state === 'unsupported') return 'WebGPU is not available here.';
    if (state === 'no-data') return 'The training data could not be loaded.';
    if (state === 'error') return `The engine failed: ${engine.error ?? 'unknown error'}`;
    if (state === 'loading') return 'Loading the engine and the MNIST data…';
    const a = engine.adapter;
    const gpu = a ? [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'a GPU' : 'a GPU';
    return `Ready: ${engine.dataset?.name ?? 'dataset'} loaded, running on ${gpu}${a?.software ? ' (software, slow)' : ''}.`;
  }
}

/** Listeners typed by the element's own events: `lab.addEventListener('lab-end', (e) => e.detail.runs)`. */
export interface InitLab {
  addEventListener<K extends keyof InitLabEventMap>(type: K, listener: (this: InitLab, event: InitLabEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: InitLab, event: HTMLElementEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof InitLabEventMap>(type: K, listener: (this: InitLab, event: InitLabEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: InitLab, event: HTMLElementEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'init-lab': InitLab;
  }
}
