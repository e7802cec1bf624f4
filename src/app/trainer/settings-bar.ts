/**
 * The trainer's settings as a compact bar: the preset, the few settings people change (initializer,
 * learning rate, epochs) and the run buttons on one row, the rest behind "More settings". Rendered into
 * <mlp-trainer>'s own shadow root, so the inputs keep stable ids there (#init, #lr, #layers, ...).
 *
 * A refused setting shows its sentence right under its input (described by it, marked invalid), with the
 * details one click away; the element focuses the input and opens "More settings" when it lives there.
 * Inputs are text, not type=number, so whatever is typed stays visible; draftToRecipe decides what is valid.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { INITIALIZER_NAMES } from '../../init/initializers.ts';
import { RECIPES, type LrChange, type RecipeName } from '../../train/recipe.ts';
import type { RunState } from '../../engine/protocol.ts';
import { BAR_FIELDS, FIELD_LABELS, MORE_FIELDS, isRecipeName, type Draft, type Field, type FieldError } from './config.ts';

/** The preset menu's words. */
export const PRESET_LABELS: Record<RecipeName, string> = {
  quick: 'Quick: 200 steps, about 10 s',
  mlp: 'The lesson: 784-256-256-10, 15 epochs',
  deep: 'Deep: 784-512×4-10, 15 epochs',
  'lesson-deep': 'Lesson\'s deep cell: 784-512×3, 15 epochs',
};

export interface SettingsBarView {
  draft: Draft;
  /** The refusal on screen, if it concerns a field. */
  fault: FieldError | null;
  state: RunState;
  /** The engine has a dataset and no run is going: Start and Step may be pressed. */
  canRun: boolean;
  /** Whether "More settings" is open (the element opens it to show a refused field inside). */
  moreOpen: boolean;
  /** The learning-rate field's text during a run (the rate in force, or what is being typed); null: the settings'. */
  liveLr: string | null;
  onField(field: Field, value: string): void;
  /** A value committed (change event: Enter or leaving the field). */
  onCommit(field: Field, value: string): void;
  onPreset(name: RecipeName): void;
  onEvalEachEpoch(value: boolean): void;
  onMoreToggle(open: boolean): void;
  onForgetLrChanges(): void;
  onPauseResume(): void;
  onStop(): void;
  onStep(): void;
}

const HINTS: Partial<Record<Field, string>> = {
  layers: 'Comma-separated, input first, e.g. 784,256,256,10',
  init: 'A name from the list, or a form such as normal:0,0.01',
  lr: 'Can be changed during a run',
  'bias-init': 'As for weights; pytorch-default is U(±1/√fan_in)',
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

const lrChangesText = (changes: LrChange[]): string => changes.map((c) => `${c.lr} from step ${c.step.toLocaleString('en-US')}`).join(', ');

export function renderSettingsBar(v: SettingsBarView): TemplateResult {
  const active = v.state === 'running' || v.state === 'paused';
  const fault = v.fault?.field ? v.fault : null;
  const changes = !active && v.draft.lrChanges.length > 0;
  const describedBy = (field: Field) =>
    [HINTS[field] ? `${field}-hint` : '', field === 'lr' && changes ? 'lr-changes' : '', fault?.field === field ? `${field}-error` : ''].filter(Boolean).join(' ') || nothing;
  const hint = (field: Field) => (HINTS[field] ? html`<small id="${field}-hint" class="hint">${HINTS[field]}</small>` : nothing);
  const error = (field: Field) =>
    fault?.field === field
      ? html`<div id="${field}-error" class="field-error" part="field-error">
          <p>${fault.message}</p>
          ${fault.detail ? html`<details><summary>Details</summary><p>${fault.detail}</p></details>` : nothing}
        </div>`
      : nothing;
  const locked = (field: Field) => active && field !== 'lr';

  const text = (field: Field) => {
    const value = field === 'lr' && active && v.liveLr !== null ? v.liveLr : v.draft.values[field];
    return html`
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
          list=${field === 'init' || field === 'bias-init' ? 'initializer-names' : nothing}
          .value=${value}
          ?disabled=${locked(field)}
          aria-invalid=${fault?.field === field ? 'true' : 'false'}
          aria-describedby=${describedBy(field)}
          @input=${(e: Event) => v.onField(field, (e.target as HTMLInputElement).value)}
          @change=${(e: Event) => v.onCommit(field, (e.target as HTMLInputElement).value)}
        />
        ${field === 'lr' && active ? html`<small id="lr-hint" class="hint">Enter applies it from the next step</small>` : hint(field)}
        ${error(field)}
      </div>
    `;
  };

  const optimizer = html`
    <div class="field" part="field">
      <label for="optimizer">${FIELD_LABELS.optimizer}</label>
      <select
        id="optimizer"
        part="input"
        .value=${v.draft.values.optimizer}
        ?disabled=${active}
        aria-invalid=${fault?.field === 'optimizer' ? 'true' : 'false'}
        aria-describedby=${describedBy('optimizer')}
        @change=${(e: Event) => {
          const value = (e.target as HTMLSelectElement).value;
          v.onField('optimizer', value);
          v.onCommit('optimizer', value);
        }}
      >
        ${optimizerChoices(v.draft.values.optimizer).map((name) => html`<option value=${name} ?selected=${name === v.draft.values.optimizer}>${name}</option>`)}
      </select>
      ${error('optimizer')}
    </div>
  `;
  const field = (f: Field) => (f === 'optimizer' ? optimizer : text(f));

  return html`
    <div class="bar-row">
      <div class="field preset" part="field">
        <label for="recipe">Preset</label>
        <select
          id="recipe"
          part="input"
          .value=${v.draft.recipe}
          ?disabled=${active}
          @change=${(e: Event) => {
            const name = (e.target as HTMLSelectElement).value;
            if (isRecipeName(name)) v.onPreset(name);
          }}
        >
          ${Object.keys(RECIPES).map((name) => html`<option value=${name} ?selected=${name === v.draft.recipe}>${PRESET_LABELS[name as RecipeName]}</option>`)}
        </select>
        ${v.draft.recipe === 'quick' && !active
          ? html`<button id="full-recipe" type="button" class="link" part="button full-recipe" @click=${() => v.onPreset('mlp')}>Use the lesson's full recipe</button>`
          : nothing}
      </div>
      ${BAR_FIELDS.map(field)}
      <div class="toolbar run-buttons" part="toolbar">
        <button id="start" type="submit" class="primary" part="button start" ?disabled=${!v.canRun}>Start</button>
        <button id="pause" type="button" part="button pause" ?disabled=${!active} @click=${() => v.onPauseResume()}>${v.state === 'paused' ? 'Resume' : 'Pause'}</button>
        <button id="stop" type="button" part="button stop" ?disabled=${!active} @click=${() => v.onStop()}>Stop</button>
        <button id="step" type="button" part="button step" ?disabled=${!v.canRun} @click=${() => v.onStep()}>Step</button>
      </div>
    </div>
    ${changes
      ? html`<p id="lr-changes" class="hint lr-changes">
          Learning rate ${v.draft.values.lr}, then ${lrChangesText(v.draft.lrChanges)}: changed during the last run and kept in the link, so Start replays them.
          <button id="forget-lr-changes" type="button" class="link" part="button forget-lr-changes" @click=${() => v.onForgetLrChanges()}>Forget the changes</button>
        </p>`
      : nothing}
    <details class="more" ?open=${v.moreOpen} @toggle=${(e: Event) => v.onMoreToggle((e.target as HTMLDetailsElement).open)}>
      <summary>More settings</summary>
      <fieldset part="settings">
        <legend class="visually-hidden">More settings</legend>
        ${MORE_FIELDS.map(field)}
        <div class="field checkbox" part="field">
          <input
            id="eval-each-epoch"
            type="checkbox"
            .checked=${v.draft.evalEachEpoch}
            ?disabled=${active}
            @change=${(e: Event) => v.onEvalEachEpoch((e.target as HTMLInputElement).checked)}
          />
          <label for="eval-each-epoch">Evaluate on the test set after every epoch</label>
        </div>
      </fieldset>
    </details>
    <datalist id="initializer-names">
      ${INITIALIZER_NAMES.map((name) => html`<option value=${name}></option>`)}
      <option value="normal:0,0.01"></option>
      <option value="constant:0"></option>
    </datalist>
  `;
}
