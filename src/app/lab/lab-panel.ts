/**
 * Shared plumbing for the lab's two panels (side-by-side training and the depth probe): what a panel may ask
 * of its host element, and the initializer checkboxes both of them show. Each panel keeps its own state and
 * renders into the host's shadow root, so every control sits where the host's styles and tests find it.
 */
import { html } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { EngineController } from '../bridge/controller.ts';
import type { DataShape, FormError } from './lab-form.ts';
import { INIT_CHOICES, colorFor } from './lab-format.ts';

export interface PanelHost {
  readonly engine: EngineController;
  /** Ask for a render (batched by Lit). */
  requestUpdate(): void;
  /** Show a problem in the element's alert, marking `field` invalid; null clears it. */
  report(error: FormError | null, focus?: boolean): void;
  /** Why nothing can be sent to the engine right now (no WebGPU, dataset still loading), or null. */
  blocked(): string | null;
  /** The dataset's shape, once the engine has reported it. */
  shape(): DataShape;
  /** The id of the input currently marked invalid, if any. */
  readonly invalidField: string | null;
  /** Tell the page (a bubbling, composed CustomEvent). */
  announce<T>(type: string, detail: T): void;
}

/** One checkbox per initializer, each with its chart colour as a swatch; `value` is the initializer text. */
export function initCheckboxes(id: string, legend: string, chosen: ReadonlySet<string>, invalid: boolean, onToggle: (init: string, on: boolean) => void) {
  return html`<fieldset id=${id} part="inits" aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${invalid ? 'error' : ''}>
    <legend>${legend}</legend>
    ${INIT_CHOICES.map(
      (choice, i) => html`<label class="check">
        <input
          type="checkbox"
          id=${`${id}-${i}`}
          name=${id}
          value=${choice.value}
          .checked=${chosen.has(choice.value)}
          @change=${(e: Event) => onToggle(choice.value, (e.target as HTMLInputElement).checked)}
        />
        <span class="swatch" style=${`background:${colorFor(choice.value)}`} aria-hidden="true"></span>
        ${choice.label} <code>${choice.value}</code>
      </label>`,
    )}
  </fieldset>`;
}

/** A labelled text input bound to one field of a form's text record. */
export function field<K extends string>(
  id: string,
  label: string,
  text: Record<K, string>,
  key: K,
  invalid: boolean,
  onInput: () => void,
  opts: { type?: 'number' | 'text'; min?: number; max?: number; step?: string; hint?: string } = {},
) {
  return html`<label class="field" for=${id}>
    <span>${label}${opts.hint ? html` <small>${opts.hint}</small>` : ''}</span>
    <input
      id=${id}
      type=${opts.type ?? 'number'}
      min=${ifDefined(opts.min)}
      max=${ifDefined(opts.max)}
      step=${ifDefined(opts.step)}
      spellcheck="false"
      autocomplete="off"
      .value=${text[key]}
      aria-invalid=${invalid ? 'true' : 'false'}
      aria-describedby=${invalid ? 'error' : ''}
      @input=${(e: Event) => {
        text[key] = (e.target as HTMLInputElement).value;
        onInput();
      }}
    />
  </label>`;
}
