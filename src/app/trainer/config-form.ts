/**
 * The settings form's fields, rendered into <mlp-trainer>'s own shadow root (so the inputs keep stable ids
 * there: #layers, #init, #lr, ...). Inputs are text, not type=number, so whatever is typed stays visible and
 * can be quoted in the error message; draftToRecipe decides what is valid.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { INITIALIZER_NAMES } from '../../init/initializers.ts';
import { RECIPES } from '../../train/recipe.ts';
import { FIELD_LABELS, isRecipeName, type Draft, type Field } from './config.ts';

export interface ConfigFormOptions {
  draft: Draft;
  /** The field at fault, marked aria-invalid and described by the #error region. */
  invalid: Field | null;
  /** A run is active: only the learning rate stays editable. */
  running: boolean;
  onField(field: Field, value: string): void;
  onRecipe(name: keyof typeof RECIPES): void;
  onEvalEachEpoch(value: boolean): void;
  /** A field's value was committed (change event: Enter or leaving the field); during a run, only lr. */
  onCommit(field: Field, value: string): void;
}

const HINTS: Partial<Record<Field, string>> = {
  layers: 'Comma-separated widths, input first, e.g. 784,256,256,10',
  init: 'A name from the list or a form such as normal:0,0.01 or he-normal:fan_out',
  'bias-init': 'As for weights; pytorch-default is U(±1/√fan_in)',
  lr: 'Can be changed during a run',
  'train-limit': '0 uses all 60,000 training images',
};

const INPUT_MODES: Partial<Record<Field, 'decimal' | 'numeric'>> = {
  lr: 'decimal',
  batch: 'numeric',
  epochs: 'numeric',
  seed: 'numeric',
  'train-limit': 'numeric',
};

/** adam and sgd, plus an unknown value given by attribute or link, so the select shows what the error names. */
const optimizerChoices = (current: string): string[] => (['adam', 'sgd'].includes(current) ? ['adam', 'sgd'] : ['adam', 'sgd', current]);

export function renderConfigForm(o: ConfigFormOptions): TemplateResult {
  const invalid = (field: Field) => (o.invalid === field ? 'true' : 'false');
  const describedBy = (field: Field) => [HINTS[field] ? `${field}-hint` : '', o.invalid === field ? 'error' : ''].filter(Boolean).join(' ') || nothing;
  const hint = (field: Field) => (HINTS[field] ? html`<small id="${field}-hint" class="hint">${HINTS[field]}</small>` : nothing);
  const onInput = (field: Field) => (e: Event) => o.onField(field, (e.target as HTMLInputElement).value);

  const text = (field: Field, extra: { list?: string } = {}) => html`
    <div class="field" part="field">
      <label for=${field}>${FIELD_LABELS[field]}</label>
      <input
        id=${field}
        name=${field}
        part="input"
        type="text"
        autocomplete="off"
        spellcheck="false"
        inputmode=${INPUT_MODES[field] ?? nothing}
        list=${extra.list ?? nothing}
        .value=${o.draft.values[field]}
        ?disabled=${o.running && field !== 'lr'}
        aria-invalid=${invalid(field)}
        aria-describedby=${describedBy(field)}
        @input=${onInput(field)}
        @change=${(e: Event) => o.onCommit(field, (e.target as HTMLInputElement).value)}
      />
      ${hint(field)}
    </div>
  `;

  return html`
    <fieldset part="settings">
      <legend>Settings</legend>
      <div class="field" part="field">
        <label for="recipe">Preset</label>
        <select
          id="recipe"
          part="input"
          .value=${o.draft.recipe}
          ?disabled=${o.running}
          @change=${(e: Event) => {
            const name = (e.target as HTMLSelectElement).value;
            if (isRecipeName(name)) o.onRecipe(name);
          }}
        >
          ${Object.keys(RECIPES).map((name) => html`<option value=${name} ?selected=${name === o.draft.recipe}>${name}</option>`)}
        </select>
      </div>
      ${text('layers')} ${text('init', { list: 'initializer-names' })} ${text('bias-init', { list: 'initializer-names' })}
      <div class="field" part="field">
        <label for="optimizer">${FIELD_LABELS.optimizer}</label>
        <select
          id="optimizer"
          part="input"
          .value=${o.draft.values.optimizer}
          ?disabled=${o.running}
          aria-invalid=${invalid('optimizer')}
          @change=${(e: Event) => {
            onInput('optimizer')(e);
            o.onCommit('optimizer', (e.target as HTMLSelectElement).value);
          }}
        >
          ${optimizerChoices(o.draft.values.optimizer).map((name) => html`<option value=${name} ?selected=${name === o.draft.values.optimizer}>${name}</option>`)}
        </select>
      </div>
      ${text('lr')} ${text('batch')} ${text('epochs')} ${text('seed')} ${text('train-limit')}
      <div class="field checkbox" part="field">
        <input
          id="eval-each-epoch"
          type="checkbox"
          .checked=${o.draft.evalEachEpoch}
          ?disabled=${o.running}
          @change=${(e: Event) => o.onEvalEachEpoch((e.target as HTMLInputElement).checked)}
        />
        <label for="eval-each-epoch">Evaluate on the test set after every epoch</label>
      </div>
      <datalist id="initializer-names">
        ${INITIALIZER_NAMES.map((name) => html`<option value=${name}></option>`)}
        <option value="normal:0,0.01"></option>
        <option value="constant:0"></option>
      </datalist>
    </fieldset>
  `;
}
