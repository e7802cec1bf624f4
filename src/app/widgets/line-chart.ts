/**
 * <mlp-line-chart>: several series over one x axis, drawn by uPlot (a small, fast canvas chart library; its
 * stylesheet is injected into this shadow root), with vertical marks for events (a learning-rate change, a
 * pause, an import). Earlier runs can be drawn faded beside the current one. The legend shows each series'
 * latest value until the pointer hovers a point. The y axis is linear (fitted to the data, or to it within
 * 0..100 for a percentage) or logarithmic at whole decades. A `band` shades a range of y (a healthy range)
 * behind the lines, and the axis always holds it. The chart is a picture: a host gives a text summary beside
 * it, or a `label` that becomes the chart's accessible name.
 *
 * @cssprop --mlp-chart-height - Height of the plot, axes included; the legend adds its own lines below (default 220px).
 * @cssprop --mlp-chart-band - Fill of the band (default rgba(0, 158, 115, 0.14), a translucent green).
 * @csspart plot - The element uPlot draws into.
 */
import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { WHOLE_INCRS, alignSeries, bandPixels, decadeRange, decadeSplits, fitRange, lastValue, spanWithBand, tick, type Band, type Point } from './series.ts';

export type { Band } from './series.ts';

export interface ChartSeries {
  label: string;
  color: string;
  points: ReadonlyArray<Point>;
  /** Drawn thin and translucent: an earlier run kept for comparison. */
  faded?: boolean;
  dash?: number[];
}

export interface ChartMark {
  x: number;
  /** A few words drawn beside the line ("lr 0.01", "paused"). */
  label: string;
  faded?: boolean;
}

/** How the y axis is scaled: to the data, or to the data within 0..100 (a percentage). */
export type YFit = 'data' | 'percent';

const FADED_ALPHA = 0.45;

function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return color;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

@customElement('mlp-line-chart')
export class LineChart extends LitElement {
  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host {
        display: block;
        color: var(--mlp-foreground, inherit);
        min-width: 0;
      }
      .plot {
        width: 100%;
      }
      /* One line per series, so that long labels (an earlier run's differences) wrap on their own line. */
      .u-legend {
        font-size: 0.75rem;
        text-align: left;
        line-height: 1.3;
      }
      .u-legend.u-inline .u-series {
        display: block;
        padding: 0;
      }
      .u-legend.u-inline .u-series > th,
      .u-legend.u-inline .u-series > td,
      .u-legend .u-label {
        display: inline;
        padding: 0 2px;
      }
      .u-legend .u-marker {
        display: inline-block;
        vertical-align: -0.1em;
      }
    `,
  ];

  @property({ attribute: false }) series: ChartSeries[] = [];
  @property({ attribute: false }) marks: ChartMark[] = [];
  @property({ attribute: 'x-label' }) xLabel = 'step';
  @property({ attribute: 'y-label' }) yLabel = '';
  @property({ attribute: 'y-fit' }) yFit: YFit = 'data';
  /** Draw points as well as lines (for sparse series such as one value per evaluation). */
  @property({ type: Boolean }) points = false;
  /** Digits shown for y in the legend. */
  @property({ type: Number }) digits = 4;
  /** Said in the middle of the plot while it has no data ("The loss of every step appears here"). */
  @property() placeholder = '';
  /** A logarithmic y axis at whole decades; the data must then be positive (clamp it for drawing). */
  @property({ type: Boolean, attribute: 'log-y' }) logY = false;
  /** x is a whole number (a step, an epoch, a layer): no tick between two, and room at the ends for points. */
  @property({ type: Boolean, attribute: 'whole-x' }) wholeX = false;
  /**
   * What the chart shows, in words. When set, the chart is an image with this accessible name (for a host
   * that gives no text summary beside it); when empty, the chart is hidden from assistive technology.
   */
  @property() label = '';
  /** A range of y shaded behind the lines, in the axis' units (on a log axis, values such as 1e-4, not logarithms). */
  @property({ attribute: false }) band: Band | null = null;

  @query('.plot') private container!: HTMLDivElement;
  private plot: uPlot | null = null;
  private resizer: ResizeObserver | null = null;
  /** Which series the plot was built for: a new label, colour or style needs a new plot, new points do not. */
  private shape = '';

  override render() {
    return html`<div class="plot" part="plot" aria-hidden="true"></div>`;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('label')) return;
    if (this.label) {
      this.setAttribute('role', 'img');
      this.setAttribute('aria-label', this.label);
    } else {
      this.removeAttribute('role');
      this.removeAttribute('aria-label');
    }
  }

  override firstUpdated(): void {
    this.mount();
  }

  override updated(changed: PropertyValues<this>): void {
    if (!this.plot) return;
    const rebuilds = ['yFit', 'points', 'xLabel', 'yLabel', 'logY', 'wholeX', 'band'] as const;
    if (this.shapeOf() !== this.shape || rebuilds.some((p) => changed.has(p))) {
      this.rebuild();
    } else if (changed.has('series')) {
      this.plot.setData(this.aligned());
    } else if (changed.has('marks') || changed.has('placeholder')) {
      this.plot.redraw(false);
    }
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

  private shapeOf(): string {
    return JSON.stringify(this.series.map((s) => [s.label, s.color, s.faded ?? false, s.dash ?? null]));
  }

  private aligned(): uPlot.AlignedData {
    return alignSeries(this.series.map((s) => s.points)) as uPlot.AlignedData;
  }

  private mount(): void {
    this.rebuild();
    this.resizer = new ResizeObserver(() => this.fit());
    this.resizer.observe(this);
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.shape = this.shapeOf();
    this.plot = new uPlot(this.options(), this.aligned(), this.container);
  }

  private size(): { width: number; height: number } {
    const height = parseFloat(getComputedStyle(this).getPropertyValue('--mlp-chart-height')) || 220;
    return { width: Math.max(160, Math.floor(this.clientWidth || 320)), height };
  }

  private fit(): void {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  private options(): uPlot.Options {
    const style = getComputedStyle(this);
    const ink = style.getPropertyValue('--mlp-foreground').trim() || style.color || '#222';
    const grid = { stroke: 'rgba(127,127,127,0.2)', width: 1 };
    // An empty chart draws its frame without numbers: ticks of a made-up range would only mislead.
    const values = (_u: uPlot, splits: number[]) => splits.map((v) => (this.series.some((s) => s.points.length > 0) ? tick(v) : ''));
    const axis = { stroke: ink, grid, ticks: grid, values };
    const digits = this.digits;
    // No pointer over the plot (idx null): the legend shows each series' latest value instead of a dash.
    const legendValue = (u: uPlot, v: number | null, sidx: number, idx: number | null, format: (n: number) => string): string => {
      const value = idx === null ? lastValue(u.data[sidx]) : v;
      return value === null ? '–' : format(value);
    };
    const yValue = (n: number) => (this.logY ? tick(n) : n.toFixed(digits));
    const xValue = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
    const xRange: uPlot.Range.Function = (_u, min, max) => {
      const pad = this.wholeX && this.points ? 0.5 : min === max ? 1 : 0;
      return [min - pad, max + pad];
    };
    const band = this.band;
    // With a band, the data's extent grows to hold it before the axis is fitted.
    const span = (min: number | null, max: number | null): [number | null, number | null] => (band ? spanWithBand(min, max, band) : [min, max]);
    const y: uPlot.Scale = this.logY
      ? { distr: 3, log: 10, range: (_u, min, max) => decadeRange(...span(min, max)) }
      : this.yFit === 'percent'
        ? { range: (_u, min, max) => fitRange(...span(min, max), 0, 100, 1) }
        : band
          ? { range: (_u, min, max) => uPlot.rangeNum(...spanWithBand(min, max, band), 0.1, true) }
          : {}; // uPlot's own range: rounded outward, from 0 for positive data.
    return {
      ...this.size(),
      scales: { x: { time: false, range: xRange }, y },
      axes: [
        { ...axis, label: this.xLabel, incrs: this.wholeX ? WHOLE_INCRS : undefined },
        {
          ...axis,
          label: this.yLabel,
          size: 56,
          // Every decade gets its label (uPlot's log filter thins by a spacing meant for its own splits).
          splits: this.logY ? (_u, _i, min, max) => decadeSplits(min, max) : undefined,
          filter: this.logY ? (_u, splits) => splits : undefined,
        },
      ],
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: this.xLabel, value: (u, v, s, i) => legendValue(u, v, s, i, xValue) },
        ...this.series.map((s) => ({
          label: s.label,
          stroke: s.faded ? withAlpha(s.color, FADED_ALPHA) : s.color,
          width: s.faded ? 1.25 : 2,
          dash: s.dash,
          spanGaps: true,
          points: { show: this.points, size: s.faded ? 4 : 6, fill: s.faded ? withAlpha(s.color, FADED_ALPHA) : s.color },
          value: (u: uPlot, v: number | null, sidx: number, idx: number | null) => legendValue(u, v, sidx, idx, yValue),
        })),
      ],
      hooks: {
        // The band goes under the lines: drawn once the axes and grid are, before the series.
        drawAxes: [(u) => this.drawBand(u, ink, style)],
        draw: [(u) => this.drawMarks(u, ink), (u) => this.drawPlaceholder(u, ink)],
      },
    };
  }

  /** The band as a shaded strip across the plot, its label in its lower right corner (lines that leave a band from above, as large steps settling do, cross its top edge). */
  private drawBand(u: uPlot, ink: string, style: CSSStyleDeclaration): void {
    if (!this.band) return;
    const { top, height, left, width } = u.bbox;
    const strip = bandPixels(this.band, (value) => u.valToPos(value, 'y', true), top, height);
    if (!strip) return;
    const ctx = u.ctx;
    const ratio = devicePixelRatio || 1;
    ctx.save();
    ctx.fillStyle = style.getPropertyValue('--mlp-chart-band').trim() || 'rgba(0, 158, 115, 0.14)';
    ctx.fillRect(left, strip.y, width, strip.height);
    if (this.band.label) {
      ctx.fillStyle = ink;
      ctx.globalAlpha = 0.75;
      ctx.font = `${Math.round(11 * ratio)}px system-ui, sans-serif`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(this.band.label, left + width - 4 * ratio, strip.y + strip.height - 2 * ratio);
    }
    ctx.restore();
  }

  /** The placeholder sentence, centred, while no series has a point. */
  private drawPlaceholder(u: uPlot, ink: string): void {
    if (!this.placeholder || this.series.some((s) => s.points.length > 0)) return;
    const ctx = u.ctx;
    const { top, height, left, width } = u.bbox;
    const ratio = devicePixelRatio || 1;
    ctx.save();
    ctx.fillStyle = ink;
    ctx.globalAlpha = 0.7;
    ctx.font = `${Math.round(13 * ratio)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(this.placeholder, left + width / 2, top + height / 2, width - 8 * ratio);
    ctx.restore();
  }

  /** A dashed vertical line per mark, its label written at the top, inside the plotting area. */
  private drawMarks(u: uPlot, ink: string): void {
    const ctx = u.ctx;
    const { top, height, left, width } = u.bbox;
    const ratio = devicePixelRatio || 1;
    ctx.save();
    ctx.font = `${Math.round(11 * ratio)}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    let labelRow = 0;
    for (const mark of this.marks) {
      const x = Math.round(u.valToPos(mark.x, 'x', true));
      if (x < left || x > left + width) continue;
      ctx.globalAlpha = mark.faded ? 0.4 : 0.85;
      ctx.strokeStyle = ink;
      ctx.setLineDash([4 * ratio, 3 * ratio]);
      ctx.lineWidth = ratio;
      ctx.beginPath();
      ctx.moveTo(x + 0.5, top);
      ctx.lineTo(x + 0.5, top + height);
      ctx.stroke();
      ctx.fillStyle = ink;
      const text = mark.label;
      const textWidth = ctx.measureText(text).width;
      // Labels that would run off the right edge go to the left of their line; close marks stagger down.
      const tx = x + 4 * ratio + textWidth > left + width ? x - 4 * ratio - textWidth : x + 4 * ratio;
      ctx.fillText(text, tx, top + 2 * ratio + (labelRow % 3) * 13 * ratio);
      labelRow++;
    }
    ctx.restore();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-line-chart': LineChart;
  }
}
