/**
 * Turns what a person typed into the lab's forms into commands for the engine, or into a FormError: the
 * control at fault and one short sentence saying what it accepts. Nothing reaches the worker unless this
 * says yes. The engine's own refusals become FormErrors here too, by the field they carry as data.
 * Pure (no DOM): unit-tested in tests/lab-form.test.ts.
 */
import { ConfigError, RECIPES, checkLearningRate, checkRecipeFitsData, MAX_BATCH, MAX_SEED, parseWidths, validateRecipe, type DataShape, type OptimizerName, type Recipe, type RecipeField } from '../../train/recipe.ts';

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

/** An optimizer as the lab offers it: the engine's optimizer, its momentum, and a learning rate that suits it. */
export interface OptimizerChoice {
  value: 'sgd-momentum' | 'sgd' | 'adam';
  label: string;
  optimizer: OptimizerName;
  momentum: number;
  /** The learning rate the form switches to when this optimizer is chosen. */
  lr: number;
}

/**
 * The lab's optimizers, its default first. SGD with momentum is the default because it shows what the
 * initialization did: Adam rescales every weight's step by its own gradient history, and so hides much of a
 * bad start.
 */
export const OPTIMIZER_CHOICES: readonly OptimizerChoice[] = [
  { value: 'sgd-momentum', label: 'SGD with momentum 0.9', optimizer: 'sgd', momentum: 0.9, lr: 0.02 },
  { value: 'sgd', label: 'SGD', optimizer: 'sgd', momentum: 0, lr: 0.1 },
  { value: 'adam', label: 'Adam', optimizer: 'adam', momentum: 0, lr: 1e-3 },
];

export function optimizerChoice(value: string): OptimizerChoice | undefined {
  return OPTIMIZER_CHOICES.find((c) => c.value === value);
}

/** The deep stack is trained for this many steps by default (of PROBE_BATCH images each). */
export const STACK_STEPS = 250;
/** Diagnostics of each run of the deep stack every so many steps. */
export const STACK_DIAGNOSTICS_EVERY = 10;

/** Visible label of every input and checkbox group, by id: the forms and the error sentences use the same words. */
export const LABELS = {
  'lab-layers': 'Layer widths',
  'lab-epochs': 'Epochs',
  'lab-train-limit': 'Training images',
  'lab-lr': 'Learning rate',
  'lab-batch': 'Batch size',
  'lab-seed': 'Seed',
  'lab-optimizer': 'Optimizer',
  'lab-inits': 'Initializers to compare',
  'probe-depth': 'Depth (hidden layers)',
  'probe-width': 'Width (units per layer)',
  'probe-seed': 'Seed',
  'probe-inits': 'Initializers to probe',
  'stack-optimizer': 'Optimizer',
  'stack-lr': 'Learning rate',
  'stack-steps': 'Steps',
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
  optimizer: 'lab-optimizer',
  momentum: 'lab-optimizer',
};

/** The same for the probe, whose stack is built from its depth and width. */
export const PROBE_FIELD_IDS: Partial<Record<RecipeField, LabelledId>> = {
  layers: 'probe-width',
  seed: 'probe-seed',
  init: 'probe-inits',
};

/** The same for training the probed stack: its shape and initializers come from the probe's form. */
export const STACK_FIELD_IDS: Partial<Record<RecipeField, LabelledId>> = {
  ...PROBE_FIELD_IDS,
  lr: 'stack-lr',
  trainLimit: 'stack-steps',
  optimizer: 'stack-optimizer',
  momentum: 'stack-optimizer',
};

export interface LabFormText {
  layers: string;
  epochs: string;
  trainLimit: string;
  lr: string;
  batch: string;
  seed: string;
  /** An OptimizerChoice's value. */
  optimizer: string;
}

export interface StackFormText {
  /** An OptimizerChoice's value. */
  optimizer: string;
  lr: string;
  steps: string;
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
  const optimizer = OPTIMIZER_CHOICES[0];
  return { layers: r.layers.join(','), epochs: '3', trainLimit: '6000', lr: String(optimizer.lr), batch: String(r.batch), seed: String(r.seed), optimizer: optimizer.value };
}

export function defaultStackText(): StackFormText {
  const optimizer = OPTIMIZER_CHOICES[0];
  return { optimizer: optimizer.value, lr: String(optimizer.lr), steps: String(STACK_STEPS) };
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

/** Runs a shared recipe rule; its ConfigError becomes a Rejected for the field it names (as data), by `ids`. */
function byRule<T>(ids: Partial<Record<RecipeField, LabelledId>>, rule: () => T, start = 'lab-start'): T {
  try {
    return rule();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const id = error.field ? ids[error.field] : undefined;
    // A setting the lab fixes itself (betas, epsilon) cannot be fixed by typing: said next to the start button.
    if (!id) throw new Rejected(start, `The lab's recipe was refused: ${error.message}.`);
    throw new Rejected(id, error.allowed ? sentence(id, error.allowed, error.index) : `${LABELS[id]}: ${error.message}.`);
  }
}

const byRecipeRule = <T>(rule: () => T): T => byRule(LAB_FIELD_IDS, rule);

function attempt<T>(build: () => T): Parsed<T> {
  try {
    return { ok: true, value: build() };
  } catch (error) {
    if (error instanceof Rejected) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

/** The probe's depth and width, or a Rejected naming the first one at fault. */
function probeShape(text: Pick<ProbeFormText, 'depth' | 'width'>): { depth: number; width: number } {
  return { depth: integer(text.depth, 'probe-depth', PROBE_DEPTH.min, PROBE_DEPTH.max), width: integer(text.width, 'probe-width', 1, PROBE_MAX_WIDTH) };
}

/**
 * The probe's depth and width alone, by the form's own rule: what <init-lab>'s depth and width attributes put
 * in the form is checked with this as the page loads, before anyone presses Run probe. Null when both are fine.
 */
export function probeShapeError(text: Pick<ProbeFormText, 'depth' | 'width'>): FormError | null {
  const parsed = attempt(() => probeShape(text));
  return parsed.ok ? null : { field: parsed.field, message: parsed.message };
}

/** The probe's stack: `depth` hidden ReLU layers of `width`, between the dataset's inputs and classes. */
export function parseProbeForm(text: ProbeFormText, chosen: readonly string[], shape: DataShape = MNIST_SHAPE): Parsed<ProbeRequest> {
  return attempt(() => {
    const { depth, width } = probeShape(text);
    const seed = integer(text.seed, 'probe-seed', 0, MAX_SEED);
    const layers = [shape.inputs, ...new Array<number>(depth).fill(width), shape.classes];
    return { layers, inits: inits(chosen, 'probe-inits'), batch: PROBE_BATCH, seed };
  });
}

function optimizerOf(value: string, id: LabelledId): OptimizerChoice {
  const choice = optimizerChoice(value);
  if (!choice) throw new Rejected(id, sentence(id, `one of ${OPTIMIZER_CHOICES.map((c) => c.label).join(', ')}`));
  return choice;
}

/**
 * Training the probed stack: the probe's depth, width, seed and initializers (biases zero, as probed), one
 * epoch of `steps` batches of PROBE_BATCH images, then the test accuracy.
 */
export function parseStackForm(probe: ProbeFormText, text: StackFormText, chosen: readonly string[], shape: DataShape = MNIST_SHAPE): Parsed<{ recipe: Recipe; inits: string[] }> {
  return attempt(() => {
    const stack = parseProbeForm(probe, chosen, shape);
    if (!stack.ok) throw new Rejected(stack.field, stack.message);
    const { optimizer, momentum } = optimizerOf(text.optimizer, 'stack-optimizer');
    const lrText = text.lr.trim();
    const lr = byRule(STACK_FIELD_IDS, () => checkLearningRate(lrText === '' ? NaN : Number(lrText)));
    const maxSteps = Math.floor(shape.train / PROBE_BATCH);
    const steps = integer(text.steps, 'stack-steps', 1, maxSteps, ` (${PROBE_BATCH} images each)`);
    const { layers, inits: chosenInits, seed } = stack.value;
    const recipe: Recipe = { ...RECIPES.mlp, layers, init: chosenInits[0], biasInit: 'zeros', optimizer, momentum, lr, batch: PROBE_BATCH, epochs: 1, seed, trainLimit: steps * PROBE_BATCH };
    byRule(STACK_FIELD_IDS, () => {
      validateRecipe(recipe);
      checkRecipeFitsData(recipe, shape);
    }, 'stack-start');
    return { recipe, inits: chosenInits };
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
    const { optimizer, momentum } = optimizerOf(text.optimizer, 'lab-optimizer');
    const chosenInits = inits(chosen, 'lab-inits');
    const recipe: Recipe = { ...RECIPES.mlp, layers, epochs, trainLimit, lr, batch, seed, optimizer, momentum, init: chosenInits[0] };
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
