/**
 * The training graph: every buffer a run needs, allocated once, and the dispatches of one training step and
 * of one evaluation batch, prepared once (pipelines compiled in parallel, bind groups built) and replayed.
 *
 * One step of an L-layer MLP is 3L + 1 dispatches (10 for 784-256-256-10):
 *   L forward products (bias and ReLU fused; the first reads the u8 images through the permutation),
 *   1 softmax cross-entropy (loss written to the epoch's loss log, gradient in place of the logits),
 *   L weight-gradient products (bias gradient fused), L - 1 input-gradient products (ReLU mask fused),
 *   1 optimizer update over the whole parameter arena.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { Dispatch } from '../gpu/dispatch.ts';
import { prepareEvaluate } from '../gpu/evaluate.ts';
import { prepareAdam, prepareSgd } from '../gpu/optimizer-kernels.ts';
import { prepareSoftmaxCe } from '../gpu/softmax-ce.ts';
import { StepSlots } from '../gpu/step-slots.ts';
import type { ArenaBuffers, LayerInput } from '../layers/linear.ts';
import type { Mlp } from '../layers/mlp.ts';
import type { GpuImageSet } from './gpu-dataset.ts';
import type { Recipe } from './recipe.ts';

/** Steps encoded into one command buffer at most. */
export const MAX_CHUNK_STEPS = 64;

export interface GraphBuffers extends ArenaBuffers {
  /** Optimizer state: Adam's m and v, or SGD's momentum buffer. */
  state: GPUBuffer[];
  hidden: GPUBuffer[];
  logits: GPUBuffer;
  /** Ping-pong gradients of hidden pre-activations. */
  dz: [GPUBuffer, GPUBuffer];
  lossLog: GPUBuffer;
  /** One u32: 1 once a loss was not finite (the optimizer then stops updating). */
  health: GPUBuffer;
  predictions: GPUBuffer;
  confusion: GPUBuffer;
}

export interface TrainingGraph {
  buffers: GraphBuffers;
  stepSlots: StepSlots;
  evalSlots: StepSlots;
  /** The step's dispatches in order, and the same by role (for the depth probe). */
  step: Dispatch[];
  parts: {
    forward: Dispatch[];
    loss: Dispatch;
    /** Per layer, last layer first: the weight-gradient product, then (except layer 0) the input-gradient product. */
    backward: Array<{ layer: number; weightGrad: Dispatch; inputGrad?: Dispatch }>;
    update: Dispatch;
  };
  /** Where layer l's output (hidden activation or logits) and its pre-activation gradient live. */
  outputOf: (l: number) => GPUBuffer;
  dzOf: (l: number) => GPUBuffer;
  evalBatch: Dispatch[];
  evalRows: number;
  evalBatches: number;
  /**
   * Every buffer buildGraph made, for the trainer to own and free. A list, not a diff of the context's live
   * buffers before and after: trainers built at the same time (the lab's, the probe's) add to those too.
   */
  allocated: GPUBuffer[];
}

/** Rows per evaluation batch: at least the training batch, about 1000 when the widths allow. */
export function evalRowsFor(model: Mlp, batch: number, testCount: number): number {
  const widest = Math.max(...model.widths.slice(1));
  return Math.max(batch, Math.min(1000, testCount, Math.floor((8 << 20) / widest)));
}

export async function buildGraph(ctx: GpuContext, model: Mlp, recipe: Recipe, train: GpuImageSet, test: GpuImageSet, stepsPerEpoch: number): Promise<TrainingGraph> {
  const B = recipe.batch;
  const C = model.outputSize;
  const evalRows = evalRowsFor(model, B, test.count);
  const evalBatches = Math.ceil(test.count / evalRows);
  const rows = Math.max(B, evalRows);
  const floats = model.layout.totalFloats;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const allocated: GPUBuffer[] = [];
  const f32 = (label: string, n: number, purpose: Parameters<GpuContext['createBuffer']>[3]): GPUBuffer => {
    const buffer = ctx.createBuffer(label, n * 4, usage, purpose);
    allocated.push(buffer);
    return buffer;
  };
  try {
    const maxHidden = Math.max(1, ...model.hiddenWidths);

    const buffers: GraphBuffers = {
      params: f32('parameters', floats, 'parameters'),
      grads: f32('gradients', floats, 'gradients'),
      state: recipe.optimizer === 'adam' ? [f32('adam m', floats, 'optimizer'), f32('adam v', floats, 'optimizer')] : [f32('sgd momentum', floats, 'optimizer')],
      hidden: model.hiddenWidths.map((w, i) => f32(`hidden ${i}`, rows * w, 'activations')),
      logits: f32('logits', rows * C, 'activations'),
      dz: [f32('dz 0', B * maxHidden, 'activations'), f32('dz 1', B * maxHidden, 'activations')],
      lossLog: f32('loss log', stepsPerEpoch, 'metrics'),
      health: f32('health flag', 1, 'metrics'),
      predictions: f32('predictions', test.count, 'metrics'),
      confusion: f32('confusion', C * C, 'metrics'),
    };
    const stepSlots = new StepSlots(ctx, Math.min(MAX_CHUNK_STEPS, stepsPerEpoch), 'step slots');
    allocated.push(stepSlots.buffer);
    const evalSlots = new StepSlots(ctx, evalBatches, 'evaluation slots');
    allocated.push(evalSlots.buffer);
    const step = stepSlots.binding();

    const { layers } = model;
    const L = layers.length;
    const trainInput = (l: number): LayerInput =>
      l === 0 ? { kind: 'pixels', pixels: train.pixels, strideWords: train.strideWords, perm: train.perm, step } : { kind: 'activation', buffer: buffers.hidden[l - 1] };
    const testInput = (l: number): LayerInput =>
      l === 0 ? { kind: 'pixels', pixels: test.pixels, strideWords: test.strideWords, perm: test.perm, step: evalSlots.binding() } : { kind: 'activation', buffer: buffers.hidden[l - 1] };
    const output = (l: number): GPUBuffer => (l === L - 1 ? buffers.logits : buffers.hidden[l]);
    const dzOf = (l: number): GPUBuffer => (l === L - 1 ? buffers.logits : buffers.dz[l % 2]);

    const forward = layers.map((layer, l) => layer.prepareForward(ctx, model.layout, buffers, B, trainInput(l), output(l), 'train'));
    const loss = prepareSoftmaxCe(ctx, B, C, { logits: buffers.logits, labels: train.labels, perm: train.perm, lossLog: buffers.lossLog, step, health: buffers.health });
    const backward: Array<Promise<{ layer: number; weightGrad: Dispatch; inputGrad?: Dispatch }>> = [];
    for (let l = L - 1; l >= 0; l--) {
      const weightGrad = layers[l].prepareWeightGrad(ctx, model.layout, buffers, B, trainInput(l), dzOf(l));
      const inputGrad = l > 0 ? layers[l].prepareInputGrad(ctx, model.layout, buffers, B, dzOf(l), buffers.hidden[l - 1], dzOf(l - 1)) : undefined;
      backward.push(Promise.all([weightGrad, inputGrad]).then(([w, x]) => ({ layer: l, weightGrad: w, inputGrad: x })));
    }
    const update =
      recipe.optimizer === 'adam'
        ? prepareAdam(ctx, floats, recipe, { params: buffers.params, grads: buffers.grads, m: buffers.state[0], v: buffers.state[1], step, health: buffers.health })
        : prepareSgd(ctx, floats, { params: buffers.params, grads: buffers.grads, momentum: buffers.state[0], step, health: buffers.health });
    const evalForward = layers.map((layer, l) => layer.prepareForward(ctx, model.layout, buffers, evalRows, testInput(l), output(l), 'evaluate'));
    const evaluate = prepareEvaluate(ctx, evalRows, C, test.count, {
      logits: buffers.logits,
      labels: test.labels,
      predictions: buffers.predictions,
      confusion: buffers.confusion,
      step: evalSlots.binding(),
    });

    // Every pipeline compiles concurrently.
    const [fwd, lossDispatch, bwd, updateDispatch, evalDispatches] = await Promise.all([
      Promise.all(forward),
      loss,
      Promise.all(backward),
      update,
      Promise.all([...evalForward, evaluate]),
    ]);
    ctx.check();
    const stepDispatches = [...fwd, lossDispatch, ...bwd.flatMap((b) => (b.inputGrad ? [b.weightGrad, b.inputGrad] : [b.weightGrad])), updateDispatch];
    return {
      buffers,
      stepSlots,
      evalSlots,
      step: stepDispatches,
      parts: { forward: fwd, loss: lossDispatch, backward: bwd, update: updateDispatch },
      outputOf: output,
      dzOf,
      evalBatch: evalDispatches,
      evalRows,
      evalBatches,
      allocated,
    };
  } catch (error) {
    for (const buffer of allocated) ctx.destroyBuffer(buffer);
    throw error;
  }
}
