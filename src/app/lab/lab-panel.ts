/**
 * Shared plumbing for the lab's two panels (side-by-side training and the depth probe): what a panel may ask
 * of its host element, and the controls both of them show (labelled inputs, initializer checkboxes, the
 * message under whatever went wrong). Each panel keeps its own state and renders into the host's shadow
 * root, so every control sits where the host's styles and tests find it.
 *
 * Names: the page holds <mlp-trainer> too, whose fields are "Seed", "Epochs", ... and whose buttons are
 * "Start", "Stop". A control here whose label is used there too, or in the other panel, adds its panel to
 * its name (visually hidden: the eye sees which panel it sits in), so that every accessible name on the
 * page is unique. Hints and errors are descriptions (aria-describedby), never part of a name.
 */
import { html, nothing } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { EngineController } from '../bridge/controller.ts';
import { LABELS, OPTIMIZER_CHOICES, optimizerChoice, type DataShape, type FormError, type LabelledId } from './lab-form.ts';
import { INIT_CHOICES, colorFor } from './lab-format.ts';

export interface PanelHost {
  readonly engine: EngineController;
  /** Ask for a render (batched by Lit). */
  requestUpdate(): void;
  /** Show a problem next to what caused it (null clears it); see InitLab.report. */
  report(error: FormError | null): void;
  /** Why nothing can be sent to the engine right now (dataset still loading or missing, engine down), or null. */
  blocked(): Omit<FormError, 'field'> | null;
  /** The dataset's shape, once the engine has reported it. */
  shape(): DataShape;
  /** The problem shown now, if any. */
  readonly shown: FormError | null;
  /** Tell the page (a bubbling, composed CustomEvent). */
  announce<T>(type: string, detail: T): void;
}

/** Which panel a control belongs to, as its accessible name says it ("Seed (comparison)"): ids tell. */
const panelOf = (id: string): 'comparison' | 'probe' | 'training the stack' => (id.startsWith('probe-') ? 'probe' : id.startsWith('stack-') ? 'training the stack' : 'comparison');

/** The panel's name, for screen readers only: the eye sees which panel a control sits in. */
const qualifier = (id: string) => html`<span class="visually-hidden"> (${panelOf(id)})</span>`;

/** The id of the sentence that describes `id`'s problem (what aria-describedby points at). */
export const errorId = (id: string): string => `${id}-error`;

/** The problem shown now, when it concerns `id`. */
export function errorFor(host: PanelHost, id: string): FormError | null {
  return host.shown?.field === id ? host.shown : null;
}

/**
 * The message under a field or a button: the sentence (what aria-describedby reads) and, when there is
 * more, the details on demand. `alert`: announce it where focus does not go to it (a failed action).
 */
function errorNote(id: string, error: FormError, alert: boolean) {
  return html`<div class="error" part="error" role=${alert ? 'alert' : nothing}>
    <p id=${errorId(id)}>${error.message}</p>
    ${error.detail
      ? html`<details>
          <summary>Details${qualifier(id)}</summary>
          <p class="detail">${error.detail}</p>
        </details>`
      : nothing}
  </div>`;
}

const describedBy = (...ids: (string | false | null | undefined)[]) => ids.filter(Boolean).join(' ') || nothing;

/** One checkbox per initializer, each with its chart colour as a swatch; `value` is the initializer text. */
export function initCheckboxes(id: LabelledId, chosen: ReadonlySet<string>, error: FormError | null, onToggle: (init: string, on: boolean) => void) {
  return html`<fieldset id=${id} part="inits" class="inits" aria-describedby=${describedBy(error && errorId(id))}>
    <legend>${LABELS[id]}</legend>
    ${INIT_CHOICES.map(
      (choice, i) => html`<label class="check">
        <input
          type="checkbox"
          id=${`${id}-${i}`}
          name=${id}
          value=${choice.value}
          aria-invalid=${error ? 'true' : 'false'}
          .checked=${chosen.has(choice.value)}
          @change=${(e: Event) => onToggle(choice.value, (e.target as HTMLInputElement).checked)}
        />
        <span class="swatch" style=${`background:${colorFor(choice.value)}`} aria-hidden="true"></span>
        <span>${choice.label}${qualifier(id)} <code aria-hidden="true">${choice.value}</code></span>
      </label>`,
    )}
    ${error ? errorNote(id, error, false) : nothing}
  </fieldset>`;
}

export interface FieldOptions {
  type?: 'number' | 'text';
  min?: number;
  max?: number;
  step?: string;
  /** A short hint under the input (a description, not part of the name). */
  hint?: string;
  /** Add the panel to the accessible name: the label alone is used elsewhere on the page. */
  qualify?: boolean;
}

/** A labelled input bound to one field of a form's text record, with its hint and its problem under it. */
export function field<K extends string>(id: LabelledId, text: Record<K, string>, key: K, error: FormError | null, onInput: () => void, opts: FieldOptions = {}) {
  const hintId = `${id}-hint`;
  return html`<div class="field" part="field">
    <label for=${id}>${LABELS[id]}${opts.qualify ? qualifier(id) : nothing}</label>
    <input
      id=${id}
      type=${opts.type ?? 'number'}
      min=${ifDefined(opts.min)}
      max=${ifDefined(opts.max)}
      step=${ifDefined(opts.step)}
      spellcheck="false"
      autocomplete="off"
      .value=${text[key]}
      aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${describedBy(opts.hint && hintId, error && errorId(id))}
      @input=${(e: Event) => {
        text[key] = (e.target as HTMLInputElement).value;
        onInput();
      }}
    />
    ${opts.hint ? html`<small id=${hintId} class="hint">${opts.hint}</small>` : nothing}
    ${error ? errorNote(id, error, false) : nothing}
  </div>`;
}

/** The problem with a button's action, right under the panel's buttons (announced: focus stays on the button). */
export function actionError(id: string, error: FormError | null) {
  return error ? errorNote(id, error, true) : nothing;
}

/**
 * The optimizer, as a menu of OPTIMIZER_CHOICES bound to `text.optimizer`. Choosing one also puts its
 * learning rate in `text.lr` (each optimizer wants a rate of its own scale).
 */
export function optimizerSelect(id: LabelledId, text: { optimizer: string; lr: string }, error: FormError | null, onInput: () => void) {
  return html`<div class="field" part="field">
    <label for=${id}>${LABELS[id]}${qualifier(id)}</label>
    <select
      id=${id}
      aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${describedBy(error && errorId(id))}
      @change=${(e: Event) => {
        text.optimizer = (e.target as HTMLSelectElement).value;
        const choice = optimizerChoice(text.optimizer);
        if (choice) text.lr = String(choice.lr);
        onInput();
      }}
    >
      ${OPTIMIZER_CHOICES.map((c) => html`<option value=${c.value} ?selected=${c.value === text.optimizer}>${c.label}</option>`)}
    </select>
    ${error ? errorNote(id, error, false) : nothing}
  </div>`;
}
