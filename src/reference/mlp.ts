/**
 * A float64 CPU multilayer perceptron built from the reference kernels: forward, backward and optimizer
 * update written out step by step. It is the oracle for whole GPU training steps, so it favors plain,
 * checkable code over speed.
 *
 * Widths [w0, ..., wL] give L Linear layers with ReLU after all but the last; the last layer emits logits.
 */
import {
  adamStep,
  biasGrad,
  evaluateLogits,
  linearForward,
  matmul,
  reluBackward,
  sgdStep,
  softmaxCrossEntropy,
  type AdamConfig,
  type SgdConfig,
} from './kernels.ts';
import type { Mlp } from '../layers/mlp.ts';

export interface LayerParams {
  /** (out, in) row-major, as nn.Linear.weight. */
  weight: Float64Array;
  /** (out). */
  bias: Float64Array;
}

export type OptimizerConfig = ({ kind: 'adam' } & AdamConfig) | ({ kind: 'sgd' } & SgdConfig);

/** Each layer's weight and bias, in float64, out of a parameter arena laid out by `model` (an Mlp). */
export function paramsFromArena(model: Mlp, arena: Float32Array): LayerParams[] {
  return model.layers.map((layer) => {
    const w = model.layout.get(layer.weightName);
    const b = model.layout.get(layer.biasName);
    return { weight: Float64Array.from(arena.subarray(w.offset, w.offset + w.length)), bias: Float64Array.from(arena.subarray(b.offset, b.offset + b.length)) };
  });
}

/** Per-tensor optimizer state: Adam's first and second moments, or SGD's momentum buffer in `a`. */
interface TensorState {
  a: Float64Array;
  b: Float64Array;
}

function validateOptimizer(opt: OptimizerConfig): void {
  const finite = (name: string, x: number): void => {
    if (!Number.isFinite(x)) throw new RangeError(`optimizer ${name} must be a finite number, got ${x}`);
  };
  finite('lr', opt.lr);
  if (opt.kind === 'adam') {
    finite('beta1', opt.beta1);
    finite('beta2', opt.beta2);
    finite('eps', opt.eps);
    if (opt.beta1 < 0 || opt.beta1 >= 1) throw new RangeError(`Adam beta1 must be in [0, 1), got ${opt.beta1}`);
    if (opt.beta2 < 0 || opt.beta2 >= 1) throw new RangeError(`Adam beta2 must be in [0, 1), got ${opt.beta2}`);
  } else if (opt.kind === 'sgd') {
    finite('momentum', opt.momentum);
  } else {
    throw new TypeError(`unknown optimizer kind ${(opt as { kind: unknown }).kind}`);
  }
}

export class ReferenceMlp {
  readonly widths: number[];
  params: LayerParams[];
  private readonly optimizer: OptimizerConfig;
  private readonly state: { weight: TensorState; bias: TensorState }[];
  /** Number of optimizer steps taken so far; Adam's t for the next step is this plus one. */
  private stepCount = 0;

  constructor(widths: number[], params: LayerParams[], optimizer: OptimizerConfig) {
    if (widths.length < 2) throw new RangeError(`an MLP needs at least two widths, got [${widths.join(', ')}]`);
    for (const w of widths) {
      if (!Number.isInteger(w) || w < 1) throw new RangeError(`widths must be positive integers, got [${widths.join(', ')}]`);
    }
    const layers = widths.length - 1;
    if (params.length !== layers) {
      throw new RangeError(`widths [${widths.join(', ')}] describe ${layers} layers but ${params.length} were given`);
    }
    validateOptimizer(optimizer);
    this.widths = [...widths];
    this.optimizer = { ...optimizer };
    this.params = params.map((p, l) => {
      const fanIn = widths[l];
      const fanOut = widths[l + 1];
      if (p.weight.length !== fanOut * fanIn) {
        throw new RangeError(`layer ${l} weight has ${p.weight.length} values, expected ${fanOut}x${fanIn} (out, in)`);
      }
      if (p.bias.length !== fanOut) {
        throw new RangeError(`layer ${l} bias has ${p.bias.length} values, expected ${fanOut}`);
      }
      return { weight: Float64Array.from(p.weight), bias: Float64Array.from(p.bias) };
    });
    const zeros = (n: number): TensorState => ({ a: new Float64Array(n), b: new Float64Array(n) });
    this.state = this.params.map((p) => ({ weight: zeros(p.weight.length), bias: zeros(p.bias.length) }));
  }

  private get numLayers(): number {
    return this.widths.length - 1;
  }

  /** Forward pass; returns the post-ReLU activations of every hidden layer and the final logits. */
  forward(x: Float64Array, B: number): { hidden: Float64Array[]; logits: Float64Array } {
    if (!Number.isInteger(B) || B < 1) throw new RangeError(`batch size must be a positive integer, got ${B}`);
    if (x.length !== B * this.widths[0]) {
      throw new RangeError(`input has ${x.length} values, expected ${B}x${this.widths[0]}`);
    }
    const hidden: Float64Array[] = [];
    let h = x;
    for (let l = 0; l < this.numLayers; l++) {
      const last = l === this.numLayers - 1;
      h = linearForward(h, this.params[l].weight, this.params[l].bias, B, this.widths[l], this.widths[l + 1], !last);
      if (!last) hidden.push(h);
    }
    return { hidden, logits: h };
  }

  /** Gradients of the mean loss for one batch, without updating. */
  gradients(x: Float64Array, labels: ArrayLike<number>, B: number): { loss: number; grads: LayerParams[] } {
    const { loss, grads } = this.trace(x, labels, B);
    return { loss, grads };
  }

  /**
   * Forward and backward for one batch, without updating, with every intermediate kept: the hidden
   * activations (post-ReLU), the logits, and per layer dz, the gradient of the loss with respect to the
   * layer's pre-activation (B, out) (for the last layer, the logits' gradient).
   */
  trace(x: Float64Array, labels: ArrayLike<number>, B: number): { loss: number; hidden: Float64Array[]; logits: Float64Array; dz: Float64Array[]; grads: LayerParams[] } {
    const { hidden, logits } = this.forward(x, B);
    const C = this.widths[this.numLayers];
    const { loss, dlogits } = softmaxCrossEntropy(logits, labels, B, C);
    const grads: LayerParams[] = new Array(this.numLayers);
    const dzs: Float64Array[] = new Array(this.numLayers);
    let dz = dlogits; // gradient wrt this layer's pre-activation output, (B, out)
    for (let l = this.numLayers - 1; l >= 0; l--) {
      const fanIn = this.widths[l];
      const fanOut = this.widths[l + 1];
      const input = l === 0 ? x : hidden[l - 1];
      dzs[l] = dz;
      // dW (out, in) = dZ^T X: dZ is stored (B, out), so it is op(A) with transA.
      const weight = matmul(dz, input, fanOut, fanIn, B, true, false);
      const bias = biasGrad(dz, B, fanOut);
      grads[l] = { weight, bias };
      if (l > 0) {
        // dX (B, in) = dZ W, then through the previous layer's ReLU using its output as the mask.
        const dx = matmul(dz, this.params[l].weight, B, fanIn, fanOut);
        dz = reluBackward(dx, hidden[l - 1]);
      }
    }
    return { loss, hidden, logits, dz: dzs, grads };
  }

  /** One training step (forward, backward, optimizer update); returns the batch's mean loss. Step counter t increments per call. */
  step(x: Float64Array, labels: ArrayLike<number>, B: number): number {
    const { loss, grads } = this.gradients(x, labels, B);
    this.stepCount++;
    const opt = this.optimizer;
    for (let l = 0; l < this.numLayers; l++) {
      for (const key of ['weight', 'bias'] as const) {
        const p = this.params[l][key];
        const g = grads[l][key];
        const s = this.state[l][key];
        if (opt.kind === 'adam') adamStep(p, g, s.a, s.b, this.stepCount, opt);
        else sgdStep(p, g, s.a, opt);
      }
    }
    return loss;
  }

  evaluate(
    x: Float64Array,
    labels: ArrayLike<number>,
    B: number,
  ): { correct: number; confusion: Float64Array; predictions: Int32Array } {
    const { logits } = this.forward(x, B);
    return evaluateLogits(logits, labels, B, this.widths[this.numLayers]);
  }
}
