/**
 * `<init-lab>`'s stylesheet. Themed through the same custom properties as `<mlp-trainer>` (--mlp-accent,
 * --mlp-background, --mlp-foreground, --mlp-font, --mlp-radius), so one page theme covers both.
 */
import { css } from 'lit';

export const initLabStyles = css`
  :host {
    --_accent: var(--mlp-accent, #0b63ce);
    --_bg: var(--mlp-background, #fff);
    --_fg: var(--mlp-foreground, #1d1d1f);
    --_radius: var(--mlp-radius, 6px);
    --_line: color-mix(in srgb, var(--_fg) 18%, transparent);
    --_error: #b3261e;
    display: block;
    background: var(--_bg);
    color: var(--_fg);
    font-family: var(--mlp-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    line-height: 1.4;
    padding: 1rem;
    border-radius: var(--_radius);
  }
  :host([hidden]) {
    display: none;
  }
  h3 {
    font-size: 1.1rem;
    margin: 0 0 0.25rem;
    color: var(--_accent);
  }
  section {
    border: 1px solid var(--_line);
    border-radius: var(--_radius);
    padding: 1rem;
    margin-top: 1rem;
  }
  .lede {
    margin: 0 0 0.75rem;
    max-width: 70ch;
  }
  .controls {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
    align-items: flex-start;
  }
  fieldset {
    border: 1px solid var(--_line);
    border-radius: var(--_radius);
    margin: 0;
    padding: 0.5rem 0.75rem 0.75rem;
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: flex-start;
  }
  /* A refused checkbox group is marked by its fieldset's border, not on every box. */
  input:not([type='checkbox'])[aria-invalid='true'] {
    border-color: var(--_error);
    outline: 2px solid var(--_error);
    outline-offset: 1px;
  }
  fieldset:has(input[type='checkbox'][aria-invalid='true']) {
    border-color: var(--_error);
    border-width: 2px;
  }
  /* In the accessible name, not on screen: which panel a control belongs to. */
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  legend {
    font-weight: 600;
    padding: 0 0.25rem;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.15rem;
    font-size: 0.9rem;
  }
  .field label {
    font-weight: 500;
  }
  .hint {
    font-size: 0.8rem;
    opacity: 0.75;
  }
  .field select {
    font: inherit;
    padding: 0.25rem 0.4rem;
    border: 1px solid var(--_line);
    border-radius: calc(var(--_radius) / 2);
    background: var(--_bg);
    color: var(--_fg);
  }
  .field input {
    font: inherit;
    width: 7rem;
    padding: 0.25rem 0.4rem;
    border: 1px solid var(--_line);
    border-radius: calc(var(--_radius) / 2);
    background: var(--_bg);
    color: var(--_fg);
  }
  #lab-layers {
    width: 11rem;
  }
  .check {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
    font-size: 0.9rem;
    cursor: pointer;
  }
  .inits {
    flex: 1 1 20rem;
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 15rem), 1fr));
    gap: 0.35rem 1rem;
  }
  .check code {
    white-space: nowrap;
    font-size: 0.75rem;
    opacity: 0.65;
  }
  .swatch {
    display: inline-block;
    width: 0.8em;
    height: 0.8em;
    border-radius: 2px;
    margin-right: 0.3em;
    vertical-align: -0.05em;
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.75rem;
    flex-basis: 100%;
  }
  button {
    font: inherit;
    padding: 0.4rem 1rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_accent);
    background: var(--_accent);
    color: #fff;
    cursor: pointer;
  }
  button:disabled {
    opacity: 0.45;
    cursor: default;
  }
  button:focus-visible,
  select:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  #engine-status {
    margin: 0;
    font-size: 0.9rem;
    opacity: 0.8;
  }
  /* Without WebGPU nothing is wrong with what the person did: a calm note, not an alarm. */
  .unsupported {
    margin: 0.5rem 0 0;
    padding: 0.5rem 0.7rem;
    border: 1px solid color-mix(in srgb, var(--_accent) 35%, transparent);
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--_accent) 7%, var(--_bg));
    max-width: 70ch;
  }
  /* A problem, under the field or the buttons it concerns (or where the panels are, for the panels attribute):
     the sentence, then the details on demand. */
  .error {
    margin: 0.5rem 0 0;
    padding: 0.4rem 0.6rem;
    border-left: 4px solid var(--_error);
    border-radius: calc(var(--_radius) / 2);
    background: color-mix(in srgb, var(--_error) 8%, var(--_bg));
    font-size: 0.9rem;
    max-width: 60ch;
  }
  .field .error {
    margin-top: 0.15rem;
    max-width: 22rem;
  }
  .inits .error {
    grid-column: 1 / -1;
  }
  .error p {
    margin: 0;
    color: var(--_error);
    font-weight: 500;
  }
  .error details {
    margin-top: 0.25rem;
  }
  .error summary {
    cursor: pointer;
  }
  .error .detail {
    color: inherit;
    font-weight: normal;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .summary {
    margin: 0.75rem 0 0.25rem;
  }
  .summary-list {
    margin: 0.25rem 0;
    padding-left: 1.25rem;
    font-size: 0.9rem;
  }
  .summary-list li {
    margin: 0.2rem 0;
  }
  /* The one sentence to remember from a result. */
  .takeaway {
    margin: 0.5rem 0;
    padding: 0.5rem 0.75rem;
    border-left: 4px solid var(--_accent);
    background: color-mix(in srgb, var(--_accent) 7%, transparent);
    font-weight: 500;
  }
  .charts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr));
    gap: 1rem;
    margin-top: 0.5rem;
  }
  figure {
    margin: 0;
    min-width: 0;
  }
  figcaption {
    font-weight: 600;
    font-size: 0.9rem;
    margin-bottom: 0.25rem;
  }
  /* A size container, so that a caption can be as wide as the scroller rather than the table. */
  .table-wrap {
    margin-top: 0.75rem;
    container-type: inline-size;
  }
  table {
    border-collapse: collapse;
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  /* The caption stays in view, whole, while a wide table scrolls under it. */
  caption {
    text-align: left;
    font-weight: 600;
    padding-bottom: 0.25rem;
    position: sticky;
    left: 0;
    max-width: 100cqi;
  }
  th,
  td {
    border-bottom: 1px solid var(--_line);
    padding: 0.2rem 0.6rem;
    text-align: right;
    white-space: nowrap;
  }
  th[scope='row'],
  th[scope='colgroup'],
  th:first-child,
  td.empty {
    text-align: left;
  }
  /* A phone: the page already pads the element; panels keep a little room of their own. */
  @media (max-width: 480px) {
    :host {
      padding: 0;
    }
    section {
      padding: 0.75rem;
    }
    fieldset {
      padding: 0.4rem 0.5rem 0.6rem;
    }
  }
`;
