/**
 * Turns what a person typed into the lab's forms into commands for the engine, or into one message that
 * names the field at fault and what it accepts. Nothing reaches the worker unless this says yes.
 * Pure (no DOM): unit-tested in tests/lab-form.test.ts.
 */
import { ConfigError, RECIPES, validateRecipe, type Recipe } from '../../train/recipe.ts';

/** A rejected form: `field` is the id of the input at fault (so the element can mark and focus it). */
export interface FormError {
  field: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | ({ ok: false } & FormError);

/** What the dataset fixes about any model trained on it; MNIST's shape until the engine reports its own. */
export interface DataShape {
  inputs: number;
  classes: number;
  train: number;
}

export const MNIST_SHAPE: DataShape = { inputs: 784, classes: 10, train: 60000 };

export const PROBE_DEPTH = { min: 10, max: 30 };
/** Far beyond what the lesson needs, and small enough that 30 such layers fit a browser's GPU memory. */
export const PROBE_MAX_WIDTH = 2048;
/** The probe measures one real batch, as the lesson does. */
export const PROBE_BATCH = 100;
const MAX_SEED = 0xffffffff;

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

/** A whole number in [min, max], or a Rejected naming `label` and that range. */
function integer(text: string, field: string, label: string, min: number, max: number, note = ''): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isInteger(value) || value < min || value > max) {
    const got = trimmed === '' ? 'it is empty' : `got "${trimmed}"`;
    throw new Rejected(field, `${label} must be a whole number from ${min} to ${max}${note} (${got}).`);
  }
  return value;
}

function inits(chosen: readonly string[], field: string): string[] {
  if (chosen.length === 0) throw new Rejected(field, 'Initializers: choose at least one initializer to compare.');
  return [...chosen];
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
    const depth = integer(text.depth, 'probe-depth', 'Depth (hidden layers)', PROBE_DEPTH.min, PROBE_DEPTH.max);
    const width = integer(text.width, 'probe-width', 'Width (units per hidden layer)', 1, PROBE_MAX_WIDTH);
    const seed = integer(text.seed, 'probe-seed', 'Seed', 0, MAX_SEED);
    const layers = [shape.inputs, ...new Array<number>(depth).fill(width), shape.classes];
    return { layers, inits: inits(chosen, 'probe-inits'), batch: PROBE_BATCH, seed };
  });
}

function parseLayers(text: string, shape: DataShape): number[] {
  const example = `e.g. ${shape.inputs},256,256,${shape.classes}`;
  const parts = text.split(',').map((p) => p.trim());
  const widths = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isInteger(widths[i]) || widths[i] < 1);
  if (parts.length < 2 || bad >= 0) {
    const why = parts.length < 2 ? 'need at least an input and an output width' : `"${parts[bad]}" is not a positive whole number`;
    throw new Rejected('lab-layers', `Layers must be comma-separated positive whole numbers, ${example} (${why}).`);
  }
  if (widths[0] !== shape.inputs || widths[widths.length - 1] !== shape.classes) {
    throw new Rejected('lab-layers', `Layers must start with ${shape.inputs} (pixels per image) and end with ${shape.classes} (classes), ${example} (got ${widths.join(',')}).`);
  }
  return widths;
}

/** Recipe fields (as validateRecipe names them) mapped to the lab's input ids. */
export const LAB_FIELD_IDS: Record<string, string> = {
  layers: 'lab-layers',
  epochs: 'lab-epochs',
  trainLimit: 'lab-train-limit',
  lr: 'lab-lr',
  batch: 'lab-batch',
  seed: 'lab-seed',
  init: 'lab-inits',
};

/** The recipe every chosen initializer trains with (`init` is the first; the worker swaps in each). */
export function parseLabForm(text: LabFormText, chosen: readonly string[], shape: DataShape = MNIST_SHAPE): Parsed<{ recipe: Recipe; inits: string[] }> {
  return attempt(() => {
    const layers = parseLayers(text.layers, shape);
    const epochs = integer(text.epochs, 'lab-epochs', 'Epochs', 1, 1000);
    const trainLimit = integer(text.trainLimit, 'lab-train-limit', 'Training images', 0, shape.train, ' (0 means all)');
    const lrText = text.lr.trim();
    const lr = lrText === '' ? NaN : Number(lrText);
    if (!(Number.isFinite(lr) && lr > 0 && lr <= 10)) {
      throw new Rejected('lab-lr', `Learning rate must be a number above 0 and at most 10, e.g. 0.001 (got "${lrText}").`);
    }
    const batch = integer(text.batch, 'lab-batch', 'Batch size', 1, trainLimit || shape.train, ' (at most the number of training images)');
    const seed = integer(text.seed, 'lab-seed', 'Seed', 0, MAX_SEED);
    const chosenInits = inits(chosen, 'lab-inits');
    const recipe: Recipe = { ...RECIPES.mlp, layers, epochs, trainLimit, lr, batch, seed, init: chosenInits[0] };
    try {
      validateRecipe(recipe);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const key = Object.keys(LAB_FIELD_IDS).find((k) => error.message.startsWith(k));
      throw new Rejected(key ? LAB_FIELD_IDS[key] : 'lab-layers', error.message);
    }
    return { recipe, inits: chosenInits };
  });
}
