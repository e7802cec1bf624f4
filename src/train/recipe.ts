/**
 * A recipe: everything that decides a training run. Two presets come from the PyTorch lesson on weight
 * initialization: `mlp` (784-256-256-10) and `deep` (784-512-512-512-512-10), both Xavier uniform, Adam 1e-3,
 * batch 100, 15 epochs. validateRecipe() names the field and the allowed range of anything wrong.
 */
import { parseInitializer, InitializerError } from '../init/initializers.ts';
import { MAX_WIDTH } from '../layers/mlp.ts';

export type OptimizerName = 'adam' | 'sgd';

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
  mlp: { ...LESSON, layers: [784, 256, 256, 10] },
  deep: { ...LESSON, layers: [784, 512, 512, 512, 512, 10] },
} satisfies Record<string, Recipe>;

export type RecipeName = keyof typeof RECIPES;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
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

function check(ok: boolean, field: string, value: unknown, allowed: string): void {
  if (!ok) throw new ConfigError(`${field} is ${show(value)}; allowed: ${allowed}`);
}

const isInt = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isNum = (v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): boolean =>
  typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);

/** Throws a ConfigError naming the first field that is wrong and what it may be. */
export function validateRecipe(r: Recipe): Recipe {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new ConfigError(`a recipe must be an object with layers, init, optimizer, lr, ...; got ${show(r)}`);
  check(Array.isArray(r.layers) && r.layers.length >= 2, 'layers', r.layers, 'at least two widths, input first and classes last, e.g. 784,256,256,10');
  r.layers.forEach((w, i) => check(isInt(w, 1, MAX_WIDTH), `layers[${i}]`, w, `an integer from 1 to ${MAX_WIDTH}`));
  for (const field of ['init', 'biasInit'] as const) {
    try {
      parseInitializer(r[field]);
    } catch (error) {
      if (error instanceof InitializerError) throw new ConfigError(`${field}: ${error.message}`);
      throw error;
    }
  }
  check(r.optimizer === 'adam' || r.optimizer === 'sgd', 'optimizer', r.optimizer, '"adam" or "sgd"');
  check(isNum(r.lr, 0, 1e3, true), 'lr', r.lr, 'a number above 0 and at most 1000');
  check(isInt(r.batch, 1, 1 << 16), 'batch', r.batch, 'an integer from 1 to 65536 (and at most the number of training images)');
  check(isInt(r.epochs, 1, 100_000), 'epochs', r.epochs, 'an integer from 1 to 100000');
  check(isInt(r.seed, 0, 0xffffffff), 'seed', r.seed, 'an integer from 0 to 4294967295');
  check(isNum(r.momentum, 0, 1, false, true), 'momentum', r.momentum, 'a number in [0, 1)');
  check(isNum(r.beta1, 0, 1, false, true), 'beta1', r.beta1, 'a number in [0, 1)');
  check(isNum(r.beta2, 0, 1, false, true), 'beta2', r.beta2, 'a number in [0, 1)');
  check(isNum(r.eps, 0, 1, true), 'eps', r.eps, 'a number above 0 and at most 1');
  check(isInt(r.trainLimit, 0, 0xffffffff), 'trainLimit', r.trainLimit, 'an integer >= 0 (0 means all training images)');
  return r;
}
