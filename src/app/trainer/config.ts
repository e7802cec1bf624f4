/**
 * The settings of a run as the user typed them (a Draft: text, so that nothing typed is lost while it is
 * wrong) and their conversion to a validated Recipe. Field keys are the element's attribute names, which are
 * also the ids of the form's inputs and the keys of the URL hash.
 *
 * A refusal is a FieldError: the field at fault, one short sentence that says what is allowed (shown next
 * to the field) and the details (what was typed, the engine's own words) for those who open them. Fields are
 * carried as data from validateRecipe's ConfigError, never read back out of message text.
 */
import { ConfigError, RECIPES, checkLearningRate, checkRecipeFitsData, parseWidths, validateRecipe, type DataShape, type LrChange, type Recipe, type RecipeField, type RecipeName, type OptimizerName } from '../../train/recipe.ts';

export const FIELDS = ['layers', 'init', 'bias-init', 'optimizer', 'lr', 'batch', 'epochs', 'seed', 'train-limit'] as const;
export type Field = (typeof FIELDS)[number];

/** The few settings people change, in the bar; the rest sit behind "More settings". */
export const BAR_FIELDS: readonly Field[] = ['init', 'lr', 'epochs'];
export const MORE_FIELDS: readonly Field[] = ['layers', 'bias-init', 'optimizer', 'batch', 'seed', 'train-limit'];

export interface Draft {
  recipe: RecipeName;
  values: Record<Field, string>;
  evalEachEpoch: boolean;
  /** Learning-rate changes made during the run the draft describes (from the link or recorded live). */
  lrChanges: LrChange[];
}

export const FIELD_LABELS: Record<Field, string> = {
  layers: 'Layer widths',
  init: 'Weight initializer',
  'bias-init': 'Bias initializer',
  optimizer: 'Optimizer',
  lr: 'Learning rate',
  batch: 'Batch size',
  epochs: 'Epochs',
  seed: 'Seed',
  'train-limit': 'Training images',
};

export const isRecipeName = (name: string): name is RecipeName => Object.hasOwn(RECIPES, name);

/** The presets' names as a sentence lists them: "quick, mlp, deep or lesson-deep". */
export const PRESET_NAMES = Object.keys(RECIPES).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** The preset's settings, as text. */
export function presetValues(name: RecipeName): Record<Field, string> {
  const r: Recipe = RECIPES[name];
  return {
    layers: r.layers.join(','),
    init: r.init,
    'bias-init': r.biasInit,
    optimizer: r.optimizer,
    lr: String(r.lr),
    batch: String(r.batch),
    epochs: String(r.epochs),
    seed: String(r.seed),
    'train-limit': String(r.trainLimit),
  };
}

export function presetDraft(name: RecipeName): Draft {
  return { recipe: name, values: presetValues(name), evalEachEpoch: true, lrChanges: [] };
}

/** A wrong setting: which field, a short sentence saying what is allowed, and the details on demand. */
export class FieldError extends Error {
  constructor(
    readonly field: Field | null,
    message: string,
    readonly detail: string = '',
  ) {
    super(message);
    this.name = 'FieldError';
  }
}

const RECIPE_FIELDS: Partial<Record<RecipeField, Field>> = {
  layers: 'layers',
  init: 'init',
  biasInit: 'bias-init',
  optimizer: 'optimizer',
  lr: 'lr',
  lrChanges: 'lr',
  batch: 'batch',
  epochs: 'epochs',
  seed: 'seed',
  trainLimit: 'train-limit',
};

/** The form field a recipe setting is typed in (null for those the form has none for, such as beta1). */
export function toField(name: RecipeField | string | null | undefined): Field | null {
  return name ? (RECIPE_FIELDS[name as RecipeField] ?? null) : null;
}

/** What a field holds, quoted and cut short: a long paste is not echoed back whole. */
export function quote(text: string, max = 40): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return `"${oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine}"`;
}

/** The short sentence for a setting and what it allows: "Learning rate: a number above 0 and at most 10." */
export function allowedSentence(field: Field, allowed: string, index: number | null = null): string {
  const which = field === 'layers' && index !== null ? ` (width ${index + 1})` : '';
  const text = allowed.replace(/\.$/, '');
  return `${FIELD_LABELS[field]}${which}: ${text}.`;
}

/** A ConfigError (from validateRecipe here, or from the engine across the worker) in the form's words. */
export function fieldErrorFrom(fault: { message: string; field?: string | null; allowed?: string | null; index?: number | null }, values: Partial<Record<Field, string>> = {}): FieldError {
  const field = toField(fault.field);
  if (!field) return new FieldError(null, fault.message);
  const value = values[field];
  const typed = value !== undefined ? `You typed ${quote(value)}. ` : '';
  const short = fault.allowed ? allowedSentence(field, fault.allowed, fault.index ?? null) : `${FIELD_LABELS[field]}: ${fault.message}`;
  return new FieldError(field, short, `${typed}${fault.message.replace(/\.?$/, '.')}`);
}

/** Numbers as typed; empty or non-numeric text becomes NaN, which validateRecipe rejects by name. */
const toNumber = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text.trim()));

/** The draft as a Recipe, or a FieldError naming the first wrong field. */
export function draftToRecipe(draft: Draft, dataset?: DataShape | null): Recipe {
  const v = draft.values;
  const refuse = (error: unknown): never => {
    if (error instanceof ConfigError) throw fieldErrorFrom(error, v);
    throw error;
  };
  let layers: number[] = [];
  try {
    layers = parseWidths(v.layers);
  } catch (error) {
    refuse(error);
  }
  const recipe: Recipe = {
    ...RECIPES[draft.recipe],
    layers,
    init: v.init.trim(),
    biasInit: v['bias-init'].trim(),
    optimizer: v.optimizer.trim().toLowerCase() as OptimizerName,
    lr: toNumber(v.lr),
    batch: toNumber(v.batch),
    epochs: toNumber(v.epochs),
    seed: toNumber(v.seed),
    trainLimit: toNumber(v['train-limit']),
    ...(draft.lrChanges.length > 0 ? { lrChanges: draft.lrChanges } : {}),
  };
  try {
    validateRecipe(recipe);
    // The widths and the batch must fit the loaded data: said here, by field, before the engine is asked.
    if (dataset) checkRecipeFitsData(recipe, dataset);
  } catch (error) {
    refuse(error);
  }
  return recipe;
}

/** Parses just the learning rate (for changing it during a run). */
export function parseLearningRate(text: string): number {
  try {
    return checkLearningRate(toNumber(text));
  } catch (error) {
    if (error instanceof ConfigError) throw fieldErrorFrom(error, { lr: text });
    throw error;
  }
}
