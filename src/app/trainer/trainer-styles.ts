/**
 * <mlp-trainer>'s styles. Theme through the custom properties on :host (each falls back to a default) and
 * the parts named in the element's documentation.
 */
import { css } from 'lit';

export const trainerStyles = css`
  :host {
    --_accent: var(--mlp-accent, #0b63ce);
    --_bg: var(--mlp-background, #ffffff);
    --_fg: var(--mlp-foreground, #1d1d1f);
    --_muted: var(--mlp-muted, #6b7280);
    --_surface: var(--mlp-surface, color-mix(in srgb, var(--_fg) 4%, var(--_bg)));
    --_border: var(--mlp-border, color-mix(in srgb, var(--_fg) 18%, transparent));
    --_danger: var(--mlp-danger, #dc2626);
    --_radius: var(--mlp-radius, 6px);
    --_gap: var(--mlp-gap, 1rem);
    display: block;
    color: var(--_fg);
    background: var(--_bg);
    font-family: var(--mlp-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    font-size: 15px;
    line-height: 1.45;
    container-type: inline-size;
  }
  :host([hidden]) {
    display: none;
  }
  * {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  .layout {
    display: grid;
    gap: var(--_gap);
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
  h3 {
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
  input[type='text'],
  select {
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.66);
    padding: 0.3rem 0.45rem;
    min-width: 0;
  }
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
  button {
    font: inherit;
    padding: 0.4rem 0.9rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_accent);
    background: var(--_bg);
    color: var(--_accent);
    cursor: pointer;
  }
  button.primary {
    background: var(--_accent);
    color: #fff;
  }
  .alert {
    padding: 0.6rem 0.8rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_danger);
    background: color-mix(in srgb, var(--_danger) 8%, var(--_bg));
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
  .progress progress {
    width: 100%;
    height: 0.9rem;
    accent-color: var(--_accent);
  }
  .progress p,
  .summary {
    margin: 0.25rem 0 0;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  .charts,
  .bottom {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
    gap: var(--_gap);
  }
  .evaluation {
    display: grid;
    grid-template-columns: minmax(12rem, 1fr) minmax(0, 2fr);
    gap: var(--_gap);
  }
  @container (max-width: 40rem) {
    .evaluation {
      grid-template-columns: 1fr;
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
  .pad {
    display: grid;
    grid-template-columns: minmax(0, 280px) minmax(10rem, 1fr);
    gap: var(--_gap);
    align-items: start;
  }
  #draw-pad {
    width: 100%;
    max-width: 280px;
    aspect-ratio: 1;
    border-radius: var(--_radius);
    background: #000;
    touch-action: none;
    cursor: crosshair;
  }
  #draw-pad[aria-disabled='true'] {
    opacity: 0.45;
    cursor: not-allowed;
  }
  #probabilities {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.2rem;
    font-variant-numeric: tabular-nums;
    font-size: 0.85rem;
  }
  #probabilities li {
    display: grid;
    grid-template-columns: 1.2em 1fr 4em;
    gap: 0.4rem;
    align-items: center;
  }
  #probabilities .bar {
    height: 0.8rem;
    background: color-mix(in srgb, var(--_fg) 8%, transparent);
    border-radius: 3px;
    overflow: hidden;
  }
  #probabilities .bar span {
    display: block;
    height: 100%;
    background: var(--_muted);
  }
  #probabilities li.best .bar span {
    background: var(--_accent);
  }
  #probabilities li.best {
    font-weight: 600;
  }
  .value {
    text-align: end;
  }
  @container (max-width: 36rem) {
    .pad {
      grid-template-columns: 1fr;
    }
  }
`;
