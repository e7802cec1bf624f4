/**
 * Checkpoints: a whole training state (Trainer.snapshot()) as one safetensors file.
 *
 * The model's tensors keep the names and layout of PyTorch's nn.Sequential state_dict ('0.weight' (out, in),
 * '0.bias', '2.weight', ...), so `model.load_state_dict(load_file(path), strict=False)` reads the weights;
 * the optimizer's moments follow under torch.optim's state names ('optimizer.exp_avg.0.weight',
 * 'optimizer.exp_avg_sq.0.weight' for Adam, 'optimizer.momentum_buffer.0.weight' for SGD), and everything
 * else (recipe, counters, random state, position in an interrupted epoch) is JSON in the metadata.
 */
import { checkValues, parseSafetensors, readF32, SafetensorsError, writeSafetensors, type TensorToWrite } from '../data/safetensors.ts';
import { Mlp } from '../layers/mlp.ts';
import type { RngState } from '../init/rng.ts';
import { validateRecipe, type Recipe } from './recipe.ts';
import type { TrainingState } from './trainer.ts';

const FORMAT = 'webgpu-mlp checkpoint 1';

function stateNames(recipe: Recipe): string[] {
  return recipe.optimizer === 'adam' ? ['exp_avg', 'exp_avg_sq'] : ['momentum_buffer'];
}

export function checkpointToSafetensors(state: TrainingState): Uint8Array {
  const model = new Mlp(state.recipe.layers);
  const tensors: TensorToWrite[] = [];
  const add = (prefix: string, arena: Float32Array): void => {
    for (const v of model.layout.views) tensors.push({ name: prefix + v.name, shape: v.shape, data: arena.subarray(v.offset, v.offset + v.length) });
  };
  add('', state.params);
  stateNames(state.recipe).forEach((name, i) => add(`optimizer.${name}.`, state.optimizer[i]));
  const partial = state.partialEpoch;
  if (partial) tensors.push({ name: 'trainer.partial_epoch_losses', shape: [partial.losses.length], data: partial.losses });
  return writeSafetensors(tensors, {
    format: 'pt',
    checkpoint: FORMAT,
    recipe: JSON.stringify(state.recipe),
    epoch: String(state.epoch),
    step: String(state.step),
    rng: JSON.stringify(state.rng),
    partial_epoch: JSON.stringify(partial ? { epoch: partial.epoch, done: partial.done, seconds: partial.seconds } : null),
  });
}

function json<T>(metadata: Record<string, string>, key: string): T {
  const text = metadata[key];
  if (text === undefined) throw new SafetensorsError(`checkpoint metadata has no "${key}"`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SafetensorsError(`checkpoint metadata "${key}" is not valid JSON`);
  }
}

function count(metadata: Record<string, string>, key: string): number {
  const value = Number(metadata[key]);
  if (!Number.isInteger(value) || value < 0) throw new SafetensorsError(`checkpoint metadata "${key}" must be a non-negative integer, got ${JSON.stringify(metadata[key])}`);
  return value;
}

/** True when `bytes` hold a checkpoint (rather than weights alone). */
export function isCheckpoint(bytes: Uint8Array): boolean {
  try {
    return parseSafetensors(bytes).metadata.checkpoint === FORMAT;
  } catch {
    return false;
  }
}

/** Reads a checkpoint back into a TrainingState, checking every tensor's shape against its recipe. */
export function checkpointFromSafetensors(bytes: Uint8Array): TrainingState {
  const file = parseSafetensors(bytes);
  if (file.metadata.checkpoint !== FORMAT) {
    throw new SafetensorsError(`not a training checkpoint (metadata "checkpoint" should be "${FORMAT}"); load weights-only files as weights`);
  }
  const recipe = validateRecipe(json<Recipe>(file.metadata, 'recipe'));
  const model = new Mlp(recipe.layers);
  // Every tensor is read (and its shape checked) before the arena is allocated, so memory stays bounded
  // by the file's size whatever widths the metadata claims.
  const arena = (prefix: string): Float32Array => {
    const tensors = model.layout.views.map((v) => {
      const data = readF32(file, prefix + v.name, v.shape);
      checkValues(prefix + v.name, data, v.shape, prefix === 'optimizer.exp_avg_sq.');
      return data;
    });
    const out = new Float32Array(model.layout.totalFloats);
    model.layout.views.forEach((v, i) => out.set(tensors[i], v.offset));
    return out;
  };
  const partial = json<{ epoch: number; done: number; seconds: number } | null>(file.metadata, 'partial_epoch');
  const rng = json<RngState>(file.metadata, 'rng');
  const words = (rng as { s?: unknown } | null)?.s;
  if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) || words.every((w) => w === 0)) {
    throw new SafetensorsError('checkpoint metadata "rng" must hold four 32-bit words, not all zero');
  }
  if (partial !== null && (typeof partial !== 'object' || !Number.isInteger(partial.done) || partial.done < 0 || !Number.isInteger(partial.epoch) || !Number.isFinite(partial.seconds))) {
    throw new SafetensorsError('checkpoint metadata "partial_epoch" must be null or {epoch, done, seconds}');
  }
  const { epoch, step } = counters(file.metadata, recipe, partial);
  let losses: Float32Array | null = null;
  if (partial) {
    losses = readF32(file, 'trainer.partial_epoch_losses', [partial.done]);
    checkValues('trainer.partial_epoch_losses', losses, [partial.done]);
  }
  return {
    recipe,
    params: arena(''),
    optimizer: stateNames(recipe).map((name) => arena(`optimizer.${name}.`)),
    epoch,
    step,
    rng,
    partialEpoch: partial && losses ? { ...partial, losses } : null,
  };
}

/**
 * The counters, bounded by the recipe and consistent with each other: at most the recipe's epochs done, at
 * least one step per epoch done, and a partial epoch that is the next one, begun and not yet over. (That
 * `step` is exactly epoch x steps per epoch + the partial epoch's steps depends on the dataset: the trainer
 * checks it when it restores the state.)
 */
function counters(metadata: Record<string, string>, recipe: Recipe, partial: { epoch: number; done: number } | null): { epoch: number; step: number } {
  const epoch = count(metadata, 'epoch');
  const step = count(metadata, 'step');
  if (epoch > recipe.epochs) throw new SafetensorsError(`checkpoint metadata "epoch" is ${metadata.epoch}, beyond the ${recipe.epochs} epochs of its recipe`);
  const done = partial?.done ?? 0;
  if (step < epoch + done) throw new SafetensorsError(`checkpoint metadata "step" is ${step}, fewer than the ${epoch} epochs${partial ? ` and ${done} steps` : ''} it says are done`);
  if (partial) {
    if (partial.epoch !== epoch + 1) throw new SafetensorsError(`checkpoint metadata "partial_epoch" is epoch ${partial.epoch}, but the next epoch after ${epoch} is ${epoch + 1}`);
    if (partial.done < 1 || partial.epoch > recipe.epochs) throw new SafetensorsError(`checkpoint metadata "partial_epoch" must be an epoch of the recipe (1 to ${recipe.epochs}) begun with at least one step, got epoch ${partial.epoch} with ${partial.done} steps`);
  }
  return { epoch, step };
}
