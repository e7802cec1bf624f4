/**
 * What a run needs of a device: the largest single buffers (each named, layer by layer), so a device can be
 * requested with enough room and a run that does not fit is refused before anything is allocated, naming
 * the layer and the limit.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { Dataset } from '../data/idx.ts';
import { Mlp } from '../layers/mlp.ts';
import { evalRowsFor } from './graph.ts';
import { imageSetBytes } from './gpu-dataset.ts';
import { ConfigError, validateRecipe, type Recipe, type RecipeField } from './recipe.ts';

/** The largest buffers a run needs, named (with the recipe setting that sizes them), so a device can be requested for them and a refusal can say which. */
function largestBuffers(model: Mlp, recipe: Recipe, dataset: Dataset, trainCount: number): Array<[string, number, RecipeField | null]> {
  const rows = Math.max(recipe.batch, evalRowsFor(model, recipe.batch, dataset.test.count));
  // Single layers first, so a refusal names the layer that does not fit rather than the arena holding it.
  return [
    ...model.layers.flatMap((layer): Array<[string, number, RecipeField | null]> => [
      [`${layer.label} weight`, layer.fanIn * layer.fanOut * 4, 'layers'],
      [`${layer.label} activations (${rows} rows)`, rows * layer.fanOut * 4, 'layers'],
    ]),
    [`the parameters (${model.layout.parameterCount} in all)`, model.layout.totalFloats * 4, 'layers'],
    [`the training images (${trainCount})`, imageSetBytes(dataset.train, trainCount), 'trainLimit'],
    [`the test images (${dataset.test.count})`, imageSetBytes(dataset.test, dataset.test.count), null],
  ];
}

/** What to ask of a device (see requestDevice) for this recipe and dataset. */
export function deviceNeeds(dataset: Dataset, recipe: Recipe): { maxStorageBufferBindingSize: number; maxBufferSize: number } {
  validateRecipe(recipe);
  const trainCount = recipe.trainLimit > 0 ? Math.min(recipe.trainLimit, dataset.train.count) : dataset.train.count;
  const bytes = Math.max(...largestBuffers(new Mlp(recipe.layers), recipe, dataset, trainCount).map(([, b]) => b));
  return { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes };
}

const MIB = 1024 * 1024;

/** Bytes in MiB for a sentence: 503.3 MiB. */
function mib(bytes: number): string {
  return `${Number((bytes / MIB).toPrecision(4))} MiB`;
}

/**
 * Refuses, before anything is allocated, a run whose buffers exceed what the device allows: a ConfigError
 * naming the buffer, the bytes it needs and the device's limit, with the setting that sizes it as its field
 * (the layer widths for a layer or the parameters, the training images for their buffer).
 */
export function checkLimits(ctx: GpuContext, model: Mlp, recipe: Recipe, dataset: Dataset, trainCount: number): void {
  const { maxStorageBufferBindingSize: maxBinding, maxBufferSize } = ctx.device.limits;
  const limit = Math.min(maxBinding, maxBufferSize);
  for (const [what, bytes, field] of largestBuffers(model, recipe, dataset, trainCount)) {
    if (bytes > limit) {
      throw new ConfigError(`${what} needs ${bytes} bytes in one GPU buffer, but this device allows at most ${limit} (maxStorageBufferBindingSize ${maxBinding}, maxBufferSize ${maxBufferSize})`, {
        field: field ?? undefined,
        allowed: `small enough for this GPU's limit of ${mib(limit)} in one buffer (${what} would need ${mib(bytes)})`,
      });
    }
  }
}
