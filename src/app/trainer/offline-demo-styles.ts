/**
 * <mlp-offline-demo>'s styles: the recorded run and the pad side by side where there is room (a laptop),
 * one above the other where there is not (a phone). Same custom properties and defaults as <mlp-trainer>.
 */
import { css } from 'lit';

// After themeStyles (widgets/theme.ts), which defines the --_* variables used here.

export const offlineDemoStyles = css`
  :host {
    --_chart-height: var(--mlp-chart-height, 190px);
    container-type: inline-size;
  }
  .layout {
    display: grid;
    gap: var(--_gap);
  }
  .notice {
    padding: 0.6rem 0.8rem;
    border-radius: var(--_radius);
    border: 1px solid color-mix(in srgb, var(--_accent) 35%, transparent);
    background: color-mix(in srgb, var(--_accent) 7%, var(--_bg));
  }
  .notice p {
    margin: 0;
  }
  .notice p + p {
    margin-top: 0.3rem;
    color: var(--_muted);
    font-size: 0.9rem;
  }
  .columns {
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
    gap: var(--_gap);
    align-items: start;
  }
  @container (max-width: 52rem) {
    .columns {
      grid-template-columns: minmax(0, 1fr);
    }
  }
  /* A phone: a pad large enough for a finger, the bars below it. */
  @container (max-width: 30rem) {
    mlp-digit-pad {
      --mlp-pad-size: min(100%, 260px);
    }
  }
  .card {
    margin: 0;
    padding: 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    min-width: 0;
  }
  h3 {
    font-weight: 600;
    margin: 0 0 0.5rem;
    font-size: 0.95rem;
  }
  .headline {
    margin: 0 0 0.5rem;
  }
  .big {
    font-size: 1.5rem;
    font-weight: 650;
    font-variant-numeric: tabular-nums;
    color: var(--_accent);
  }
  .charts {
    --mlp-chart-height: var(--_chart-height);
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
    gap: 0.5rem var(--_gap);
  }
  figure {
    margin: 0;
    min-width: 0;
  }
  figcaption {
    font-size: 0.85rem;
  }
  .hint {
    color: var(--_muted);
    font-size: 0.8rem;
    margin: 0.5rem 0 0;
  }
  .error {
    color: var(--_danger);
  }
  pre {
    margin: 0.25rem 0 0;
    padding: 0.4rem 0.5rem;
    border-radius: calc(var(--_radius) * 0.66);
    background: color-mix(in srgb, var(--_fg) 6%, var(--_bg));
    font-size: 0.75rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
