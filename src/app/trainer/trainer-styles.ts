/**
 * <mlp-trainer>'s styles. Theme through the custom properties on :host (each falls back to a default) and
 * the parts named in the element's documentation.
 */
import { css } from 'lit';

// After themeStyles (widgets/theme.ts), which defines the --_* variables used here.

export const trainerStyles = css`
  :host {
    --_chart-height: var(--mlp-chart-height, 250px);
    background: var(--_bg);
    container-type: inline-size;
  }
  .layout {
    display: grid;
    gap: calc(var(--_gap) * 0.75);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .bar {
    padding: 0.6rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .bar-row {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-start;
    gap: 0.5rem 0.9rem;
  }
  .bar-row > .field {
    flex: 0 1 auto;
    /* As wide as the input: a hint or a message under it wraps instead of pushing the buttons to a new row. */
    width: min-content;
  }
  .bar-row > .preset {
    flex: 1 1 15rem;
    max-width: 20rem;
    width: auto;
  }
  .bar-row #init {
    width: 12rem;
  }
  .bar-row #lr {
    width: 8rem;
  }
  .bar-row #epochs {
    width: 5rem;
  }
  .run-buttons {
    margin-left: auto;
    align-self: flex-start;
    padding-top: 1.35rem;
  }
  details.more {
    margin-top: 0.35rem;
  }
  .lr-changes {
    margin: 0.35rem 0 0;
  }
  details.more > summary {
    cursor: pointer;
    font-size: 0.85rem;
    color: var(--_accent);
    width: fit-content;
  }
  details.more > fieldset {
    margin-top: 0.5rem;
  }
  button.link {
    border: none;
    background: none;
    padding: 0;
    color: var(--_accent);
    text-decoration: underline;
    font-size: 0.8rem;
    text-align: start;
    width: fit-content;
  }
  .field-error {
    color: var(--_danger);
    font-size: 0.8rem;
    max-width: 22rem;
  }
  .field-error p {
    margin: 0.1rem 0 0;
  }
  .field-error details summary {
    cursor: pointer;
    color: var(--_fg);
    font-size: 0.75rem;
  }
  .field-error details p {
    color: var(--_fg);
  }
  .status {
    position: sticky;
    top: var(--mlp-sticky-top, 0);
    z-index: 2;
    background: var(--_bg);
    padding: 0.35rem 0 0.4rem;
    display: grid;
    gap: 0.3rem;
  }
  .status.running {
    box-shadow: 0 6px 6px -6px color-mix(in srgb, var(--_fg) 35%, transparent);
  }
  .status-line {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 0 1rem;
  }
  .status-line p {
    margin: 0;
  }
  .pad-card {
    --mlp-pad-size: 160px;
  }
  .stage {
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(20rem, 24rem);
    gap: var(--_gap);
    align-items: start;
  }
  .card {
    margin: 0;
    padding: 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    min-width: 0;
  }
  figcaption,
  legend,
  h2 {
    font-weight: 600;
    margin: 0 0 0.5rem;
    font-size: 0.95rem;
  }
  fieldset {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    margin: 0;
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
    gap: 0.6rem 1rem;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.2rem;
  }
  .field.checkbox {
    flex-direction: row;
    align-items: center;
    grid-column: 1 / -1;
  }
  label {
    font-size: 0.85rem;
  }
  .hint {
    color: var(--_muted);
    font-size: 0.75rem;
  }
  /* Text fields and selects: controlStyles (widgets/theme.ts). */
  [aria-invalid='true'] {
    border-color: var(--_danger);
    box-shadow: 0 0 0 1px var(--_danger);
  }
  :disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  /* Buttons and .alert: controlStyles (widgets/theme.ts). */
  .alert {
    white-space: pre-wrap;
  }
  #device-lost {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: center;
    white-space: normal;
  }
  #device-lost p {
    margin: 0;
    flex: 1 1 20rem;
  }
  .notice {
    padding: 0.6rem 0.8rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: color-mix(in srgb, var(--_accent) 8%, var(--_bg));
  }
  .status progress {
    width: 100%;
    height: 0.7rem;
    accent-color: var(--_accent);
  }
  .status p,
  .summary {
    margin: 0.25rem 0 0;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  .charts {
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
    gap: var(--_gap);
  }
  .charts mlp-line-chart {
    --mlp-chart-height: var(--_chart-height);
  }
  .charts figcaption {
    display: flex;
    justify-content: space-between;
    gap: 0.5rem;
    align-items: baseline;
  }
  .bottom {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
    gap: var(--_gap);
  }
  .ok {
    padding: 0.5rem 0.7rem;
    border-radius: var(--_radius);
    border: 1px solid color-mix(in srgb, var(--_accent) 50%, transparent);
    background: color-mix(in srgb, var(--_accent) 6%, var(--_bg));
  }
  .ok p {
    margin: 0 0 0.4rem;
  }
  .evaluation {
    display: grid;
    grid-template-columns: minmax(12rem, 1fr) minmax(0, 2fr);
    gap: var(--_gap);
  }
  @container (max-width: 56rem) {
    .stage {
      grid-template-columns: 1fr;
    }
  }
  @container (max-width: 40rem) {
    .evaluation,
    .charts {
      grid-template-columns: 1fr;
    }
    .run-buttons {
      margin-left: 0;
      padding-top: 0;
    }
    .bar-row > .field,
    .bar-row > .preset {
      flex: 1 1 8rem;
    }
    .bar-row #init,
    .bar-row #lr,
    .bar-row #epochs {
      width: 100%;
    }
  }
  .wide {
    grid-column: 1 / -1;
  }
  #misclassified {
    --mlp-digit-size: 56px;
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(60px, 1fr));
    gap: 0.5rem;
  }
  #misclassified li {
    display: flex;
    flex-direction: column;
    align-items: center;
    font-size: 0.8rem;
    font-variant-numeric: tabular-nums;
  }
`;
