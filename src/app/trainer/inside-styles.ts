/**
 * Styles of <mlp-trainer>'s "Inside the network" panel (inside-view.ts), after themeStyles and trainerStyles
 * (the card, headings, hints). On a phone everything is one column and the histograms wrap.
 */
import { css } from 'lit';

export const insideStyles = css`
  .inside {
    display: grid;
    gap: 0.6rem;
  }
  .inside > h2,
  .inside > h3,
  .inside > p {
    margin: 0;
  }
  .inside h3 {
    font-size: 0.9rem;
    font-weight: 600;
  }
  .inside-intro {
    max-width: 60rem;
    font-size: 0.85rem;
  }
  .readings {
    margin: 0;
    padding: 0;
    list-style: none;
    display: grid;
    gap: 0.3rem;
    font-size: 0.85rem;
  }
  .readings li {
    padding: 0.3rem 0.6rem;
    border-left: 4px solid var(--_muted);
    border-radius: 2px;
    background: var(--_bg);
  }
  .readings li.good {
    border-left-color: #009e73;
  }
  .readings li.warn {
    border-left-color: #e69f00;
  }
  .readings li.bad {
    border-left-color: var(--_danger);
  }
  .inside-charts {
    display: grid;
    grid-template-columns: repeat(2, minmax(0, 1fr));
    gap: var(--_gap);
  }
  .inside-chart {
    margin: 0;
    min-width: 0;
  }
  .inside-chart figcaption {
    font-size: 0.85rem;
    margin-bottom: 0.25rem;
  }
  /* Four charts share the panel, each lower than the loss chart. A number, not a calc(): the chart reads the property's text. */
  .inside-chart mlp-line-chart {
    --mlp-chart-height: 170px;
  }
  /* A layer's two histograms side by side, as many layers a row as fit (on a phone, one). */
  .histograms {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 19rem), 1fr));
    gap: 0.75rem calc(var(--_gap) * 1.5);
  }
  .pair {
    display: grid;
    grid-template-columns: repeat(2, minmax(0, 1fr));
    gap: 0.75rem;
  }
  .layer-histograms {
    margin: 0;
    min-width: 0;
  }
  .layer-histograms figcaption {
    font-size: 0.85rem;
    margin: 0 0 0.2rem;
  }
  .layer-histograms .kind {
    font-size: 0.75rem;
    color: var(--_muted);
  }
  /* The trainer's own container (its :host): a phone, or a narrow column of a page, gets one chart a row. */
  @container (max-width: 40rem) {
    .inside-charts {
      grid-template-columns: 1fr;
    }
  }
`;
