/**
 * <bench-page>'s styles, after the library's theme (src/app/widgets/theme.ts), whose --mlp-* custom
 * properties theme this page too. Tables scroll sideways inside their box on a phone; the rest wraps.
 */
import { css } from 'lit';
import { controlStyles, themeStyles } from '../src/app/widgets/theme.ts';

export const benchStyles = [
  themeStyles,
  controlStyles,
  css`
    :host {
      font-variant-numeric: tabular-nums;
    }
    section,
    form {
      margin: 0 0 1.25rem;
    }
    h2 {
      font-size: 1.1rem;
      margin: 0 0 0.4rem;
    }
    h3 {
      font-size: 1rem;
      margin: 1.1rem 0 0.3rem;
    }
    p {
      margin: 0.3rem 0;
      max-width: 80ch;
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 0.15rem 1rem;
      margin: 0;
    }
    dt {
      color: var(--_muted);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    form {
      padding: 0.7rem 0.85rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
    }
    fieldset {
      border: 0;
      padding: 0;
      margin: 0 0 0.6rem;
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem 1.1rem;
    }
    legend {
      padding: 0;
      margin-bottom: 0.2rem;
      font-weight: 600;
    }
    .fields {
      display: flex;
      flex-wrap: wrap;
      gap: 0.6rem 1.1rem;
      margin-bottom: 0.75rem;
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 0.15rem;
      font-weight: 600;
    }
    .field select,
    .field input {
      font-weight: 400;
    }
    .pair {
      display: flex;
      gap: 0.35rem;
    }
    .check {
      display: inline-flex;
      gap: 0.35rem;
      align-items: center;
    }
    /* Number fields and selects: controlStyles (src/app/widgets/theme.ts). */
    input[type='checkbox'] {
      accent-color: var(--_accent);
    }
    #count {
      width: 6rem;
    }
    #train-limit {
      width: 9rem;
    }
    :disabled {
      opacity: 0.55;
      cursor: not-allowed;
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 0.9rem;
      align-items: center;
    }
    .hint,
    .note {
      color: var(--_muted);
      font-size: 0.9em;
    }
    /* Buttons and .alert: controlStyles (src/app/widgets/theme.ts). */
    .notice {
      margin-top: 0.6rem;
      padding: 0.5rem 0.75rem;
      border-radius: var(--_radius);
      border: 1px solid var(--_border);
      background: color-mix(in srgb, var(--_accent) 8%, var(--_bg));
    }
    .notice ul {
      margin: 0.2rem 0 0;
    }
    #progress ul {
      list-style: none;
      padding: 0;
      margin: 0;
      display: grid;
      gap: 0.3rem;
    }
    #progress li {
      display: grid;
      grid-template-columns: 13rem 1fr;
      gap: 0 0.9rem;
      align-items: center;
    }
    @media (max-width: 30rem) {
      #progress li {
        grid-template-columns: 1fr;
      }
      #progress progress {
        grid-column: 1;
      }
    }
    #progress .engine {
      font-weight: 600;
    }
    #progress progress {
      grid-column: 2;
      width: 100%;
      max-width: 30rem;
      height: 0.7rem;
      accent-color: var(--_accent);
    }
    #progress .failed {
      color: var(--_danger);
    }
    .scroll {
      overflow-x: auto;
      margin: 0.5rem 0;
    }
    table {
      border-collapse: collapse;
      font-size: 0.9em;
    }
    th,
    td {
      padding: 0.25rem 0.6rem;
      border-bottom: 1px solid var(--_border);
      text-align: end;
      white-space: nowrap;
    }
    thead th {
      text-align: end;
      font-weight: 600;
      border-bottom-width: 2px;
    }
    thead th:first-child,
    tbody th {
      text-align: start;
    }
    tbody th {
      font-weight: 600;
    }
    #matmul-table tbody th {
      white-space: normal;
      min-width: 12rem;
      font-weight: 400;
    }
    details {
      margin-top: 0.6rem;
    }
    summary {
      cursor: pointer;
    }
    pre {
      max-height: 24rem;
      overflow: auto;
      padding: 0.5rem 0.7rem;
      background: var(--_surface);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      font-size: 0.8em;
    }
    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  `,
];
