/**
 * IDX test data the tests share: a file built from its dimensions and bytes, and a tiny learnable image set.
 */
import { makeImageSet, type Dataset } from '../src/data/idx.ts';

/** An IDX file: magic (two zero bytes, type code, number of dimensions), big-endian dimensions, then data. */
export function idxFile(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = type;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** `count` 28x28 images whose label (i % 10) is the band of rows they light up, and their labels. */
export function bandImages(count: number): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * 784);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  labels.forEach((label, i) => images.fill(255, i * 784 + label * 56 + 28, i * 784 + label * 56 + 84));
  return { images, labels };
}

/** A dataset of band images: `train` training and `test` test images. */
export function bandDataset(train: number, test: number): Dataset {
  const set = (count: number, name: string) => {
    const { images, labels } = bandImages(count);
    return makeImageSet({ dims: [count, 28, 28], data: images }, { dims: [count], data: labels }, name);
  };
  return { name: 'bands', train: set(train, 'bands train'), test: set(test, 'bands test'), numClasses: 10 };
}
