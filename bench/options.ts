/**
 * The bench page's options, one place for the page's controls, its address and `npm run bench`: which
 * engines run, the recipe, how much is timed, the training images, the warm-up and our engine's matmul
 * choice. The page's query parameters are the CLI's flags (`?engines=ours&steps=10&train-limit=2000`), so
 * the runner opens the page with its options in the address and a visitor can link a configuration.
 */
import { MATMUL_VARIANTS } from '../src/gpu/matmul.ts';
import type { MatmulChoice } from '../src/gpu/tuner.ts';
import { RECIPES, type RecipeName } from '../src/train/recipe.ts';
import type { TrainBenchOptions } from './common.ts';

export const ENGINES = ['ours', 'tfjs-webgpu', 'tfjs-wasm'] as const;
export type Engine = (typeof ENGINES)[number];

/** How the page and the CLI name each engine to a reader. */
export const ENGINE_NAMES: Record<Engine, string> = { ours: 'Our engine (WebGPU)', 'tfjs-webgpu': 'TF.js WebGPU', 'tfjs-wasm': 'TF.js wasm (CPU)' };

/** 'auto': measured on this device (or read from the cache); 'untuned': the built-in choice; a variant's name: that variant everywhere. */
export const MATMUL_CHOICES: readonly MatmulChoice[] = ['auto', 'untuned', ...MATMUL_VARIANTS];

export interface PageOptions {
  engines: Engine[];
  recipe: RecipeName;
  /** Time `count` steps, or `count` whole epochs. */
  unit: 'steps' | 'epochs';
  count: number;
  /** Train on the first N training images; 0: all of them. */
  trainLimit: number;
  warmupSteps: number;
  matmul: MatmulChoice;
}

/** What a visitor gets: our engine against TF.js WebGPU, 60 steps of the mlp recipe on all 60,000 images. */
export const DEFAULT_OPTIONS: PageOptions = { engines: ['ours', 'tfjs-webgpu'], recipe: 'mlp', unit: 'steps', count: 60, trainLimit: 0, warmupSteps: 2, matmul: 'auto' };

/** A whole number of at least `min` from `text`, or an error that names the option and says what it got. */
export function wholeNumber(name: string, text: string, min: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number${min > 0 ? ` of at least ${min}` : ' (0 or more)'}, got "${text}"`);
  }
  return value;
}

/** The engines of a comma-separated list, or an error that names the one not known. */
export function engineList(text: string): Engine[] {
  const list = text.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = list.find((e) => !(ENGINES as readonly string[]).includes(e));
  if (bad !== undefined) throw new RangeError(`unknown engine "${bad}"; allowed: ${ENGINES.join(', ')}`);
  if (!list.length) throw new RangeError(`choose at least one engine of ${ENGINES.join(', ')}`);
  return [...new Set(list)] as Engine[];
}

export function matmulChoice(text: string): MatmulChoice {
  if (!(MATMUL_CHOICES as readonly string[]).includes(text)) throw new RangeError(`unknown matmul choice "${text}"; allowed: ${MATMUL_CHOICES.join(', ')}`);
  return text as MatmulChoice;
}

export function recipeName(text: string): RecipeName {
  if (!Object.hasOwn(RECIPES, text)) throw new RangeError(`unknown recipe "${text}"; allowed: ${Object.keys(RECIPES).join(', ')}`);
  return text as RecipeName;
}

/** The options in the page's address (the CLI's flag names); `warmupSteps` only when not the default. */
export function toQuery(o: PageOptions): string {
  const q = new URLSearchParams({ engines: o.engines.join(','), recipe: o.recipe, [o.unit]: String(o.count), 'train-limit': String(o.trainLimit), matmul: o.matmul });
  if (o.warmupSteps !== DEFAULT_OPTIONS.warmupSteps) q.set('warmup', String(o.warmupSteps));
  return q.toString();
}

/** The options in a page address's query; each parameter that is wrong keeps its default and says why. */
export function fromQuery(search: string): { options: PageOptions; problems: string[] } {
  const q = new URLSearchParams(search);
  const options: PageOptions = { ...DEFAULT_OPTIONS, engines: [...DEFAULT_OPTIONS.engines] };
  const problems: string[] = [];
  const take = (name: string, apply: (text: string) => void): void => {
    const text = q.get(name);
    if (text === null) return;
    try {
      apply(text);
    } catch (error) {
      problems.push(`?${name}: ${(error as Error).message}`);
    }
  };
  take('engines', (t) => (options.engines = engineList(t)));
  take('recipe', (t) => (options.recipe = recipeName(t)));
  take('steps', (t) => ((options.unit = 'steps'), (options.count = wholeNumber('steps', t, 1))));
  take('epochs', (t) => ((options.unit = 'epochs'), (options.count = wholeNumber('epochs', t, 1))));
  take('train-limit', (t) => (options.trainLimit = wholeNumber('train-limit', t, 0)));
  take('warmup', (t) => (options.warmupSteps = wholeNumber('warmup', t, 0)));
  take('matmul', (t) => (options.matmul = matmulChoice(t)));
  return { options, problems };
}

/** What each engine's job is given. */
export function jobOptions(o: PageOptions): TrainBenchOptions {
  return { recipe: o.recipe, ...(o.unit === 'epochs' ? { epochs: o.count } : { steps: o.count }), trainLimit: o.trainLimit, warmupSteps: o.warmupSteps, matmul: o.matmul };
}
