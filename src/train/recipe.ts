/**
 * A recipe: everything that decides a training run. The presets come from the PyTorch lesson on weight
 * initialization, all Xavier uniform, Adam 1e-3, batch 100, 15 epochs: `mlp` (784-256-256-10), `deep`
 * (784-512-512-512-512-10, the deep model the lesson builds) and `lesson-deep` (784-512-512-512, the model its
 * deep cell really trains: nn.Sequential(linear1, relu, linear2, relu, linear3), 512 outputs for 10 classes).
 * validateRecipe() names the field and the allowed range of anything wrong.
 */
import { INITIALIZER_NAMES, parseInitializer, InitializerError } from '../init/initializers.ts';
import { MAX_WIDTH } from '../layers/mlp.ts';

export type OptimizerName = 'adam' | 'sgd';

const INITIALIZER_ALLOWED = `one of ${INITIALIZER_NAMES.join(', ')}, or a form such as normal:0,0.01 or he-normal:fan_out`;

export interface Recipe {
  /** Widths from input to output, e.g. [784, 256, 256, 10]. */
  layers: number[];
  /** Weight initializer, in parseInitializer's grammar (e.g. 'xavier-uniform', 'normal:0,0.01'). */
  init: string;
  /** Bias initializer; PyTorch's nn.Linear default unless a recipe says otherwise. */
  biasInit: string;
  optimizer: OptimizerName;
  lr: number;
  batch: number;
  epochs: number;
  seed: number;
  /** SGD momentum (0 for plain SGD). */
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Train on the first N training images only (0: all). */
  trainLimit: number;
  /**
   * Learning-rate changes during the run, in step order: from global step `step` (1-based) on, the rate is
   * `lr`. A change made while a run trains is recorded here, so the recipe still reproduces the run.
   */
  lrChanges?: LrChange[];
}

export interface LrChange {
  step: number;
  lr: number;
}

const LESSON: Omit<Recipe, 'layers'> = {
  init: 'xavier-uniform',
  biasInit: 'pytorch-default',
  optimizer: 'adam',
  lr: 1e-3,
  batch: 100,
  epochs: 15,
  seed: 777,
  momentum: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  trainLimit: 0,
};

export const RECIPES = {
  /** A first run of seconds: the lesson's model, 2 epochs on the first 10,000 images (200 steps, two evaluations). */
  quick: { ...LESSON, layers: [784, 256, 256, 10], epochs: 2, trainLimit: 10_000 },
  mlp: { ...LESSON, layers: [784, 256, 256, 10] },
  deep: { ...LESSON, layers: [784, 512, 512, 512, 512, 10] },
  // The lesson's deep cell builds linear1..linear5 but its nn.Sequential stops at linear3: 512 logits, of
  // which the labels 0..9 use ten (CrossEntropyLoss over all 512; a prediction past 9 is simply wrong).
  // Its 97.67% test accuracy is this model's.
  'lesson-deep': { ...LESSON, layers: [784, 512, 512, 512] },
} satisfies Record<string, Recipe>;

/** What each preset is, in a few words (the CLI's help, the page's preset menu). */
export const RECIPE_DESCRIPTIONS: Record<RecipeName, string> = {
  quick: 'quick look: the lesson\'s 784-256-256-10, 2 epochs on 10,000 images (200 steps)',
  mlp: 'the lesson: 784-256-256-10, 15 epochs on all 60,000 images',
  deep: 'deep: 784-512-512-512-512-10 (the deep model the lesson builds), 15 epochs on all 60,000 images',
  'lesson-deep': 'the lesson\'s deep cell as it ran: 784-512-512-512 (its Sequential stops at linear3: 512 outputs for 10 classes), 15 epochs on all 60,000 images',
};

export type RecipeName = keyof typeof RECIPES;

/** A recipe's settings, by the names errors use for them. */
export type RecipeField = keyof Recipe;

/** Where a ConfigError is: the setting at fault, what it may be, and for `layers` which width. */
export interface ConfigFault {
  field?: RecipeField;
  allowed?: string;
  index?: number;
}

/**
 * A setting that cannot be used. The message is a whole sentence for a terminal; `field`, `allowed` and
 * `index` say the same as data, so that a form can mark the field and word its own sentence (across a worker
 * too: they travel in the engine's error event) without reading the message.
 */
export class ConfigError extends Error {
  readonly field: RecipeField | null;
  readonly allowed: string | null;
  readonly index: number | null;

  constructor(message: string, fault: ConfigFault = {}) {
    super(message);
    this.name = 'ConfigError';
    this.field = fault.field ?? null;
    this.allowed = fault.allowed ?? null;
    this.index = fault.index ?? null;
  }
}

/** The largest learning rate any setting accepts (the CLI, the page, the lab, setLearningRate). */
export const MAX_LR = 10;
/** The largest batch and seed any setting accepts. */
export const MAX_BATCH = 1 << 16;
export const MAX_SEED = 0xffffffff;
export const LR_ALLOWED = `a number above 0 and at most ${MAX_LR}`;
export const WIDTHS_ALLOWED = `at least two widths, input first and outputs last (at least one per class), e.g. 784,256,256,10`;
const widthAllowed = (): string => `an integer from 1 to ${MAX_WIDTH}`;

/**
 * Layer widths as people write them ("784, 256,256 10": commas or spaces): each an integer from 1 to
 * MAX_WIDTH, at least two. Throws a ConfigError for `layers` (with the index of a bad width).
 */
export function parseWidths(text: string): number[] {
  const parts = text.trim().split(/\s*,\s*|\s+/);
  const widths = parts.map(Number);
  if (parts.length < 2) throw new ConfigError(`layers is ${show(text)}; allowed: ${WIDTHS_ALLOWED}`, { field: 'layers', allowed: WIDTHS_ALLOWED });
  widths.forEach((w, i) => check(isInt(w, 1, MAX_WIDTH), 'layers', parts[i], widthAllowed(), i));
  return widths;
}

/** Throws a ConfigError for `lr` unless `lr` is a usable learning rate. */
export function checkLearningRate(lr: unknown): number {
  check(isNum(lr, 0, MAX_LR, true), 'lr', lr, LR_ALLOWED);
  return lr as number;
}

/**
 * A value for a message: numbers as themselves (JSON.stringify writes NaN and Infinity as null), the rest as
 * JSON cut to 100 characters; a value too deep or strange to print says so rather than throwing.
 */
function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'number' ? String(value) : Array.isArray(value) && value.every((v) => typeof v === 'number') ? `[${value.join(',')}]` : (JSON.stringify(value) ?? String(value));
  } catch {
    return `(a ${Array.isArray(value) ? 'list' : typeof value} that cannot be printed)`;
  }
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function check(ok: boolean, field: RecipeField, value: unknown, allowed: string, index?: number): void {
  if (ok) return;
  const name = index === undefined ? field : `${field}[${index}]`;
  throw new ConfigError(`${name} is ${show(value)}; allowed: ${allowed}`, { field, allowed, ...(index === undefined ? {} : { index }) });
}

const isInt = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isNum = (v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): boolean =>
  typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);

/** Throws a ConfigError naming the first field that is wrong and what it may be. */
export function validateRecipe(r: Recipe): Recipe {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new ConfigError(`a recipe must be an object with layers, init, optimizer, lr, ...; got ${show(r)}`);
  check(Array.isArray(r.layers) && r.layers.length >= 2, 'layers', r.layers, WIDTHS_ALLOWED);
  r.layers.forEach((w, i) => check(isInt(w, 1, MAX_WIDTH), 'layers', w, widthAllowed(), i));
  for (const field of ['init', 'biasInit'] as const) {
    try {
      parseInitializer(r[field]);
    } catch (error) {
      if (error instanceof InitializerError) throw new ConfigError(`${field}: ${error.message}`, { field, allowed: INITIALIZER_ALLOWED });
      throw error;
    }
  }
  check(r.optimizer === 'adam' || r.optimizer === 'sgd', 'optimizer', r.optimizer, '"adam" or "sgd"');
  checkLearningRate(r.lr);
  check(isInt(r.batch, 1, MAX_BATCH), 'batch', r.batch, `an integer from 1 to ${MAX_BATCH} (and at most the number of training images)`);
  check(isInt(r.epochs, 1, 100_000), 'epochs', r.epochs, 'an integer from 1 to 100000');
  check(isInt(r.seed, 0, MAX_SEED), 'seed', r.seed, `an integer from 0 to ${MAX_SEED}`);
  check(isNum(r.momentum, 0, 1, false, true), 'momentum', r.momentum, 'a number in [0, 1)');
  check(isNum(r.beta1, 0, 1, false, true), 'beta1', r.beta1, 'a number in [0, 1)');
  check(isNum(r.beta2, 0, 1, false, true), 'beta2', r.beta2, 'a number in [0, 1)');
  check(isNum(r.eps, 0, 1, true), 'eps', r.eps, 'a number above 0 and at most 1');
  check(isInt(r.trainLimit, 0, 0xffffffff), 'trainLimit', r.trainLimit, 'an integer >= 0 (0 means all training images)');
  if (r.lrChanges !== undefined) checkLrChanges(r.lrChanges);
  return r;
}

const LR_CHANGES_ALLOWED = `a list of { step, lr }: steps whole numbers from 2 up, increasing; each lr ${LR_ALLOWED}`;

function checkLrChanges(changes: unknown): void {
  check(Array.isArray(changes), 'lrChanges', changes, LR_CHANGES_ALLOWED);
  let previous = 1;
  (changes as unknown[]).forEach((change, i) => {
    const c = change as Partial<LrChange> | null;
    const ok = typeof c === 'object' && c !== null && isInt(c.step, previous + 1, 0xffffffff) && isNum(c.lr, 0, MAX_LR, true);
    check(ok, 'lrChanges', change, LR_CHANGES_ALLOWED, i);
    previous = c!.step!;
  });
}

/** What a dataset fixes about any recipe trained on it. */
export interface DataShape {
  /** Pixels per image: the first width. */
  inputs: number;
  /** Classes: the least the last width may be (labels are 0 to classes - 1). */
  classes: number;
  /** Training images available. */
  train: number;
  /** How messages name the data ("mnist") and its images ("28x28"). */
  name?: string;
  imageSize?: string;
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The one rule for a recipe against its data, for the engine, the trainer's form and the lab alike: the
 * first width is the pixels of an image, the last at least the classes, and an epoch holds at least one full
 * batch. More outputs than classes train as PyTorch trains them (the lesson's deep cell has 512): softmax
 * cross-entropy over every output, labels below the classes, and an argmax at or past the classes is a wrong
 * prediction. Throws a ConfigError naming the field (`layers` with the width's index, `trainLimit` or `batch`).
 */
export function checkRecipeFitsData(recipe: Pick<Recipe, 'layers' | 'batch' | 'trainLimit'>, data: DataShape): void {
  const name = data.name ?? 'the dataset';
  const { layers, batch, trainLimit } = recipe;
  const last = layers.length - 1;
  if (layers[0] !== data.inputs) {
    const pixels = `${data.inputs} pixels${data.imageSize ? ` (${data.imageSize})` : ''}`;
    throw new ConfigError(`layers[0] is ${layers[0]} but the images of ${name} have ${pixels}; the first width must be ${data.inputs}`, {
      field: 'layers',
      index: 0,
      allowed: `${data.inputs} as the first width (the pixels of one image), e.g. ${data.inputs},256,256,${data.classes}`,
    });
  }
  if (layers[last] < data.classes) {
    throw new ConfigError(`the last width is ${layers[last]} but ${name} has ${data.classes} classes; the last width must be at least ${data.classes}, one output per class`, {
      field: 'layers',
      index: last,
      allowed: `at least ${data.classes} as the last width (an output per class of ${name}), e.g. ${data.inputs},256,256,${data.classes}`,
    });
  }
  const images = trainLimit > 0 ? Math.min(trainLimit, data.train) : data.train;
  if (batch <= images) return;
  if (trainLimit > 0 && trainLimit < data.train) {
    throw new ConfigError(`trainLimit is ${trainLimit}, fewer than one batch of ${batch}: an epoch would have no batch`, {
      field: 'trainLimit',
      allowed: `at least the batch size (${batch}), or 0 for all ${count(data.train)}`,
    });
  }
  throw new ConfigError(`batch is ${batch}, more than the ${count(images)} training images of ${name}: an epoch would have no batch`, {
    field: 'batch',
    allowed: `at most the ${count(images)} training images`,
  });
}

/** The learning rate of global step `step` (1-based) under the recipe's changes. */
export function lrAt(recipe: Pick<Recipe, 'lr' | 'lrChanges'>, step: number): number {
  let lr = recipe.lr;
  for (const change of recipe.lrChanges ?? []) {
    if (change.step > step) break;
    lr = change.lr;
  }
  return lr;
}
