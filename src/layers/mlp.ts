/**
 * A multilayer perceptron built from a list of widths: Linear, ReLU, Linear, ReLU, ..., Linear, the layout
 * of PyTorch's nn.Sequential, with every parameter in one arena (see arena.ts). The loss head (softmax
 * cross-entropy) follows the last Linear; its kernel lives in src/gpu/softmax-ce.ts.
 *
 * This file knows shapes and names, not buffers: the trainer binds buffers to the dispatches the layers
 * record.
 */
import { fill, type Initializer } from '../init/initializers.ts';
import { Rng } from '../init/rng.ts';
import { ParamLayout } from './arena.ts';
import { Linear } from './linear.ts';

export class ModelError extends Error {}

/** Largest width accepted; far above anything a browser trains, small enough to keep index math in u32. */
export const MAX_WIDTH = 1 << 20;

export class Mlp {
  readonly layers: Linear[];
  readonly layout: ParamLayout;

  constructor(readonly widths: readonly number[]) {
    if (widths.length < 2) {
      throw new ModelError(`layers needs at least two widths (input and output), got [${widths.join(', ')}]`);
    }
    widths.forEach((w, i) => {
      if (!Number.isInteger(w) || w < 1 || w > MAX_WIDTH) {
        throw new ModelError(`layer width ${i} is ${w}; every width must be an integer from 1 to ${MAX_WIDTH}`);
      }
    });
    this.layers = widths.slice(1).map((out, i) => new Linear(i, widths[i], out, i < widths.length - 2));
    this.layout = new ParamLayout(
      this.layers.flatMap((l) => [
        { name: l.weightName, shape: [l.fanOut, l.fanIn] },
        { name: l.biasName, shape: [l.fanOut] },
      ]),
    );
  }

  get inputSize(): number {
    return this.widths[0];
  }

  get outputSize(): number {
    return this.widths[this.widths.length - 1];
  }

  /** Widths of the hidden layers (whose activations are kept for backward). */
  get hiddenWidths(): number[] {
    return this.widths.slice(1, -1);
  }

  /**
   * Initial parameters in arena layout: each layer's weight then bias, drawn in that order from one seeded
   * stream, so the same seed and widths always give the same model.
   */
  initialize(weightInit: Initializer, biasInit: Initializer, seed: number): Float32Array {
    const rng = new Rng(seed);
    const arena = new Float32Array(this.layout.totalFloats);
    for (const layer of this.layers) {
      const w = this.layout.get(layer.weightName);
      const b = this.layout.get(layer.biasName);
      fill(weightInit, arena.subarray(w.offset, w.offset + w.length), layer.fanIn, layer.fanOut, rng);
      fill(biasInit, arena.subarray(b.offset, b.offset + b.length), layer.fanIn, layer.fanOut, rng);
    }
    return arena;
  }

  /** The arena's tensors by state_dict name, as views into `arena` (weights (out, in), biases (out)). */
  tensors(arena: Float32Array): Array<{ name: string; shape: number[]; data: Float32Array }> {
    return this.layout.views.map((v) => ({ name: v.name, shape: v.shape, data: arena.subarray(v.offset, v.offset + v.length) }));
  }
}
