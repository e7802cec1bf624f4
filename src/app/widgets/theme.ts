/**
 * The theme every element of the library shares, first in each element's styles: each --mlp-* custom
 * property a page may set, read once into a private --_* variable with its default; the host's colour, font
 * and size; border-box sizing; one focus ring. An element adds only what is its own.
 */
import { css } from 'lit';

export const themeStyles = css`
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
    font-family: var(--mlp-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    font-size: 15px;
    line-height: 1.45;
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
`;

/** Buttons (outlined; `.primary` filled), text and number fields, selects and the error box, for the elements and pages that have them. */
export const controlStyles = css`
  input[type='text'],
  input[type='number'],
  select {
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.66);
    padding: 0.3rem 0.45rem;
    min-width: 0;
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
  }
`;
