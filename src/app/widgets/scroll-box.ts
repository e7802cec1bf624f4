/**
 * `<mlp-scroll>`: a sideways scroller for a table wider than its panel (a phone, a probe of seven schemes, a confusion matrix),
 * with cues that there is more: a shadow on each edge that hides columns and a one-line hint above. Both
 * show only while the content overflows, and only then is the scroller a named, focusable region, so a
 * keyboard can scroll it (arrow keys) and a screen reader hears what it holds and that it scrolls.
 *
 * @attr overflowing - Reflected: the content is wider than the scroller (the cues are showing).
 * @cssprop --mlp-scroll-shadow - Colour of the edge shadows (default rgb(0 0 0 / 0.22)).
 * @csspart hint - The "scroll sideways" line.
 * @csspart scroller - The scrolling box.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';

@customElement('mlp-scroll')
export class ScrollBox extends LitElement {
  static override styles = css`
    :host {
      display: block;
      min-width: 0;
    }
    .hint {
      margin: 0 0 0.25rem;
      font-size: 0.8rem;
      opacity: 0.75;
    }
    .frame {
      position: relative;
    }
    .frame::before,
    .frame::after {
      content: '';
      position: absolute;
      top: 0;
      bottom: 0;
      width: 1.25rem;
      pointer-events: none;
      opacity: 0;
      transition: opacity 0.15s;
    }
    .frame::before {
      left: 0;
      background: linear-gradient(to right, var(--mlp-scroll-shadow, rgb(0 0 0 / 0.22)), transparent);
    }
    .frame::after {
      right: 0;
      background: linear-gradient(to left, var(--mlp-scroll-shadow, rgb(0 0 0 / 0.22)), transparent);
    }
    .frame.more-before::before,
    .frame.more-after::after {
      opacity: 1;
    }
    .scroller {
      overflow-x: auto;
    }
    .scroller:focus-visible {
      outline: 2px solid var(--mlp-accent, #0b63ce);
      outline-offset: 2px;
    }
  `;

  /** What the scroller holds (the table's caption): its accessible name while it scrolls. */
  @property() label = '';
  @property({ type: Boolean, reflect: true }) overflowing = false;

  @state() private moreBefore = false;
  @state() private moreAfter = false;

  private readonly resizer = new ResizeObserver(() => this.measure());

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizer.disconnect();
  }

  protected override render() {
    const frame = `frame${this.moreBefore ? ' more-before' : ''}${this.moreAfter ? ' more-after' : ''}`;
    return html`<p id="hint" class="hint" part="hint" ?hidden=${!this.overflowing}>Scroll sideways to see every column.</p>
      <div class=${frame}>
        <div
          class="scroller"
          part="scroller"
          role=${this.overflowing ? 'region' : nothing}
          tabindex=${this.overflowing ? '0' : nothing}
          aria-label=${this.overflowing ? this.label : nothing}
          aria-describedby=${this.overflowing ? 'hint' : nothing}
          @scroll=${() => this.measure()}
        >
          <slot @slotchange=${() => this.watch()}></slot>
        </div>
      </div>`;
  }

  protected override firstUpdated(): void {
    this.watch();
  }

  /** The scroller changes width with the page, the content with every new row or column: both are watched. */
  private watch(): void {
    this.resizer.disconnect();
    const scroller = this.renderRoot.querySelector('.scroller')!;
    this.resizer.observe(scroller);
    for (const child of this.renderRoot.querySelector('slot')!.assignedElements()) this.resizer.observe(child);
  }

  private measure(): void {
    const s = this.renderRoot.querySelector<HTMLElement>('.scroller');
    if (!s) return;
    const hidden = s.scrollWidth - s.clientWidth;
    this.overflowing = hidden > 1;
    this.moreBefore = s.scrollLeft > 1;
    this.moreAfter = s.scrollLeft < hidden - 1;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mlp-scroll': ScrollBox;
  }
}
