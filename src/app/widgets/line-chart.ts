/**
 * <mlp-line-chart>: one series over x, drawn by uPlot (a small, fast canvas chart library; its stylesheet is
 * injected into this shadow root). Used for the training loss (x = fractional epoch) and the test accuracy
 * (x = epoch). The chart itself is a picture: the parent element gives a text summary for screen readers.
 */
import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';

export type Series = [x: number[], y: number[]];

@customElement('mlp-line-chart')
export class LineChart extends LitElement {
  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host {
        display: block;
        min-height: var(--mlp-chart-height, 220px);
        color: var(--mlp-foreground, inherit);
      }
      .plot {
        width: 100%;
      }
      .u-legend {
        font-size: 0.75rem;
      }
    `,
  ];

  @property({ attribute: false }) data: Series = [[], []];
  /** Series name, shown in the legend. */
  @property() label = '';
  @property({ attribute: 'x-label' }) xLabel = 'epoch';
  @property({ attribute: 'y-label' }) yLabel = '';
  /** Draw points as well as the line (for sparse series such as one value per epoch). */
  @property({ type: Boolean }) points = false;
  /** Digits shown for y in the legend. */
  @property({ type: Number }) digits = 4;

  @query('.plot') private container!: HTMLDivElement;
  private plot: uPlot | null = null;
  private resizer: ResizeObserver | null = null;

  override render() {
    return html`<div class="plot" part="plot" aria-hidden="true"></div>`;
  }

  override firstUpdated(): void {
    this.mount();
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('data') && this.plot) this.plot.setData(this.data);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizer?.disconnect();
    this.resizer = null;
    this.plot?.destroy();
    this.plot = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a move in the DOM: build the plot again (firstUpdated runs only once).
    if (this.hasUpdated && !this.plot) this.mount();
  }

  private mount(): void {
    this.plot = new uPlot(this.options(), this.data, this.container);
    this.resizer = new ResizeObserver(() => this.fit());
    this.resizer.observe(this);
  }

  private fit(): void {
    if (!this.plot) return;
    const width = Math.max(160, Math.floor(this.clientWidth));
    const height = Math.max(120, Math.floor(this.clientHeight) - 40);
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  private options(): uPlot.Options {
    const style = getComputedStyle(this);
    const accent = style.getPropertyValue('--mlp-accent').trim() || '#0b63ce';
    const ink = style.getPropertyValue('--mlp-foreground').trim() || style.color || '#222';
    const grid = { stroke: 'rgba(127,127,127,0.2)', width: 1 };
    const axis = { stroke: ink, grid, ticks: grid };
    const digits = this.digits;
    return {
      width: Math.max(160, this.clientWidth || 320),
      height: Math.max(120, (this.clientHeight || 220) - 40),
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: this.xLabel },
        { ...axis, label: this.yLabel, size: 56 },
      ],
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: this.xLabel, value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
        {
          label: this.label,
          stroke: accent,
          width: 2,
          points: { show: this.points, size: 6, fill: accent },
          value: (_u, v) => (v == null ? '–' : v.toFixed(digits)),
        },
      ],
    };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-line-chart': LineChart;
  }
}
