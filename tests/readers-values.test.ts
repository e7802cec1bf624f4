// What the weight and checkpoint readers refuse in the values and counters of a well-formed file (issue 11):
// NaN and infinities anywhere, a negative second moment, counters beyond the recipe or inconsistent with each
// other; each refusal names the tensor and its first bad index, or the counter. Denormals, zeros and negative
// weights or first moments are read as they are. CPU only.
import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '../src/data/safetensors.ts';
import { weightsFromSafetensors, weightsToSafetensors } from '../src/index.ts';
import { Mlp } from '../src/layers/mlp.ts';
import { checkpointFromSafetensors, checkpointToSafetensors } from '../src/train/checkpoint.ts';
import { RECIPES } from '../src/train/recipe.ts';
import type { TrainingState } from '../src/train/trainer.ts';

const model = new Mlp([784, 8, 10]);
const floats = model.layout.totalFloats;
const filled = (value: number) => new Float32Array(floats).fill(value);

function state(change: Partial<TrainingState> = {}): TrainingState {
  return {
    recipe: { ...RECIPES.mlp, layers: [784, 8, 10] },
    params: filled(0.01),
    optimizer: [filled(-0.001), filled(1e-6)],
    epoch: 2,
    step: 20,
    rng: { s: [1, 2, 3, 4], spareNormal: null },
    partialEpoch: null,
    ...change,
  };
}

/** A copy of `arena` with the element at `index` of the view named `name` set to `value`. */
function poke(arena: Float32Array, name: string, index: number, value: number): Float32Array {
  const out = arena.slice();
  out[model.layout.get(name).offset + index] = value;
  return out;
}

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    return (error as Error).message;
  }
  throw new Error('read, not refused');
}

describe('weights with values no trained model holds', () => {
  it.each([
    [NaN, 'NaN'],
    [Infinity, '+Infinity'],
    [-Infinity, '-Infinity'],
  ])('refuses %s in 0.weight, naming the tensor and the first bad index', (value, word) => {
    // Index 1234 of a (8, 784) weight is row 1, column 450.
    const bytes = weightsToSafetensors(model, poke(poke(filled(0.01), '0.weight', 1234, value), '0.weight', 2000, value));
    expect(refusal(() => weightsFromSafetensors(model, bytes))).toBe(
      `tensor "0.weight" holds ${word} at index 1234 [1, 450]: a model that trained holds only finite numbers; the file is damaged or was saved from a run that diverged`,
    );
  });

  it('reads denormals, zeros and negative weights as they are', () => {
    const arena = poke(poke(poke(filled(0.01), '0.weight', 3, 1e-40), '2.bias', 9, 0), '2.weight', 0, -5);
    const read = weightsFromSafetensors(model, weightsToSafetensors(model, arena));
    expect(read[model.layout.get('0.weight').offset + 3]).toBe(Math.fround(1e-40));
    expect(read[model.layout.get('2.weight').offset]).toBe(-5);
  });
});

describe('checkpoints with values no training state holds', () => {
  it('refuses +Infinity in an Adam second moment, by its name in torch.optim terms', () => {
    const bytes = checkpointToSafetensors(state({ optimizer: [filled(0), poke(filled(1e-6), '2.weight', 17, Infinity)] }));
    expect(refusal(() => checkpointFromSafetensors(bytes))).toMatch(/^tensor "optimizer\.exp_avg_sq\.2\.weight" holds \+Infinity at index 17 \[2, 1\]/);
  });

  it('refuses a negative second moment, saying why it cannot be', () => {
    const bytes = checkpointToSafetensors(state({ optimizer: [filled(0), poke(filled(1e-6), '0.bias', 5, -0.25)] }));
    expect(refusal(() => checkpointFromSafetensors(bytes))).toBe(
      'tensor "optimizer.exp_avg_sq.0.bias" holds a negative value (-0.25) at index 5: a second moment is a mean of squares and is never negative; the file is damaged or was saved from a run that diverged',
    );
  });

  it('refuses NaN in the parameters and in a partial epoch\'s losses', () => {
    expect(refusal(() => checkpointFromSafetensors(checkpointToSafetensors(state({ params: poke(filled(0.01), '2.bias', 3, NaN) }))))).toMatch(/^tensor "2\.bias" holds NaN at index 3:/);
    const partial = { epoch: 3, done: 4, losses: Float32Array.of(2.3, NaN, 2.1, 2.0), seconds: 1 };
    expect(refusal(() => checkpointFromSafetensors(checkpointToSafetensors(state({ step: 24, partialEpoch: partial }))))).toMatch(/^tensor "trainer\.partial_epoch_losses" holds NaN at index 1:/);
  });

  it('reads negative first moments and momentum buffers, and denormal second moments', () => {
    const read = checkpointFromSafetensors(checkpointToSafetensors(state({ optimizer: [filled(-0.5), filled(1e-42)] })));
    expect(read.optimizer[0][0]).toBe(-0.5);
    expect(read.optimizer[1][0]).toBe(Math.fround(1e-42));
    const sgd = state({ recipe: { ...RECIPES.mlp, layers: [784, 8, 10], optimizer: 'sgd', momentum: 0.9 }, optimizer: [filled(-3)] });
    expect(checkpointFromSafetensors(checkpointToSafetensors(sgd)).optimizer[0][0]).toBe(-3);
  });
});

describe('checkpoint counters', () => {
  /** The checkpoint of `base` with its metadata changed. */
  function withMetadata(base: TrainingState, change: Record<string, string>): Uint8Array {
    const bytes = checkpointToSafetensors(base);
    const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as { __metadata__: Record<string, string> };
    Object.assign(header.__metadata__, change);
    const text = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + text.length + bytes.length - 8 - length);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    out.set(bytes.subarray(8 + length), 8 + text.length);
    return out;
  }

  it.each([
    [{ epoch: '99999999999999999999' }, 'checkpoint metadata "epoch" is 99999999999999999999, beyond the 15 epochs of its recipe'],
    [{ epoch: '16' }, 'checkpoint metadata "epoch" is 16, beyond the 15 epochs of its recipe'],
    [{ step: '1' }, 'checkpoint metadata "step" is 1, fewer than the 2 epochs it says are done'],
    [{ step: '-1' }, 'checkpoint metadata "step" must be a non-negative integer, got "-1"'],
    [{ partial_epoch: '{"epoch":1,"done":4,"seconds":1}' }, 'checkpoint metadata "partial_epoch" is epoch 1, but the next epoch after 2 is 3'],
  ])('refuses %j', (change, message) => {
    const partial = 'partial_epoch' in change ? { epoch: 3, done: 4, losses: Float32Array.of(2.3, 2.2, 2.1, 2.0), seconds: 1 } : null;
    expect(refusal(() => checkpointFromSafetensors(withMetadata(state({ step: partial ? 24 : 20, partialEpoch: partial }), change)))).toBe(message);
  });

  it('refuses a partial epoch beyond the recipe, or begun with no step', () => {
    const last = state({ recipe: { ...RECIPES.mlp, layers: [784, 8, 10], epochs: 2 }, step: 21, partialEpoch: { epoch: 3, done: 1, losses: Float32Array.of(2), seconds: 1 } });
    expect(refusal(() => checkpointFromSafetensors(checkpointToSafetensors(last)))).toBe(
      'checkpoint metadata "partial_epoch" must be an epoch of the recipe (1 to 2) begun with at least one step, got epoch 3 with 1 steps',
    );
  });

  it('reads consistent counters back as they were', () => {
    const partial = { epoch: 3, done: 4, losses: Float32Array.of(2.3, 2.2, 2.1, 2.0), seconds: 1.5 };
    const read = checkpointFromSafetensors(checkpointToSafetensors(state({ step: 24, partialEpoch: partial })));
    expect([read.epoch, read.step, read.partialEpoch?.epoch, read.partialEpoch?.done]).toEqual([2, 24, 3, 4]);
  });
});
