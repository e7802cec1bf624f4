/**
 * The parameter arena: every weight and bias of a model in one flat f32 allocation, with named views.
 *
 * Gradients and the optimizer's moments use the same layout in buffers of their own, so the optimizer is one
 * dispatch over the whole arena, the upload is one write and the export one read. Each view starts at a
 * multiple of the device's storage-offset alignment (256 bytes: 64 floats) so it can be bound on its own;
 * the padding between views is zero in every buffer and stays zero under Adam and SGD.
 */

export interface TensorView {
  /** PyTorch state_dict name, e.g. '0.weight'. */
  name: string;
  /** (out, in) for weights, (out) for biases. */
  shape: number[];
  /** Offset in floats from the start of the arena. */
  offset: number;
  length: number;
}

export class ParamLayout {
  readonly views: TensorView[] = [];
  /** Total floats, padding included; a multiple of the alignment. */
  readonly totalFloats: number;

  constructor(tensors: Array<{ name: string; shape: number[] }>, alignFloats = 64) {
    let offset = 0;
    for (const { name, shape } of tensors) {
      const length = shape.reduce((a, b) => a * b, 1);
      this.views.push({ name, shape, offset, length });
      offset += Math.ceil(length / alignFloats) * alignFloats;
    }
    this.totalFloats = offset;
  }

  get(name: string): TensorView {
    const view = this.views.find((v) => v.name === name);
    if (!view) throw new Error(`no parameter named ${name}`);
    return view;
  }

  /** Parameters proper, without padding. */
  get parameterCount(): number {
    return this.views.reduce((sum, v) => sum + v.length, 0);
  }
}
