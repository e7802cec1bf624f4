/** `<init-lab>`: the initialization lab; the class's comment below is what documentation tools read. */
// The public types use WebGPU's (GPUDevice, ...): their declarations load them for the consumer.
/// <reference types="@webgpu/types" preserve="true" />
import { LitElement, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { EngineController } from '../bridge/controller.ts';
import { DEFAULT_DATA_URL } from '../bridge/data-location.ts';
import type { EngineEvent } from '../../engine/protocol.ts';
import type { Recipe } from '../../train/recipe.ts';
import { DepthProbe, type ProbeEndDetail } from './depth-probe.ts';
import { LabRuns, type LabEndDetail } from './lab-runs.ts';
import { StackRuns } from './stack-runs.ts';
import { MNIST_SHAPE, type DataShape, type FormError } from './lab-form.ts';
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

/** Detail of `lab-error`: the sentence shown and the id of the input, checkbox group or button it concerns. */
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
 * training, and the other way round. Bad input is refused here, before anything reaches the worker, with a sentence under the
 * field at fault; an action that fails says so next to its button. The panels are h3 sections: the page
 * gives the element its h2.
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
 * @csspart error - A problem's message, under the field or the button it concerns.
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
  /** Initial depth (hidden layers) of the probe's stack, 10 to 30. */
  @property({ type: Number }) depth = 20;
  /** Initial width of the probe's hidden layers. */
  @property({ type: Number }) width = 256;

  @state() shown: FormError | null = null;

  readonly engine: EngineController;
  private readonly lab = new LabRuns(this);
  private readonly probe = new DepthProbe(this);
  private readonly stack = new StackRuns(this, this.probe);

  constructor() {
    super();
    const element = this;
    this.engine = new EngineController(this, {
      get dataUrl() {
        return element.dataUrl;
      },
      onEvent: (event) => this.onEngineEvent(event),
    });
  }

  /**
   * Shows `error` under what caused it (null clears it) and brings it into view. A refused input (or
   * checkbox group) also gets the focus, so the fix is one keystroke away and a screen reader reads the
   * message as the field's description; a failed action leaves the focus on its button and is announced.
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

  blocked(): Omit<FormError, 'field'> | null {
    const engine = this.engine;
    if (engine.ready) return null;
    if (engine.state === 'no-data') return { message: 'The training data could not be loaded, so nothing can run; reload the page to try again.', detail: engine.error ?? undefined };
    if (engine.state === 'error') return { message: 'The engine could not start; reload the page to try again.', detail: engine.unsupported ?? engine.error ?? undefined };
    return { message: 'The engine is still loading the MNIST data; try again in a moment.' };
  }

  shape(): DataShape {
    const d = this.engine.dataset;
    return d ? { inputs: d.rows * d.cols, classes: d.classes, train: d.train } : MNIST_SHAPE;
  }

  announce<T>(type: string, detail: T): void {
    this.dispatchEvent(labEvent(type, detail));
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
  }

  private onEngineEvent(event: EngineEvent): void {
    // The probe hears of its failure through its promise; the comparison and the stack through these events.
    this.lab.onEvent(event);
    this.stack.onEvent(event);
  }

  protected override render() {
    const engine = this.engine;
    return html`
      <p id="engine-status" part="status" role="status">${this.statusText()}</p>
      ${engine.unsupported
        ? html`<p id="unsupported" part="unsupported" class="unsupported">The lab trains on the GPU, so it needs WebGPU. ${engine.unsupported}</p>`
        : ''}
      ${engine.unsupported ? '' : html`${this.lab.render()} ${this.probe.render()} ${this.stack.render()}`}
    `;
  }

  private statusText(): string {
    const engine = this.engine;
    if (engine.unsupported) return 'WebGPU is not available here.';
    if (engine.state === 'no-data') return 'The training data could not be loaded.';
    if (!engine.ready) return engine.state === 'error' ? `The engine failed: ${engine.error ?? 'unknown error'}` : 'Loading the engine and the MNIST data…';
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
