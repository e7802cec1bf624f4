/**
 * A weight file as the engine imports it: the model is the file's. Its widths come from the tensor shapes
 * PyTorch's nn.Sequential(Linear, ReLU, Linear, ...) writes (0.weight (out, in), 0.bias, 2.weight, ...), so a
 * file saved by PyTorch, without our 'layers' metadata, imports as well as one exported here. They are then
 * checked against the dataset: the first width is the pixels of an image, the last at least the classes (the
 * lesson's deep cell has 512 outputs for 10 classes).
 */
import type { Dataset } from '../data/idx.ts';
import { parseSafetensors, SafetensorsError, type SafetensorsFile } from '../data/safetensors.ts';
import { MAX_WIDTH } from '../layers/mlp.ts';

/** A weight file that cannot be this dataset's model; the message names the file and its shapes. */
export class WeightFileError extends Error {
  override name = 'WeightFileError';
}

const LINEAR_WEIGHT = /^(\d+)\.weight$/;

const shape = (dims: readonly number[]): string => `[${dims.join(', ')}]`;

/** The widths of the MLP the file holds, input first; throws a WeightFileError saying what does not fit. */
export function widthsOfFile(bytes: Uint8Array, name: string, dataset: Dataset): number[] {
  let file: SafetensorsFile;
  try {
    file = parseSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new WeightFileError(`"${name}" is not a valid safetensors file: ${error.message}`);
    throw error;
  }
  const layers = [...file.tensors.keys()].flatMap((key) => {
    const match = LINEAR_WEIGHT.exec(key);
    return match ? [Number(match[1])] : [];
  });
  layers.sort((a, b) => a - b);
  const expected = layers.map((_, i) => 2 * i);
  if (layers.length === 0 || layers.some((index, i) => index !== expected[i])) {
    const found = layers.length ? layers.map((i) => `${i}.weight`).join(', ') : 'none';
    throw new WeightFileError(`"${name}" does not hold an nn.Sequential(Linear, ReLU, Linear, ...) state_dict: expected the weights 0.weight, 2.weight, 4.weight, ... in a row; found ${found}`);
  }
  const weights = layers.map((index) => ({ key: `${index}.weight`, dims: file.tensors.get(`${index}.weight`)!.shape }));
  const widths: number[] = [];
  weights.forEach(({ key, dims }, i) => {
    if (dims.length !== 2 || dims.some((d) => !Number.isInteger(d) || d < 1 || d > MAX_WIDTH)) {
      throw new WeightFileError(`"${name}": ${key} has shape ${shape(dims)}; a Linear weight is (out, in), each from 1 to ${MAX_WIDTH}`);
    }
    const [out, input] = dims;
    if (i === 0) widths.push(input);
    else if (input !== widths[i]) {
      throw new WeightFileError(`"${name}": ${key} has shape ${shape(dims)} but ${weights[i - 1].key} gives ${widths[i]} outputs; each layer's input must be the previous layer's output`);
    }
    widths.push(out);
  });
  const pixels = dataset.train.rows * dataset.train.cols;
  const holds = `"${name}" holds a ${widths.join('-')} model`;
  if (widths[0] !== pixels) {
    throw new WeightFileError(`${holds} (0.weight has shape ${shape(weights[0].dims)}), but the images of ${dataset.name} have ${pixels} pixels (${dataset.train.rows}x${dataset.train.cols}): its first width must be ${pixels}`);
  }
  const last = weights[weights.length - 1];
  if (widths[widths.length - 1] < dataset.numClasses) {
    throw new WeightFileError(`${holds} (${last.key} has shape ${shape(last.dims)}), but ${dataset.name} has ${dataset.numClasses} classes: its last width must be at least ${dataset.numClasses}`);
  }
  return widths;
}
