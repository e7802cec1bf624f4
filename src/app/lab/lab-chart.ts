/**
 * `<lab-chart>`: a small uPlot wrapper for the initialization lab's overlaid series (one per initializer),
 * with an optional logarithmic y axis. uPlot draws on canvas, fast enough to redraw every animation frame.
 * The chart is an image to assistive technology (role="img", labelled by `label`); the lab puts the same
 * numbers in tables next to it.
 *
 * @cssprop --lab-chart-height - Height of the plot (default 220px).
 * @csspart plot - The element uPlot draws into.
 */
import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import uPlot from 'uplot';
import uplotStyles from 'uplot/dist/uPlot.min.css?inline';

export interface ChartSeries {
  label: string;
  color: string;
  dash?: number[];
}

/** Tick labels that stay short from 1e-30 to 1e30. */
function tick(value: number | null): string {
  if (value === null) return '';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e4 ? String(Number(value.toPrecision(3))) : value.toExponential(0).replace('+', '');
}

const WHOLE_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

/** Whole decades around [min, max]; data clamped by forLogScale is positive, an empty chart gets 1e-3..1. */
function decadeRange(min: number | null, max: number | null): [number, number] {
  if (!(min! > 0 && max! > 0)) return [1e-3, 1];
  const lo = Math.floor(Math.log10(min!));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max!)));
  return [10 ** lo, 10 ** hi];
}

/**
 * Ticks at whole decades, thinned to about eight. uPlot's own log splits enumerate every decade with its
 * minor steps, which fails outright when a probe spans sixty decades (1e-30 to 1e30).
 */
function decadeSplits(min: number, max: number): number[] {
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  const splits: number[] = [];
  for (let e = lo; e <= hi; e += step) splits.push(10 ** e);
  return splits;
}

@customElement('lab-chart')
export class LabChart extends LitElement {
  static override styles = [
    unsafeCSS(uplotStyles),
    css`
      :host {
        display: block;
        min-width: 0;
      }
      .plot {
        min-height: var(--lab-chart-height, 220px);
      }
      .u-legend {
        font: inherit;
        font-size: 0.85em;
        color: inherit;
      }
    `,
  ];

  /** uPlot's aligned data: [xs, ys of series 0, ...], null for a gap. */
  @property({ attribute: false }) data: uPlot.AlignedData = [[]];
  @property({ attribute: false }) series: ChartSeries[] = [];
  @property({ attribute: 'x-label' }) xLabel = '';
  @property({ attribute: 'y-label' }) yLabel = '';
  /** Logarithmic y axis; the data must then be positive (see forLogScale). */
  @property({ type: Boolean, attribute: 'log-y' }) logY = false;
  /** Draw a marker at every point (for sparse series such as one value per epoch). */
  @property({ type: Boolean }) points = false;
  /** Fixed limits of a linear y axis (e.g. [0, 100] for a percentage); null: fit the data. */
  @property({ attribute: false }) yRange: [number, number] | null = null;
  /** What the chart shows, in words: becomes its accessible name. */
  @property() label = '';

  private plot: uPlot | null = null;
  private readonly resizer = new ResizeObserver(() => this.resize());

  override connectedCallback(): void {
    super.connectedCallback();
    this.setAttribute('role', 'img');
    this.resizer.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  protected override render() {
    return html`<div class="plot" part="plot"></div>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('label')) this.setAttribute('aria-label', this.label);
    const rebuild = !this.plot || changed.has('series') || changed.has('logY') || changed.has('points') || changed.has('yRange') || changed.has('xLabel') || changed.has('yLabel');
    if (rebuild) this.build();
    else if (changed.has('data')) this.plot!.setData(this.data);
  }

  private size(): { width: number; height: number } {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot')!;
    const height = parseFloat(getComputedStyle(this).getPropertyValue('--lab-chart-height')) || 220;
    return { width: Math.max(200, plot.clientWidth || this.clientWidth), height };
  }

  private build(): void {
    this.plot?.destroy();
    const target = this.renderRoot.querySelector<HTMLElement>('.plot')!;
    const ink = getComputedStyle(this).color || '#222';
    const grid = { stroke: 'rgba(128, 128, 128, 0.2)', width: 1 };
    const axis = { stroke: ink, grid, ticks: grid, values: (_: uPlot, splits: (number | null)[]) => splits.map(tick) };
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: {
          // Sparse series get half a step of room at each end, so their first and last markers show whole.
          x: { time: false, range: this.points ? (_u, min, max) => [min - 0.5, max + 0.5] : undefined },
          y: this.logY ? { distr: 3, log: 10, range: (_u, min, max) => decadeRange(min, max) } : this.yRange ? { range: this.yRange } : {},
        },
        axes: [
          // x is always a whole number here (step, epoch, layer): no ticks in between.
          { ...axis, label: this.xLabel, incrs: WHOLE_INCRS },
          { ...axis, label: this.yLabel, size: 60, splits: this.logY ? (_u, _i, min, max) => decadeSplits(min, max) : undefined,
            // Every decade split gets its label (uPlot's log filter thins by spacing meant for its own splits).
            filter: this.logY ? (_u, splits) => splits : undefined },
        ],
        series: [
          { label: this.xLabel || 'x' },
          ...this.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            dash: s.dash,
            width: 2,
            spanGaps: true,
            points: { show: this.points, size: 7, fill: s.color },
            value: (_: uPlot, v: number | null) => (v === null ? '—' : tick(v)),
          })),
        ],
        cursor: { drag: { x: false, y: false } },
      },
      this.data,
      target,
    );
  }

  private resize(): void {
    if (this.plot) this.plot.setSize(this.size());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-chart': LabChart;
  }
}
