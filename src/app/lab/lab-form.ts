/**
 * Turns what a person typed into the lab's forms into commands for the engine, or into a FormError: the
 * control at fault and one short sentence saying what it accepts. Nothing reaches the worker unless this
 * says yes. The engine's own refusals become FormErrors here too, by the field they carry as data.
 * Pure (no DOM): unit-tested in tests/lab-form.test.ts.
 */
import { ConfigError, RECIPES, checkLearningRate, checkRecipeFitsData, MAX_BATCH, MAX_SEED, parseWidths, validateRecipe, type DataShape, type Recipe, type RecipeField } from '../../train/recipe.ts';

/** Something to fix: `field` is the id of the input, checkbox group or button it concerns. */
export interface FormError {
  field: string;
  /** One short sentence: what is allowed, or what to do. */
  message: string;
  /** Longer words for those who open them (the engine's own message). */
  detail?: string;
}

export type Parsed<T> = { ok: true; value: T } | ({ ok: false } & FormError);

export type { DataShape };

/** MNIST's shape, until the engine reports its own dataset's. */
export const MNIST_SHAPE: DataShape = { inputs: 784, classes: 10, train: 60000 };

export const PROBE_DEPTH = { min: 10, max: 30 };
/** Far beyond what the lesson needs, and small enough that 30 such layers fit a browser's GPU memory. */
export const PROBE_MAX_WIDTH = 2048;
/** The probe measures one real batch, as the lesson does. */
export const PROBE_BATCH = 100;
/** A lab run is a demonstration: a few epochs show the difference; more than this is a job for the trainer. */
export const LAB_MAX_EPOCHS = 1000;

/** Visible label of every input and checkbox group, by id: the forms and the error sentences use the same words. */
export const LABELS = {
  'lab-layers': 'Layer widths',
  'lab-epochs': 'Epochs',
  'lab-train-limit': 'Training images',
  'lab-lr': 'Learning rate',
  'lab-batch': 'Batch size',
  'lab-seed': 'Seed',
  'lab-inits': 'Initializers to compare',
  'probe-depth': 'Depth (hidden layers)',
  'probe-width': 'Width (units per layer)',
  'probe-seed': 'Seed',
  'probe-inits': 'Initializers to probe',
} as const;

export type LabelledId = keyof typeof LABELS;

/** Recipe settings (as ConfigError and the engine name them) mapped to the comparison form's ids. */
export const LAB_FIELD_IDS: Partial<Record<RecipeField, LabelledId>> = {
  layers: 'lab-layers',
  epochs: 'lab-epochs',
  trainLimit: 'lab-train-limit',
  lr: 'lab-lr',
  batch: 'lab-batch',
  seed: 'lab-seed',
  init: 'lab-inits',
};

/** The same for the probe, whose stack is built from its depth and width. */
export const PROBE_FIELD_IDS: Partial<Record<RecipeField, LabelledId>> = {
  layers: 'probe-width',
  seed: 'probe-seed',
  init: 'probe-inits',
};

export interface LabFormText {
  layers: string;
  epochs: string;
  trainLimit: string;
  lr: string;
  batch: string;
  seed: string;
}

export interface ProbeFormText {
  depth: string;
  width: string;
  seed: string;
}

export interface ProbeRequest {
  layers: number[];
  inits: string[];
  batch: number;
  seed: number;
}

export function defaultLabText(): LabFormText {
  const r = RECIPES.mlp;
  return { layers: r.layers.join(','), epochs: '3', trainLimit: '6000', lr: String(r.lr), batch: String(r.batch), seed: String(r.seed) };
}

class Rejected extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** "Epochs: a whole number from 1 to 1000.": the label, then what is allowed (the form shows what was typed). */
function sentence(id: LabelledId, allowed: string, index: number | null = null): string {
  const which = index === null ? '' : ` (width ${index + 1})`;
  return `${LABELS[id]}${which}: ${allowed.replace(/\.$/, '')}.`;
}

/** A whole number in [min, max], or a Rejected naming the field and that range. */
function integer(text: string, id: LabelledId, min: number, max: number, note = ''): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isInteger(value) || value < min || value > max) throw new Rejected(id, sentence(id, `a whole number from ${min} to ${max}${note}`));
  return value;
}

function inits(chosen: readonly string[], id: LabelledId): string[] {
  if (chosen.length === 0) throw new Rejected(id, `${LABELS[id]}: choose at least one.`);
  return [...chosen];
}

/** Runs a shared recipe rule; its ConfigError becomes a Rejected for the field it names (as data). */
function byRecipeRule<T>(rule: () => T): T {
  try {
    return rule();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const id = error.field ? LAB_FIELD_IDS[error.field] : undefined;
    // A setting the lab fixes itself (optimizer, betas) cannot be fixed by typing: said next to Start.
    if (!id) throw new Rejected('lab-start', `The lab's recipe was refused: ${error.message}.`);
    throw new Rejected(id, error.allowed ? sentence(id, error.allowed, error.index) : `${LABELS[id]}: ${error.message}.`);
  }
}

function attempt<T>(build: () => T): Parsed<T> {
  try {
    return { ok: true, value: build() };
  } catch (error) {
    if (error instanceof Rejected) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

/** The probe's stack: `depth` hidden ReLU layers of `width`, between the dataset's inputs and classes. */
export function parseProbeForm(text: ProbeFormText, chosen: readonly string[], shape: DataShape = MNIST_SHAPE): Parsed<ProbeRequest> {
  return attempt(() => {
    const depth = integer(text.depth, 'probe-depth', PROBE_DEPTH.min, PROBE_DEPTH.max);
    const width = integer(text.width, 'probe-width', 1, PROBE_MAX_WIDTH);
    const seed = integer(text.seed, 'probe-seed', 0, MAX_SEED);
    const layers = [shape.inputs, ...new Array<number>(depth).fill(width), shape.classes];
    return { layers, inits: inits(chosen, 'probe-inits'), batch: PROBE_BATCH, seed };
  });
}

/** The recipe every chosen initializer trains with (`init` is the first; the worker swaps in each). */
export function parseLabForm(text: LabFormText, chosen: readonly string[], shape: DataShape = MNIST_SHAPE): Parsed<{ recipe: Recipe; inits: string[] }> {
  return attempt(() => {
    const layers = byRecipeRule(() => parseWidths(text.layers));
    const epochs = integer(text.epochs, 'lab-epochs', 1, LAB_MAX_EPOCHS);
    const trainLimit = integer(text.trainLimit, 'lab-train-limit', 0, shape.train, ' (0 means all)');
    const lrText = text.lr.trim();
    const lr = byRecipeRule(() => checkLearningRate(lrText === '' ? NaN : Number(lrText)));
    const batch = integer(text.batch, 'lab-batch', 1, MAX_BATCH);
    const seed = integer(text.seed, 'lab-seed', 0, MAX_SEED);
    const chosenInits = inits(chosen, 'lab-inits');
    const recipe: Recipe = { ...RECIPES.mlp, layers, epochs, trainLimit, lr, batch, seed, init: chosenInits[0] };
    byRecipeRule(() => {
      validateRecipe(recipe);
      checkRecipeFitsData(recipe, shape);
    });
    return { recipe, inits: chosenInits };
  });
}

/** An engine failure as it reaches the page: its words, and the setting at fault when it names one. */
export interface EngineFault {
  message: string;
  field?: string | null;
  allowed?: string | null;
  index?: number | null;
}

/**
 * Where and how the lab shows an engine failure: under the input the engine named (`ids` maps its field),
 * else next to the button whose action failed (`action`: its id and a sentence saying what to do). The
 * engine's own words go to the details either way.
 */
export function engineError(fault: EngineFault, ids: Partial<Record<RecipeField, LabelledId>>, action: { id: string; sentence: string }): FormError {
  const id = fault.field && Object.hasOwn(ids, fault.field) ? ids[fault.field as RecipeField] : undefined;
  if (!id) return { field: action.id, message: action.sentence, detail: fault.message };
  const message = fault.allowed ? sentence(id, fault.allowed, fault.index ?? null) : `${LABELS[id]}: the engine refused this value; the details say why.`;
  return { field: id, message, detail: fault.message };
}
