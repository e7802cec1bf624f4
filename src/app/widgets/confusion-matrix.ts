/**
 * <mlp-confusion-matrix>: a C x C confusion matrix as a table (rows: true label, columns: prediction) with
 * heat colouring. The diagonal (correct) is shaded by the share of its row; off-diagonal cells (mistakes) by
 * their count against the largest mistake, in a second colour, so that a few errors still show. A model with
 * more outputs than classes (the lesson's deep cell: 512 for 10) gets one more column, "other": the images
 * predicted as an output that is no class.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';

@customElement('mlp-confusion-matrix')
export class ConfusionMatrix extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font: inherit;
      font-variant-numeric: tabular-nums;
    }
    table {
      border-collapse: collapse;
      font-size: 0.75rem;
    }
    caption {
      text-align: start;
      margin-bottom: 0.25rem;
      font-size: 0.8rem;
      opacity: 0.8;
    }
    th,
    td {
      min-width: 2.4em;
      padding: 0.2em 0.3em;
      text-align: end;
      border: 1px solid color-mix(in srgb, currentColor 12%, transparent);
    }
    th {
      font-weight: 600;
      text-align: center;
    }
    td.hot {
      color: #fff;
    }
  `;

  /** Row-major counts, classes*classes long. */
  @property({ attribute: false }) counts: number[] = [];
  @property({ type: Number }) classes = 10;
  /** Per true label, predictions of an output past the classes; empty (no column) for a model without such outputs. */
  @property({ attribute: false }) other: number[] = [];

  override render() {
    const c = this.classes;
    if (this.counts.length !== c * c) return html`<p part="empty">No evaluation yet.</p>`;
    const other = this.other.length === c ? this.other : null;
    const maxMistake = Math.max(1, ...this.counts.filter((_, i) => i % c !== Math.floor(i / c)), ...(other ?? []));
    const rows = Array.from({ length: c }, (_, r) => this.counts.slice(r * c, r * c + c));
    return html`
      <table part="table">
        <caption>
          Confusion matrix: rows are the true label, columns the prediction
        </caption>
        <thead>
          <tr>
            <th scope="col" aria-label="true label, then predicted">true \\ pred</th>
            ${rows.map((_, p) => html`<th scope="col">${p}</th>`)}
            ${other ? html`<th scope="col" id="other-outputs" title="an output past the ${c} classes: always wrong">other</th>` : nothing}
          </tr>
        </thead>
        <tbody>
          ${rows.map((row, r) => {
            const total = Math.max(1, row.reduce((a, b) => a + b, 0) + (other?.[r] ?? 0));
            return html`<tr>
              <th scope="row">${r}</th>
              ${row.map((count, p) => this.cell(count, r === p ? count / total : count / maxMistake, r === p))}
              ${other ? this.cell(other[r], other[r] / maxMistake, false) : nothing}
            </tr>`;
          })}
        </tbody>
      </table>
    `;
  }

  private cell(count: number, heat: number, correct: boolean) {
    const colour = correct ? 'var(--mlp-accent, #0b63ce)' : 'var(--mlp-danger, #dc2626)';
    const percent = Math.round(Math.min(1, heat) * 85);
    // styleMap sets the property through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
    const style = styleMap({ background: count > 0 ? `color-mix(in srgb, ${colour} ${percent}%, transparent)` : undefined });
    return html`<td class=${percent > 45 ? 'hot' : nothing} style=${style}>${count}</td>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-confusion-matrix': ConfusionMatrix;
  }
}
