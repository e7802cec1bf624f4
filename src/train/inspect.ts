/**
 * Looking inside a model on the GPU: classifying one image (the page's drawing pad), the depth probe
 * (per-layer statistics at initialization) and one step measured again (a diverged run's). All replay the
 * training graph's own dispatches, so what they measure is what training computes.
 */
import type { GpuContext } from '../gpu/context.ts';
import { encode, type Dispatch } from '../gpu/dispatch.ts';
import { prepareMoments } from '../gpu/moments.ts';
import { readBytes } from '../gpu/readback.ts';
import { StepSlots } from '../gpu/step-slots.ts';
import { packPixels } from '../data/batches.ts';
import type { Mlp } from '../layers/mlp.ts';
import type { StepDiagnostics } from './diagnostics.ts';
import type { SampledStep, TrainingGraph } from './graph.ts';
import { readSample } from './sampling.ts';
import type { GpuImageSet } from './gpu-dataset.ts';

export interface Predictor {
  images: GpuImageSet;
  forward: Dispatch[];
  /** What it allocated (its owner frees them). */
  buffers: GPUBuffer[];
}

/** Forward dispatches for one image read from its own one-image upload; hidden buffers are the graph's. */
export async function buildPredictor(ctx: GpuContext, model: Mlp, graph: TrainingGraph, train: GpuImageSet): Promise<Predictor> {
  const stride = train.strideWords;
  const images: GpuImageSet = {
    count: 1,
    imageSize: train.imageSize,
    strideWords: stride,
    pixels: ctx.createStorage('image to classify', new Uint32Array(stride), 'dataset'),
    labels: train.labels,
    perm: ctx.createStorage('image order', new Uint32Array(1), 'dataset'),
  };
  const slots = new StepSlots(ctx, 1, 'predict slot');
  slots.write([{ batchBase: 0, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0 }]);
  const forward = await Promise.all(
    model.layers.map((layer, l) =>
      layer.prepareForward(
        ctx,
        model.layout,
        graph.buffers,
        1,
        l === 0 ? { kind: 'pixels', pixels: images.pixels, strideWords: stride, perm: images.perm, step: slots.binding() } : { kind: 'activation', buffer: graph.buffers.hidden[l - 1] },
        graph.outputOf(l),
        'predict',
      ),
    ),
  );
  return { images, forward, buffers: [images.pixels, images.perm, slots.buffer] };
}

/** Softmax probabilities (float64, on the CPU) of the logits the forward pass gives `pixels`. */
export async function classify(ctx: GpuContext, predictor: Predictor, graph: TrainingGraph, model: Mlp, pixels: Uint8Array): Promise<number[]> {
  ctx.write(predictor.images.pixels, packPixels(pixels, 1, pixels.length).words);
  const encoder = ctx.device.createCommandEncoder({ label: 'predict' });
  const pass = encoder.beginComputePass();
  encode(pass, predictor.forward, 0);
  pass.end();
  ctx.device.queue.submit([encoder.finish()]);
  const logits = new Float32Array(await readBytes(ctx, graph.buffers.logits, 0, model.outputSize * 4));
  const max = Math.max(...logits);
  const exps = Array.from(logits, (z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Standard deviations per layer, first layer first. */
export interface ProbeStats {
  /** Each layer's output: hidden activations after ReLU, then the logits. */
  activationStd: number[];
  /** dLoss/dz, the gradient of each layer's pre-activation. */
  gradientStd: number[];
  weightGradientStd: number[];
}

/**
 * One forward and backward pass (no update) with the mean and standard deviation of every layer's output,
 * pre-activation gradient and weight gradient measured on the GPU (the moments kernel) right after the
 * dispatch that wrote it. Glorot and Bengio (2010) and He et al. (2015) read these to see a signal vanish
 * or explode with depth. `prepareBatch` writes the batch order and step slot and returns the slot's offset.
 */
export async function probeStep(ctx: GpuContext, model: Mlp, graph: TrainingGraph, batch: number, prepareBatch: () => number): Promise<ProbeStats> {
  const L = model.layers.length;
  const { parts, buffers, outputOf, dzOf } = graph;
  const stats = ctx.createBuffer('probe statistics', 3 * L * 2 * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'metrics');
  try {
    const moments = (buffer: GPUBuffer, offset: number, count: number, slot: number, label: string): Promise<Dispatch> =>
      prepareMoments(ctx, buffer, offset, count, stats, slot, label);
    // Slots: outputs 0..L-1, pre-activation gradients L..2L-1, weight gradients 2L..3L-1.
    const list: Array<Dispatch | Promise<Dispatch>> = [];
    model.layers.forEach((layer, l) => list.push(parts.forward[l], moments(outputOf(l), 0, batch * layer.fanOut, l, `${layer.label} output`)));
    list.push(parts.loss, moments(dzOf(L - 1), 0, batch * model.outputSize, 2 * L - 1, 'logit gradient'));
    for (const { layer: l, weightGrad, inputGrad } of parts.backward) {
      const layer = model.layers[l];
      const w = model.layout.get(layer.weightName);
      list.push(weightGrad, moments(buffers.grads, w.offset, w.length, 2 * L + l, `${layer.label} weight gradient`));
      if (inputGrad) list.push(inputGrad, moments(dzOf(l - 1), 0, batch * layer.fanIn, L + l - 1, `layer ${l - 1} gradient`));
    }
    const dispatches = await Promise.all(list);
    const offset = prepareBatch();
    const encoder = ctx.device.createCommandEncoder({ label: 'probe' });
    const pass = encoder.beginComputePass();
    encode(pass, dispatches, offset);
    pass.end();
    ctx.device.queue.submit([encoder.finish()]);
    const values = new Float32Array(await readBytes(ctx, stats, 0, 3 * L * 2 * 4));
    const std = (first: number): number[] => Array.from({ length: L }, (_, l) => values[2 * (first + l) + 1]);
    return { activationStd: std(0), gradientStd: std(L), weightGradientStd: std(2 * L) };
  } finally {
    ctx.destroyBuffer(stats);
  }
}

/**
 * One training step run again as a sampled step (see graph.ts) and its diagnostics read back (slot 0), for
 * a model of `widths`. `prepareBatch` writes the batch order and the step slot and returns the slot's offset;
 * `after` runs once the step is submitted (to put back what prepareBatch replaced).
 */
export async function measureStep(ctx: GpuContext, sampled: SampledStep, widths: readonly number[], step: number, epoch: number, prepareBatch: () => number, after: () => void): Promise<StepDiagnostics> {
  const offset = prepareBatch();
  const encoder = ctx.device.createCommandEncoder({ label: `step ${step} measured again` });
  const pass = encoder.beginComputePass();
  encode(pass, sampled.step, offset);
  pass.end();
  ctx.device.queue.submit([encoder.finish()]);
  after();
  const words = new Uint32Array(await readBytes(ctx, sampled.stats, 0, sampled.slotWords * 4));
  return readSample(words, 0, widths, step, epoch);
}
