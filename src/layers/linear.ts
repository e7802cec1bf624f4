/**
 * A Linear layer, optionally followed by a ReLU fused into its epilogue, and the dispatches it records.
 *
 * Weight W is (out, in) row-major, PyTorch's nn.Linear.weight; forward is Z = X W^T + b (one NT product with
 * bias and ReLU in the epilogue). Backward is two products: dW = dZ^T X with db = column sums of dZ fused in
 * (TN), and, except for the first layer, dX = dZ W masked by the previous layer's ReLU (NN). The first layer
 * reads its input straight from the packed u8 dataset through the batch's permutation, so no gathered copy
 * of the batch exists anywhere.
 */
import type { GpuContext } from '../gpu/context.ts';
import { view, type Dispatch } from '../gpu/dispatch.ts';
import { prepareMatmul } from '../gpu/matmul.ts';
import type { ParamLayout } from './arena.ts';

/** Where a layer's input comes from. */
export type LayerInput =
  | { kind: 'pixels'; pixels: GPUBuffer; strideWords: number; perm: GPUBuffer; step: GPUBufferBinding }
  | { kind: 'activation'; buffer: GPUBuffer };

export interface ArenaBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
}

export class Linear {
  /** Keys in the state_dict of PyTorch's nn.Sequential(Linear, ReLU, Linear, ...): Linear i sits at 2i. */
  readonly weightName: string;
  readonly biasName: string;

  constructor(readonly index: number, readonly fanIn: number, readonly fanOut: number, readonly relu: boolean) {
    this.weightName = `${2 * index}.weight`;
    this.biasName = `${2 * index}.bias`;
  }

  get label(): string {
    return `layer ${this.index} (Linear ${this.fanIn}->${this.fanOut}${this.relu ? ', ReLU' : ''})`;
  }

  /** Z = X W^T + b (then ReLU) for `rows` rows into `output`. */
  prepareForward(ctx: GpuContext, layout: ParamLayout, arena: ArenaBuffers, rows: number, input: LayerInput, output: GPUBuffer, tag: string): Promise<Dispatch> {
    const w = layout.get(this.weightName);
    const b = layout.get(this.biasName);
    const shape = { M: rows, N: this.fanOut, K: this.fanIn, transB: true, bias: true, relu: this.relu };
    const common = {
      b: view(arena.params, w.offset, w.length),
      c: view(output, 0, rows * this.fanOut),
      bias: view(arena.params, b.offset, b.length),
    };
    const label = `${this.label} forward ${tag}`;
    if (input.kind === 'pixels') {
      return prepareMatmul(ctx, { ...shape, aU8Stride: input.strideWords }, { ...common, a: { buffer: input.pixels }, perm: { buffer: input.perm }, step: input.step }, label);
    }
    return prepareMatmul(ctx, shape, { ...common, a: view(input.buffer, 0, rows * this.fanIn) }, label);
  }

  /** dW = dZ^T X and db = sum_rows dZ into the gradient arena. */
  prepareWeightGrad(ctx: GpuContext, layout: ParamLayout, arena: ArenaBuffers, rows: number, input: LayerInput, dz: GPUBuffer): Promise<Dispatch> {
    const w = layout.get(this.weightName);
    const b = layout.get(this.biasName);
    const shape = { M: this.fanOut, N: this.fanIn, K: rows, transA: true, biasGrad: true };
    const common = {
      a: view(dz, 0, rows * this.fanOut),
      c: view(arena.grads, w.offset, w.length),
      bias: view(arena.grads, b.offset, b.length),
    };
    const label = `${this.label} weight gradient`;
    if (input.kind === 'pixels') {
      return prepareMatmul(ctx, { ...shape, bU8Stride: input.strideWords }, { ...common, b: { buffer: input.pixels }, perm: { buffer: input.perm }, step: input.step }, label);
    }
    return prepareMatmul(ctx, shape, { ...common, b: view(input.buffer, 0, rows * this.fanIn) }, label);
  }

  /** dX = (dZ W) * (X > 0): the gradient for the previous layer's pre-activation, through its ReLU. */
  prepareInputGrad(ctx: GpuContext, layout: ParamLayout, arena: ArenaBuffers, rows: number, dz: GPUBuffer, input: GPUBuffer, dx: GPUBuffer): Promise<Dispatch> {
    const w = layout.get(this.weightName);
    return prepareMatmul(
      ctx,
      { M: rows, N: this.fanIn, K: this.fanOut, mask: true },
      {
        a: view(dz, 0, rows * this.fanOut),
        b: view(arena.params, w.offset, w.length),
        c: view(dx, 0, rows * this.fanIn),
        aux: view(input, 0, rows * this.fanIn),
      },
      `${this.label} input gradient`,
    );
  }
}
