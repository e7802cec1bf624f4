/**
 * The settings behind <mlp-trainer>'s form, as a ReactiveController: the draft (text as typed) built from the
 * preset and the element's explicit attributes, optionally read from and written back to location.hash so
 * that a link reproduces a run. A bad hash or preset name becomes a notice, never a broken element.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DataShape, LrChange, Recipe } from '../../train/recipe.ts';
import { FIELDS, FieldError, PRESET_NAMES, draftToRecipe, isRecipeName, presetDraft, quote, type Draft, type Field } from './config.ts';
import { draftToHash, hashToDraft } from './hash-state.ts';

/** What the settings are made from: the element's attributes and the loaded dataset. */
export interface SettingsSource {
  /** The preset's name as given (may be wrong: the notice says so). */
  preset(): string;
  evalEachEpoch(): boolean;
  syncHash(): boolean;
  /** Each field's explicit value (attribute or property), undefined when not given. */
  explicit(): Record<Field, string | number | undefined>;
  /** The attribute's text as written (to quote a number attribute that did not parse). */
  getAttribute(name: string): string | null;
  dataset(): DataShape | null;
}

export class SettingsController implements ReactiveController {
  draft: Draft = presetDraft('quick');
  /** A message about settings that could not be used (the link, the preset name); null when none. */
  notice: string | null = null;

  constructor(private readonly host: ReactiveControllerHost, private readonly source: SettingsSource) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('hashchange', this.onHashChange);
  }

  hostDisconnected(): void {
    window.removeEventListener('hashchange', this.onHashChange);
  }

  /** Rebuilds the draft from the attributes; the first time, from the link too when sync-hash is on. */
  reset(first: boolean): void {
    this.draft = this.fromAttributes();
    if (first && this.source.syncHash()) this.applyHash(location.hash);
  }

  /** The draft as a Recipe; throws a FieldError naming the first wrong field. */
  recipe(): Recipe {
    return draftToRecipe(this.draft, this.source.dataset());
  }

  /** What is wrong with the draft (the first field at fault), or null when it is a valid run. */
  problem(): FieldError | null {
    try {
      this.recipe();
      return null;
    } catch (error) {
      if (error instanceof FieldError) return error;
      throw error;
    }
  }

  /** Replaces the draft; returns what is wrong with it (null when it is a valid run, which goes to the link). */
  set(draft: Draft): FieldError | null {
    this.draft = draft;
    this.host.requestUpdate();
    const problem = this.problem();
    if (!problem) this.writeHash();
    return problem;
  }

  /** A field as typed. A new starting learning rate replaces the changes recorded for the last run. */
  setField(field: Field, value: string): FieldError | null {
    const lrChanges = field === 'lr' ? [] : this.draft.lrChanges;
    return this.set({ ...this.draft, values: { ...this.draft.values, [field]: value }, lrChanges });
  }

  /** A learning-rate change the engine made during the run: recorded, so that the link replays the run. */
  recordLrChange(change: LrChange): void {
    const earlier = this.draft.lrChanges.filter((c) => c.step < change.step);
    this.set({ ...this.draft, lrChanges: [...earlier, change] });
  }

  /** The run's own settings (a run started from elsewhere, or weights imported): the draft follows them. */
  forgetLrChanges(): void {
    if (this.draft.lrChanges.length > 0) this.set({ ...this.draft, lrChanges: [] });
  }

  writeHash(): void {
    if (!this.source.syncHash()) return;
    const hash = draftToHash(this.draft);
    if (location.hash === hash) return;
    history.replaceState(history.state, '', hash);
    this.notice = null;
  }

  private fromAttributes(): Draft {
    const recipe = this.source.preset();
    const name = isRecipeName(recipe) ? recipe : 'quick';
    this.notice = name === recipe ? null : `recipe ${quote(recipe, 24)} is not a preset (use ${PRESET_NAMES}); starting from quick.`;
    const explicit = this.source.explicit();
    const { values } = presetDraft(name);
    for (const field of FIELDS) {
      const value = explicit[field];
      if (value === undefined || value === null) continue;
      // A number attribute that did not parse: keep the text as written, so the message can quote it.
      const written = typeof value === 'number' && Number.isNaN(value) ? this.source.getAttribute(field) : null;
      values[field] = written ?? String(value);
    }
    return { recipe: name, values, evalEachEpoch: this.source.evalEachEpoch(), lrChanges: [] };
  }

  private applyHash(hash: string): void {
    const reading = hashToDraft(hash, this.fromAttributes());
    if (!reading) return;
    this.draft = reading.draft;
    this.notice = reading.problems.length === 0 ? null : `Some settings in this page's address could not be used, so their defaults apply: ${reading.problems.join('; ')}.`;
  }

  private readonly onHashChange = (): void => {
    if (!this.source.syncHash() || location.hash === draftToHash(this.draft)) return;
    this.applyHash(location.hash);
    this.host.requestUpdate();
  };
}
