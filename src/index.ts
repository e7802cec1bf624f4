/**
 * The public library API, for pages, workers and Node alike (Node adds src/node.ts for Dawn and files).
 *
 *   const ctx = await createContext(navigator.gpu);          // or wrapDevice(myDevice)
 *   const trainer = await Trainer.create(ctx, dataset, { ...RECIPES.mlp, epochs: 1 });
 *   await trainer.fit({ onProgress: (p) => console.log(p.step, p.loss) });
 *   // fit({ diagnostics: { every: defaultDiagnosticsEvery(recipe.layers) }, ... }) adds per-layer statistics (StepDiagnostics)
 *   // to progress (p.diagnostics, the chunk's samples) and epochs (e.diagnostics, the epoch's last)
 *   const { accuracy } = await trainer.evaluate();
 *   const file = weightsToSafetensors(trainer.model, await trainer.readParameters(), trainer.recipe);
 *   trainer.destroy(); ctx.destroy();
 */
// The public types use WebGPU's (GPUDevice, ...): their declarations load them for the consumer.
/// <reference types="@webgpu/types" preserve="true" />
import { checkValues, parseSafetensors, readF32, SafetensorsError, writeSafetensors } from './data/safetensors.ts';
import type { Mlp } from './layers/mlp.ts';
import type { Recipe } from './train/recipe.ts';

export { GpuContext, GpuError, type AdapterSummary } from './gpu/context.ts';
export { createContext, wrapDevice, requestDevice, type DeviceNeeds } from './gpu/acquire.ts';
export { Trainer, DivergenceError, deviceNeeds, type Progress, type EpochResult, type EvalResult, type TrainOptions } from './train/trainer.ts';
export { HISTOGRAM_BINS, HEALTHY_UPDATE_RATIO, type StepDiagnostics, type LayerDiagnostics, type Histogram } from './train/diagnostics.ts';
export { DEFAULT_DIAGNOSTICS_EVERY, defaultDiagnosticsEvery, type DiagnosticsOptions } from './train/sampling.ts';
export { RECIPES, ConfigError, validateRecipe, parseWidths, checkRecipeFitsData, checkLearningRate, lrAt, MAX_LR, type Recipe, type RecipeName, type OptimizerName, type LrChange, type DataShape, type ConfigFault } from './train/recipe.ts';
export { Mlp, ModelError } from './layers/mlp.ts';
export { ParamLayout, type TensorView } from './layers/arena.ts';
export { Rng, deriveSeed } from './init/rng.ts';
export * from './init/initializers.ts';
export { readIdx, parseIdx, makeImageSet, DataError, IDX_FILE_NAMES, type Dataset, type ImageSet } from './data/idx.ts';
export { parseSafetensors, readF32, writeSafetensors, checkValues, SafetensorsError } from './data/safetensors.ts';

/**
 * The weights as a safetensors file in the layout of PyTorch's nn.Sequential(Linear, ReLU, Linear, ...)
 * state_dict: keys '0.weight', '0.bias', '2.weight', ..., weights (out, in), float32. PyTorch loads it with
 * model.load_state_dict(safetensors.torch.load_file(path)).
 */
export function weightsToSafetensors(model: Mlp, arena: Float32Array, recipe?: Recipe): Uint8Array {
  const metadata: Record<string, string> = { format: 'pt', layers: model.widths.join(',') };
  if (recipe) metadata.recipe = JSON.stringify(recipe);
  return writeSafetensors(model.tensors(arena).map(({ name, shape, data }) => ({ name, shape, data })), metadata);
}

/** Reads a safetensors file of that layout into a parameter arena for `model`; shapes must fit, and every value be finite. */
export function weightsFromSafetensors(model: Mlp, bytes: Uint8Array): Float32Array {
  let file: ReturnType<typeof parseSafetensors>;
  try {
    file = parseSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new SafetensorsError(`not a valid safetensors file: ${error.message}`);
    throw error;
  }
  const arena = new Float32Array(model.layout.totalFloats);
  for (const v of model.layout.views) {
    const data = readF32(file, v.name, v.shape);
    checkValues(v.name, data, v.shape);
    arena.set(data, v.offset);
  }
  return arena;
}
