/**
 * The training graph: every buffer a run needs, allocated once, and the dispatches of one training step and
 * of one evaluation batch, prepared once (pipelines compiled in parallel, bind groups built) and replayed.
 *
 * One step of an L-layer MLP is 3L + 1 dispatches (10 for 784-256-256-10):
 *   L forward products (bias and ReLU fused; the first reads the u8 images through the permutation),
 *   1 softmax cross-entropy (loss written to the epoch's loss log, gradient in place of the logits),
 *   L weight-gradient products (bias gradient fused), L - 1 input-gradient products (ReLU mask fused),
 *   1 optimizer update over the whole parameter arena.
 * A step sampled for diagnostics (prepareSampledStep, built the first time a run asks for them) is the same
 * step with L + 1 statistics dispatches hooked in (14 for the mlp recipe, 22 for the deep one) and the
 * optimizer's variant that also records the change it made; stepSequence writes both out in order.
 */
import type { GpuContext } from '../gpu/context.ts';
import { view, type Dispatch } from '../gpu/dispatch.ts';
import { prepareEvaluate } from '../gpu/evaluate.ts';
import { HEALTH_WORDS, healthyWords } from '../gpu/health.ts';
import { prepareAdam, prepareSgd } from '../gpu/optimizer-kernels.ts';
import { prepareSoftmaxCe } from '../gpu/softmax-ce.ts';
import { encodeJobs, JOB_WORDS, prepareStats, type StatsJob } from '../gpu/stats.ts';
import { StepSlots } from '../gpu/step-slots.ts';
import type { ArenaBuffers, LayerInput } from '../layers/linear.ts';
import type { Mlp } from '../layers/mlp.ts';
import type { GpuImageSet } from './gpu-dataset.ts';
import type { Recipe } from './recipe.ts';
import { HISTOGRAM_BINS } from './diagnostics.ts';
import { LAYER_PART, LAYER_WORDS } from './sampling.ts';

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
  /**
   * The health words (src/gpu/health.ts): set once a loss, or a gradient, moment or updated parameter, was
   * not finite (the optimizer then stops updating), with the first such value's place.
   */
  health: GPUBuffer;
  /**
   * Two slots, each a copy of the parameters and the optimizer state ([params, ...state]), written in turn at
   * the start of each chunk (plain buffer copies): the slot of a failing chunk still holds the state before it,
   * since the chunk after it writes the other slot and no later one is submitted. Empty without value checks.
   */
  kept: GPUBuffer[][];
  predictions: GPUBuffer;
  confusion: GPUBuffer;
}

/** The dispatches of a step by role. */
export interface StepParts {
  forward: Dispatch[];
  loss: Dispatch;
  /** Per layer, last layer first: the weight-gradient product, then (except layer 0) the input-gradient product. */
  backward: Array<{ layer: number; weightGrad: Dispatch; inputGrad?: Dispatch }>;
  update: Dispatch;
}

/** What a step sampled for diagnostics adds to (or swaps in) the plain step; see prepareSampledStep. */
interface StatsHooks {
  /** The logits' statistics, taken before the loss kernel overwrites them with their gradient. */
  logits: Dispatch;
  /** Per hidden layer: its activations and its dLoss/dz, taken as soon as that gradient exists. */
  hidden: Dispatch[];
  /** The optimizer's recording variant: the same update, and the change it made written to `delta`. */
  update: Dispatch;
  /** Every layer's weights, update and weight gradient, and dLoss/dlogits (still in the logits buffer). */
  params: Dispatch;
}

/**
 * One training step, in order; `stats` hooks in the measurements of a sampled step. B is the batch, w[l] the
 * widths (w[0] the pixels, w[L] = C the classes), P the parameter arena's floats.
 */
function stepSequence(p: StepParts, stats?: StatsHooks): Dispatch[] {
  const step: Dispatch[] = [];
  // Forward, layer by layer: hidden[l] (B, w[l+1]) = relu(input W_l^T + b_l), layer 0's input the batch's
  // u8 images read through the permutation; the last layer writes logits (B, C) without ReLU.
  step.push(...p.forward);
  if (stats) step.push(stats.logits); // stats[slot]: the last layer's activations <- logits (B, C)
  // Loss: lossLog[step] = mean cross-entropy; logits (B, C) overwritten by dLoss/dlogits.
  step.push(p.loss);
  // Backward, last layer first: grads[W_l] (w[l+1], w[l]) = dz_l^T input_l and grads[b_l] = column sums of
  // dz_l; then dz_(l-1) (B, w[l]) = (dz_l W_l) * (hidden[l-1] > 0) into the ping-pong buffer dz[(l-1) % 2].
  for (const { layer, weightGrad, inputGrad } of p.backward) {
    step.push(weightGrad);
    if (!inputGrad) continue;
    step.push(inputGrad);
    // stats[slot]: hidden[l-1] and dz_(l-1), before input gradient l - 2 overwrites that ping-pong buffer.
    if (stats) step.push(stats.hidden[layer - 1]);
  }
  // Update: params (P) from grads (P) and the optimizer state; a sampled step also writes delta (P), the change.
  step.push(stats ? stats.update : p.update);
  if (stats) step.push(stats.params); // stats[slot]: W_l, delta_l, grads[W_l] per layer, and dLoss/dlogits
  return step;
}

export interface TrainingGraph {
  buffers: GraphBuffers;
  stepSlots: StepSlots;
  evalSlots: StepSlots;
  /** The step's dispatches in order, and the same by role (for the depth probe). */
  step: Dispatch[];
  parts: StepParts;
  /** Where layer l's output (hidden activation or logits) and its pre-activation gradient live. */
  outputOf: (l: number) => GPUBuffer;
  dzOf: (l: number) => GPUBuffer;
  evalBatch: Dispatch[];
  /** Whether the optimizer checks every value it touches (CreateOptions.checkValues). */
  checkValues: boolean;
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

export async function buildGraph(
  ctx: GpuContext,
  model: Mlp,
  recipe: Recipe,
  train: GpuImageSet,
  test: GpuImageSet,
  stepsPerEpoch: number,
  checkValues = true,
): Promise<TrainingGraph> {
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
      health: f32('health words', HEALTH_WORDS, 'metrics'),
      kept: [],
      predictions: f32('predictions', test.count, 'metrics'),
      confusion: f32('confusion', C * C, 'metrics'),
    };
    ctx.write(buffers.health, healthyWords());
    if (checkValues) buffers.kept = [0, 1].map((slot) => [buffers.params, ...buffers.state].map((b) => f32(`${b.label}, kept before a chunk (slot ${slot})`, floats, 'optimizer')));
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
        ? prepareAdam(ctx, floats, recipe, { params: buffers.params, grads: buffers.grads, m: buffers.state[0], v: buffers.state[1], step, health: buffers.health }, checkValues)
        : prepareSgd(ctx, floats, { params: buffers.params, grads: buffers.grads, momentum: buffers.state[0], step, health: buffers.health }, checkValues);
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
    const parts: StepParts = { forward: fwd, loss: lossDispatch, backward: bwd, update: updateDispatch };
    return {
      buffers,
      stepSlots,
      evalSlots,
      step: stepSequence(parts),
      parts,
      outputOf: output,
      dzOf,
      evalBatch: evalDispatches,
      checkValues,
      evalRows,
      evalBatches,
      allocated,
    };
  } catch (error) {
    for (const buffer of allocated) ctx.destroyBuffer(buffer);
    throw error;
  }
}

/** Statistics dispatches a sampled step adds to the 3L + 1 of a step. */
export const statsDispatches = (layers: number): number => layers + 1;

/** A step sampled for diagnostics, and the statistics buffer it writes; built once per trainer. */
export interface SampledStep {
  step: Dispatch[];
  /** (slots, slotWords) u32: one slot per step of a chunk, each holding every layer (see sampling.ts). */
  stats: GPUBuffer;
  slots: number;
  slotWords: number;
  allocated: GPUBuffer[];
}

/**
 * The sampled step: the graph's step with the statistics hooked in (stepSequence). Allocates the statistics
 * buffer, the update arena `delta` and the job table once; a slot per step a chunk can hold, so any
 * interval fits.
 */
export async function prepareSampledStep(ctx: GpuContext, model: Mlp, recipe: Recipe, graph: TrainingGraph): Promise<SampledStep> {
  const B = recipe.batch;
  const L = model.layers.length;
  const { buffers, outputOf, dzOf } = graph;
  const floats = model.layout.totalFloats;
  const slotWords = L * LAYER_WORDS;
  const slots = graph.stepSlots.capacity;
  const allocated: GPUBuffer[] = [];
  const make = (label: string, bytes: number, usage: GPUBufferUsageFlags, purpose: Parameters<GpuContext['createBuffer']>[3]): GPUBuffer => {
    const buffer = ctx.createBuffer(label, bytes, usage, purpose);
    allocated.push(buffer);
    return buffer;
  };
  try {
    const stats = make('diagnostics statistics', slots * slotWords * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'metrics');
    const delta = make('diagnostics update', floats * 4, GPUBufferUsage.STORAGE, 'metrics');
    const at = (l: number, part: keyof typeof LAYER_PART): number => l * LAYER_WORDS + LAYER_PART[part];
    const tensor = (source: StatsJob['source'], count: number, out: number, cols = 0): StatsJob => ({ source, offset: 0, count, cols, histogram: true, out });
    const weight = (source: StatsJob['source'], l: number, out: number): StatsJob => {
      const w = model.layout.get(model.layers[l].weightName);
      return { source, offset: w.offset, count: w.length, cols: 0, histogram: false, out };
    };
    const logitCount = B * model.outputSize;
    // Each dispatch's jobs, in the order its workgroups take them; `a` and `b` are the layer's buffers.
    const plan: Array<{ label: string; a: GPUBuffer; b: GPUBuffer; count: number; jobs: StatsJob[] }> = [
      { label: 'statistics of the logits', a: buffers.logits, b: buffers.logits, count: logitCount, jobs: [tensor('a', logitCount, at(L - 1, 'activations'))] },
      ...model.hiddenWidths.map((w, l) => ({
        label: `statistics of layer ${l}'s activations and gradient`,
        a: outputOf(l),
        b: dzOf(l),
        count: B * w,
        jobs: [tensor('a', B * w, at(l, 'activations'), w), tensor('b', B * w, at(l, 'gradients'))],
      })),
      {
        label: 'statistics of the weights, updates and weight gradients',
        a: buffers.logits,
        b: buffers.logits,
        count: logitCount,
        jobs: [
          ...model.layers.flatMap((_, l) => [weight('params', l, at(l, 'weights')), weight('delta', l, at(l, 'update')), weight('grads', l, at(l, 'weightGradients'))]),
          tensor('a', logitCount, at(L - 1, 'gradients')),
        ],
      },
    ];
    // One table for every dispatch, each one's jobs starting at a bindable offset.
    const align = ctx.device.limits.minStorageBufferOffsetAlignment / 4;
    const starts: number[] = [];
    let words = 0;
    for (const { jobs } of plan) {
      starts.push(words);
      words += Math.ceil((jobs.length * JOB_WORDS) / align) * align;
    }
    const table = new Uint32Array(words);
    plan.forEach(({ jobs }, i) => table.set(encodeJobs(jobs), starts[i]));
    const jobTable = make('diagnostics jobs', table.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'metrics');
    ctx.write(jobTable, table);

    const step = graph.stepSlots.binding();
    const [logits, ...rest] = await Promise.all([
      ...plan.map(({ label, a, b, count, jobs }, i) =>
        prepareStats(
          ctx,
          slotWords,
          HISTOGRAM_BINS,
          { a: view(a, 0, count), b: view(b, 0, count), params: buffers.params, delta, grads: buffers.grads, jobs: { buffer: jobTable, offset: starts[i] * 4, size: jobs.length * JOB_WORDS * 4 }, stats, step },
          jobs.length,
          label,
        ),
      ),
      recipe.optimizer === 'adam'
        ? prepareAdam(ctx, floats, recipe, { params: buffers.params, grads: buffers.grads, m: buffers.state[0], v: buffers.state[1], step, health: buffers.health, delta }, graph.checkValues)
        : prepareSgd(ctx, floats, { params: buffers.params, grads: buffers.grads, momentum: buffers.state[0], step, health: buffers.health, delta }, graph.checkValues),
    ]);
    const update = rest.pop()!;
    const params = rest.pop()!;
    ctx.check();
    return { step: stepSequence(graph.parts, { logits, hidden: rest, update, params }), stats, slots, slotWords, allocated };
  } catch (error) {
    for (const buffer of allocated) ctx.destroyBuffer(buffer);
    throw error;
  }
}
