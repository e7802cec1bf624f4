/**
 * <mlp-histogram>: one small histogram, drawn as SVG bars (heights on a square-root scale, see
 * histogram-bars.ts) with its range written underneath, the minimum at the left and the maximum at the right,
 * and a dashed line at zero when zero lies inside (a line, not a label: on a narrow histogram a "0" runs into
 * the numbers at the ends). Made to be repeated as small multiples. The chart is an image
 * whose accessible name is `label` with the range and the number of values.
 *
 * @cssprop --mlp-histogram-height - Height of the bars' box (default 44px).
 * @cssprop --mlp-histogram-color - Colour of the bars (default the accent colour).
 * @csspart bars - The SVG the bars are drawn in.
 * @csspart range - The line under it with the minimum and the maximum.
 */
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { drawable, histogramBars, zeroFraction, type Bins } from './histogram-bars.ts';
import { tick } from './series.ts';

/** The SVG's own coordinates; it is stretched to the element's width and --mlp-histogram-height. */
const BOX = { width: 320, height: 100 };

@customElement('mlp-histogram')
export class HistogramView extends LitElement {
  static override styles = css`
    :host {
      display: block;
      min-width: 0;
      font-size: 0.7rem;
      font-variant-numeric: tabular-nums;
    }
    svg {
      display: block;
      width: 100%;
      height: var(--mlp-histogram-height, 44px);
      border-bottom: 1px solid color-mix(in srgb, currentColor 45%, transparent);
    }
    rect {
      fill: var(--mlp-histogram-color, var(--mlp-accent, #0b63ce));
    }
    line {
      stroke: currentColor;
      stroke-width: 1;
      stroke-dasharray: 3 2;
      opacity: 0.6;
    }
    .range {
      display: flex;
      justify-content: space-between;
      gap: 0.5rem;
      line-height: 1.3;
      opacity: 0.85;
    }
    .none {
      height: var(--mlp-histogram-height, 44px);
      display: flex;
      align-items: center;
      margin: 0;
      font-style: italic;
    }
  `;

  @property({ attribute: false }) bins: Bins | null = null;
  /** What the values are ("layer 2 activations"): the start of the accessible name. */
  @property() label = '';

  override willUpdate(): void {
    this.setAttribute('role', 'img');
    this.setAttribute('aria-label', this.describe());
  }

  override render() {
    const bins = this.bins;
    if (!bins) return html`<p class="none" aria-hidden="true">No values yet.</p>`;
    if (!drawable(bins)) return html`<p class="none" aria-hidden="true">Not finite (NaN or infinity).</p>`;
    const zero = zeroFraction(bins.min, bins.max);
    // A gap of a tenth of a bin between bars, so that neighbours read as separate bins.
    const gap = BOX.width / bins.counts.length / 10;
    return html`
      <svg part="bars" viewBox="0 0 ${BOX.width} ${BOX.height}" preserveAspectRatio="none" aria-hidden="true">
        ${histogramBars(bins, BOX.width, BOX.height).map((b) => svg`<rect x=${b.x + gap / 2} y=${b.y} width=${b.width - gap} height=${b.height}></rect>`)}
        ${zero === null ? nothing : svg`<line x1=${zero * BOX.width} x2=${zero * BOX.width} y1="0" y2=${BOX.height} vector-effect="non-scaling-stroke"></line>`}
      </svg>
      <div class="range" part="range" aria-hidden="true">
        <span class="min">${bins.min === bins.max ? `all ${tick(bins.min)}` : tick(bins.min)}</span>
        <span class="max">${bins.min === bins.max ? '' : tick(bins.max)}</span>
      </div>
    `;
  }

  private describe(): string {
    const bins = this.bins;
    if (!bins) return `${this.label}: no values yet`;
    if (!drawable(bins)) return `${this.label}: not finite`;
    const total = bins.counts.reduce((sum, c) => sum + c, 0);
    return `${this.label}: histogram of ${total} values from ${tick(bins.min)} to ${tick(bins.max)}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-histogram': HistogramView;
  }
}
