/**
 * <mlp-digit-view>: draws a grayscale u8 image (an MNIST digit: 28x28, white on black) on a canvas at one
 * canvas pixel per image pixel, scaled up by CSS without smoothing.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';

@customElement('mlp-digit-view')
export class DigitView extends LitElement {
  static override styles = css`
    :host {
      display: inline-block;
      width: var(--mlp-digit-size, 84px);
      aspect-ratio: 1;
      line-height: 0;
    }
    canvas {
      width: 100%;
      height: 100%;
      image-rendering: pixelated;
      border-radius: calc(var(--mlp-radius, 6px) / 2);
      background: #000;
    }
  `;

  /** Row-major u8 pixels, rows*cols long (0 black, 255 white). */
  @property({ attribute: false }) pixels: Uint8Array | null = null;
  @property({ type: Number }) rows = 28;
  @property({ type: Number }) cols = 28;
  /** What the image shows, for screen readers. */
  @property() label = 'digit';

  @query('canvas') private canvas!: HTMLCanvasElement;

  override render() {
    return html`<canvas part="canvas" width=${this.cols} height=${this.rows} role="img" aria-label=${this.label}></canvas>`;
  }

  override updated(): void {
    const context = this.canvas.getContext('2d');
    if (!context) return;
    const { rows, cols, pixels } = this;
    const image = context.createImageData(cols, rows);
    if (pixels && pixels.length === rows * cols) {
      for (let i = 0; i < pixels.length; i++) {
        const v = pixels[i];
        image.data[4 * i] = v;
        image.data[4 * i + 1] = v;
        image.data[4 * i + 2] = v;
        image.data[4 * i + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-digit-view': DigitView;
  }
}
