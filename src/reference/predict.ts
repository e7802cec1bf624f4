/**
 * Class probabilities from trained weights, in float64 on the CPU: the forward pass of the reference kernels
 * (Linear, ReLU between layers) and a softmax. It is what the page runs where WebGPU is missing, and what
 * tests use to say which class an image must get.
 */
import { linearForward } from './kernels.ts';
import type { LayerParams } from './mlp.ts';

/** Softmax of each row of `logits` (rows, C), with each row's max subtracted so exp() stays finite. */
export function softmaxRows(logits: Float64Array, rows: number, C: number): Float64Array {
  const out = new Float64Array(rows * C);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[r * C + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += out[r * C + c] = Math.exp(logits[r * C + c] - max);
    for (let c = 0; c < C; c++) out[r * C + c] /= sum;
  }
  return out;
}

/**
 * Probabilities (count, outputs) for `count` images of u8 pixels (count * inputs values, scaled by 1/255 as
 * in training); outputs may be more than the classes (the lesson's deep cell). Layer l's weight is (out, in)
 * as nn.Linear's; widths are read from the biases.
 */
export function predictProbabilities(params: LayerParams[], pixels: Uint8Array, count: number): Float64Array {
  if (params.length === 0) throw new RangeError('a model needs at least one layer');
  const inputs = params[0].weight.length / params[0].bias.length;
  if (pixels.length !== count * inputs) throw new RangeError(`${count} images of ${inputs} pixels need ${count * inputs} values, got ${pixels.length}`);
  let h: Float64Array = Float64Array.from(pixels, (v) => v / 255);
  let width = inputs;
  params.forEach((p, l) => {
    const out = p.bias.length;
    h = linearForward(h, p.weight, p.bias, count, width, out, l < params.length - 1);
    width = out;
  });
  return softmaxRows(h, count, width);
}
