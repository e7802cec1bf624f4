/**
 * The settings of a run as the user typed them (a Draft: text, so that nothing typed is lost while it is
 * wrong) and their conversion to a validated Recipe. Field keys are the element's attribute names, which are
 * also the ids of the form's inputs and the keys of the URL hash.
 */
import { ConfigError, RECIPES, validateRecipe, type Recipe, type RecipeName, type OptimizerName } from '../../train/recipe.ts';

export const FIELDS = ['layers', 'init', 'bias-init', 'optimizer', 'lr', 'batch', 'epochs', 'seed', 'train-limit'] as const;
export type Field = (typeof FIELDS)[number];

export interface Draft {
  recipe: RecipeName;
  values: Record<Field, string>;
  evalEachEpoch: boolean;
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

/** A wrong setting: which field, and a message that names it and says what is allowed. */
export class FieldError extends Error {
  constructor(readonly field: Field | null, message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

/** validateRecipe names fields as Recipe keys ('biasInit', 'layers[2]'); map them back to the form's fields. */
const RECIPE_KEY_TO_FIELD: Record<string, Field> = { biasInit: 'bias-init', trainLimit: 'train-limit' };

/** The form field for a name the engine or validateRecipe uses ('lr', 'biasInit', 'layers[2]', 'train-limit'). */
export function toField(name: string): Field | null {
  const key = /^([A-Za-z-]+)/.exec(name)?.[1] ?? '';
  const field = RECIPE_KEY_TO_FIELD[key] ?? key;
  return (FIELDS as readonly string[]).includes(field) ? (field as Field) : null;
}

/** Numbers as typed; empty or non-numeric text becomes NaN, which validateRecipe rejects by name. */
const toNumber = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text.trim()));

/** Rewrites validateRecipe's "lr is NaN; allowed: ..." in the form's words, quoting what was typed. */
function explain(field: Field | null, message: string, values: Record<Field, string>): string {
  if (!field) return message;
  const label = FIELD_LABELS[field];
  const allowed = /; allowed: (.*)$/s.exec(message)?.[1];
  if (allowed) {
    const item = /^layers\[(\d+)\]/.exec(message);
    const what = item ? `width number ${Number(item[1]) + 1} of "${values[field]}"` : `"${values[field]}"`;
    return `${label} (${field}): ${what} is not allowed; use ${allowed}.`;
  }
  const detail = message.replace(/^[A-Za-z]+:\s*/, '');
  return `${label} (${field}): ${detail}`;
}

export interface DatasetShape {
  inputs: number;
  classes: number;
}

/** The draft as a Recipe, or a FieldError naming the first wrong field. */
export function draftToRecipe(draft: Draft, dataset?: DatasetShape | null): Recipe {
  const v = draft.values;
  const recipe: Recipe = {
    ...RECIPES[draft.recipe],
    layers: v.layers.split(/[\s,]+/).filter((s) => s !== '').map(toNumber),
    init: v.init.trim(),
    biasInit: v['bias-init'].trim(),
    optimizer: v.optimizer.trim().toLowerCase() as OptimizerName,
    lr: toNumber(v.lr),
    batch: toNumber(v.batch),
    epochs: toNumber(v.epochs),
    seed: toNumber(v.seed),
    trainLimit: toNumber(v['train-limit']),
  };
  try {
    validateRecipe(recipe);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const field = toField(error.message);
    throw new FieldError(field, explain(field, error.message, v));
  }
  if (dataset) {
    const first = recipe.layers[0];
    const last = recipe.layers[recipe.layers.length - 1];
    if (first !== dataset.inputs || last !== dataset.classes) {
      throw new FieldError(
        'layers',
        `${FIELD_LABELS.layers} (layers): "${v.layers}" does not fit the data; the first width must be ${dataset.inputs} (pixels per image) and the last ${dataset.classes} (classes), e.g. ${dataset.inputs},256,256,${dataset.classes}.`,
      );
    }
  }
  return recipe;
}

/** Parses just the learning rate (for changing it during a run). */
export function parseLearningRate(text: string): number {
  const lr = toNumber(text);
  if (!(Number.isFinite(lr) && lr > 0 && lr <= 1e3)) {
    throw new FieldError('lr', `${FIELD_LABELS.lr} (lr): "${text}" is not allowed; use a number above 0 and at most 1000.`);
  }
  return lr;
}
