/**
 * <mlp-digit-pad>: draw a digit (or load a test digit by number, from the keyboard) and see what a model
 * makes of it, as a probability bar per class (and "other" for a model with more outputs than classes). The
 * model is whatever `classify` calls: the trainer's live GPU model through its worker, or the offline view's
 * CPU forward pass. Drawings become MNIST-style 28x28 images through DrawPadController; a test digit is shown
 * upscaled and classified from its exact pixels.
 *
 * @fires pad-prediction - PadPredictionEvent: a classification was shown (`detail`: prediction,
 *   probabilities, source 'drawing' | 'test-image', and for a test image its index and true label).
 * @csspart canvas - The drawing canvas (#draw-pad). clear: its Clear button (also part button).
 * @csspart prediction - The polite live line that states the prediction (#pad-prediction).
 * @csspart probabilities - The bars (#probabilities, an ol with data-prediction once there is one).
 * @csspart test - The test-image row (#test-index, #load-test, #random-test); test-status its message line.
 * @csspart hint - The line under the canvas (#pad-hint): how drawings are read, or why the pad is off.
 * @cssprop --mlp-pad-size - Width of the canvas (default 192px); it shrinks to fit a narrower host.
 * @cssprop --mlp-accent - Buttons, focus rings, the winning bar. --mlp-muted: hints and other bars.
 * @cssprop --mlp-background, --mlp-foreground, --mlp-border, --mlp-danger, --mlp-font, --mlp-radius, --mlp-gap
 *   - As for <mlp-trainer>.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ref } from 'lit/directives/ref.js';
import { styleMap } from 'lit/directives/style-map.js';
import { DrawPadController, PAD_SIZE } from './draw-pad.ts';
import { argmax, describePrediction, formatPercent, padBars, parseTestIndex } from './digit-pad-helpers.ts';
import { digitPadStyles } from './digit-pad-styles.ts';
import { themeStyles } from './theme.ts';

/** Side of the images a classifier gets: 28x28 u8, white on black, as MNIST's. */
export const IMAGE_SIDE = 28;

/** Class probabilities for one IMAGE_SIDE x IMAGE_SIDE u8 image; null when there is no model to ask just now. */
export type Classifier = (pixels: Uint8Array) => Promise<number[] | null>;

export interface TestDigit {
  pixels: Uint8Array;
  label: number;
}

/** The test digit at `index` (0 to testCount - 1); may fetch the test set the first time. */
export type TestDigitProvider = (index: number) => Promise<TestDigit>;

export interface PadPrediction {
  prediction: number;
  probabilities: number[];
  source: 'drawing' | 'test-image';
  /** For a test image: its index and true label. */
  index?: number;
  label?: number;
}

export type PadPredictionEvent = CustomEvent<PadPrediction>;

@customElement('mlp-digit-pad')
export class DigitPad extends LitElement {
  static override styles = [themeStyles, digitPadStyles];

  /** The model; without one the pad is off. */
  @property({ attribute: false }) classify: Classifier | null = null;
  /** Whether the pad may be used (a host turns it off while it has no model, say). */
  @property({ type: Boolean }) enabled = false;
  /** Why the pad is off, shown under it while it is. */
  @property({ attribute: 'disabled-hint' }) disabledHint = 'There is no model to classify with yet.';
  @property({ type: Number }) classes = 10;
  /** Test digits to load by number (the keyboard's way to feed the pad); none: the row is not shown. */
  @property({ attribute: false }) testDigit: TestDigitProvider | null = null;
  /** How many test digits there are. */
  @property({ type: Number, attribute: 'test-count' }) testCount = 0;

  @state() private shown: PadPrediction | null = null;
  @state() private problem: string | null = null;
  @state() private testText = '0';
  /** What went wrong with the last test image: a number that is not one (invalid) or a failed fetch. */
  @state() private testError: { text: string; invalid: boolean } | null = null;
  @state() private loading = false;

  /** Bumped by every classification request: a late answer to an older one is dropped. */
  private sequence = 0;
  private readonly pad = new DrawPadController(this, (image) => this.classifyDrawing(image));

  private get usable(): boolean {
    return this.enabled && this.classify !== null;
  }

  override willUpdate(): void {
    this.pad.enabled = this.usable;
  }

  override render() {
    const usable = this.usable;
    const hint = usable ? 'White on black, like MNIST: a drawing is centred and scaled to 20×20 before the model sees it.' : this.disabledHint;
    return html`
      <div class="pad">
        <div class="drawing">
          <canvas
            id="draw-pad"
            part="canvas"
            ${ref(this.pad.canvasRef)}
            width=${PAD_SIZE}
            height=${PAD_SIZE}
            role="img"
            aria-label="Drawing pad: draw a digit with a mouse, pen or finger"
            aria-disabled=${usable ? 'false' : 'true'}
            aria-describedby="pad-hint"
          ></canvas>
          <div>
            <button id="clear-pad" type="button" part="button clear" ?disabled=${!this.pad.hasInk} @click=${() => this.clear()}>Clear drawing</button>
          </div>
          <p id="pad-hint" class="hint" part="hint">${hint}</p>
        </div>
        <div class="results">
          <p id="pad-prediction" part="prediction" role="status" class=${this.problem ? 'error' : nothing}>${this.statusText()}</p>
          ${this.renderBars()} ${this.renderTestRow(usable)}
        </div>
      </div>
    `;
  }

  private statusText(): string {
    if (this.problem) return this.problem;
    const shown = this.shown;
    if (!shown) return this.usable ? 'Draw a digit to see what the model says.' : '';
    return describePrediction(shown.probabilities, shown.source === 'test-image' ? { index: shown.index!, label: shown.label! } : undefined, this.classes);
  }

  private renderBars() {
    const probabilities = this.shown?.probabilities ?? null;
    const best = argmax(probabilities);
    const bars = padBars(probabilities, this.classes);
    return html`
      <ol id="probabilities" part="probabilities" class=${bars.length > this.classes ? 'other' : nothing} aria-label="Class probabilities" data-prediction=${best >= 0 ? String(best) : nothing}>
        ${bars.map(
          ({ label, p, best }) => html`<li class=${best ? 'best' : nothing}>
            <span class="digit">${label}</span>
            <span class="bar" aria-hidden="true"><span style=${styleMap({ width: `${((p ?? 0) * 100).toFixed(1)}%` })}></span></span>
            <span class="value">${p === undefined ? '–' : formatPercent(p)}</span>
          </li>`,
        )}
      </ol>
    `;
  }

  private renderTestRow(usable: boolean) {
    if (!this.testDigit || this.testCount < 1) return nothing;
    const off = !usable || this.loading;
    const message = this.testError?.text ?? `Or type the number of one of the ${this.testCount.toLocaleString('en-US')} test images and press Enter.`;
    return html`
      <form class="test" part="test" novalidate @submit=${this.onSubmit}>
        <label for="test-index">Test image</label>
        <input
          id="test-index"
          type="number"
          inputmode="numeric"
          min="0"
          max=${this.testCount - 1}
          step="1"
          .value=${this.testText}
          aria-invalid=${this.testError?.invalid ? 'true' : 'false'}
          aria-describedby="test-status"
          @input=${(event: Event) => (this.testText = (event.target as HTMLInputElement).value)}
        />
        <button id="load-test" type="submit" part="button load" aria-label="Load test image" ?disabled=${off}>Load</button>
        <button id="random-test" type="button" part="button random" aria-label="Random test image" ?disabled=${off} @click=${this.onRandom}>Random</button>
        <p id="test-status" class="hint ${this.testError ? 'error' : ''}" part="test-status">${message}</p>
      </form>
    `;
  }

  private readonly onSubmit = (event: Event): void => {
    event.preventDefault();
    if (!this.usable || this.loading) return;
    const parsed = parseTestIndex(this.testText, this.testCount);
    if ('error' in parsed) {
      this.testError = { text: parsed.error, invalid: true };
      return;
    }
    void this.loadTest(parsed.index);
  };

  private readonly onRandom = (): void => {
    const index = Math.floor(Math.random() * this.testCount);
    this.testText = String(index);
    void this.loadTest(index);
  };

  /** Empties the pad and forgets its prediction (a host calls it when its model is replaced, say). */
  clear(): void {
    this.sequence++;
    this.pad.clear();
  }

  /** The controller's callback: a drawing's 28x28 image, or null once the pad was cleared. */
  private async classifyDrawing(image: Uint8Array | null): Promise<void> {
    const token = ++this.sequence;
    if (!image || !this.classify) {
      this.shown = null;
      this.problem = null;
      return;
    }
    await this.run(token, image, { source: 'drawing' });
  }

  private async loadTest(index: number): Promise<void> {
    const provider = this.testDigit;
    if (!provider) return;
    const token = ++this.sequence;
    this.testError = null;
    this.loading = true;
    let digit: TestDigit;
    try {
      digit = await provider(index);
      if (digit.pixels.length !== IMAGE_SIDE * IMAGE_SIDE) throw new Error(`test image ${index} has ${digit.pixels.length} pixels, not ${IMAGE_SIDE}×${IMAGE_SIDE}`);
    } catch (error) {
      if (token === this.sequence) this.testError = { text: `Could not load test image ${index}: ${(error as Error).message}. Drawing still works.`, invalid: false };
      return;
    } finally {
      this.loading = false;
    }
    if (token !== this.sequence) return;
    this.pad.paint(digit.pixels, IMAGE_SIDE, IMAGE_SIDE);
    await this.run(token, digit.pixels, { source: 'test-image', index, label: digit.label });
  }

  /** Classifies `pixels` and shows the answer, unless a newer request came in meanwhile. */
  private async run(token: number, pixels: Uint8Array, what: Pick<PadPrediction, 'source' | 'index' | 'label'>): Promise<void> {
    const classify = this.classify;
    if (!classify) return;
    let probabilities: number[] | null;
    try {
      probabilities = await classify(pixels);
    } catch (error) {
      if (token === this.sequence) this.problem = `Could not classify: ${(error as Error).message}`;
      return;
    }
    if (token !== this.sequence) return;
    this.problem = null;
    if (!probabilities) {
      this.shown = null;
      return;
    }
    this.shown = { prediction: argmax(probabilities), probabilities, ...what };
    this.dispatchEvent(new CustomEvent<PadPrediction>('pad-prediction', { detail: this.shown, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-digit-pad': DigitPad;
  }
  interface HTMLElementEventMap {
    'pad-prediction': PadPredictionEvent;
  }
}
