/**
 * <mlp-digit-pad>'s styles. The canvas is --mlp-pad-size wide (a host sizes the pad to its layout); the
 * bars sit beside it while there is room for both and wrap below it when there is not (a phone).
 */
import { css } from 'lit';

// After themeStyles (widgets/theme.ts), which defines the --_* variables used here.

export const digitPadStyles = css`
  :host {
    --_size: var(--mlp-pad-size, 192px);
  }
  .pad {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem var(--_gap);
    align-items: flex-start;
  }
  .drawing {
    flex: 0 1 var(--_size);
    min-width: 0;
    display: grid;
    gap: 0.4rem;
  }
  .results {
    flex: 1 1 9.5rem;
    min-width: min(100%, 9.5rem);
    display: grid;
    gap: 0.5rem;
  }
  #draw-pad {
    display: block;
    width: 100%;
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
  .hint {
    margin: 0;
    color: var(--_muted);
    font-size: 0.75rem;
  }
  .error {
    color: var(--_danger);
  }
  #pad-prediction {
    margin: 0;
    font-size: 0.9rem;
    min-height: 1.45em;
  }
  #probabilities {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.15rem;
    font-variant-numeric: tabular-nums;
    font-size: 0.85rem;
  }
  #probabilities li {
    display: grid;
    grid-template-columns: 1.2em 1fr 4.2em;
    gap: 0.4rem;
    align-items: center;
  }
  /* With an "other" bar (a model with more outputs than classes), every label column fits the word. */
  #probabilities.other li {
    grid-template-columns: 2.8em 1fr 4.2em;
  }
  .bar {
    height: 0.75rem;
    background: color-mix(in srgb, var(--_fg) 8%, transparent);
    border-radius: 3px;
    overflow: hidden;
  }
  .bar span {
    display: block;
    height: 100%;
    background: var(--_muted);
  }
  li.best .bar span {
    background: var(--_accent);
  }
  li.best {
    font-weight: 600;
  }
  .value {
    text-align: end;
  }
  .test {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    align-items: center;
  }
  .test label {
    flex-basis: 100%;
    font-size: 0.85rem;
  }
  .test .hint {
    flex-basis: 100%;
  }
  input {
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.66);
    padding: 0.25rem 0.4rem;
    width: 5.5em;
  }
  [aria-invalid='true'] {
    border-color: var(--_danger);
    box-shadow: 0 0 0 1px var(--_danger);
  }
  button {
    font: inherit;
    font-size: 0.85rem;
    padding: 0.3rem 0.75rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_accent);
    background: var(--_bg);
    color: var(--_accent);
    cursor: pointer;
  }
  :disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
`;
