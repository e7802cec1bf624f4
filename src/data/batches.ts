/**
 * Epoch bookkeeping on the CPU: the seeded shuffle order, how many batches an epoch has, and the packed
 * pixel format that is uploaded to the GPU once (a quarter of the memory of f32 pixels).
 */
import type { Rng } from '../init/rng.ts';
import { DataError } from './idx.ts';

/** A uniformly random permutation of 0..n-1 (Fisher-Yates), fully determined by the generator's state. */
export function permutation(n: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new DataError(`permutation size must be an integer in [0, 4294967295], got ${n}`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Whole batches per epoch; the ragged tail is dropped (PyTorch DataLoader drop_last=True) so every step has the same shape. */
export function batchesPerEpoch(count: number, batch: number): number {
  if (!Number.isInteger(batch) || batch <= 0) {
    throw new DataError(`batch size must be a positive integer, got ${batch} (dataset has ${count} examples)`);
  }
  if (batch > count) {
    throw new DataError(`batch size ${batch} is larger than the ${count} examples, so an epoch would have no batches`);
  }
  return Math.floor(count / batch);
}

/**
 * Packs image bytes four to a u32, little-endian: byte i of an image lands in bits 8*(i%4) of word i/4, and
 * each image starts on a fresh word, so WGSL's unpack4x8unorm(word) gives pixels i..i+3 scaled to [0, 1].
 */
export function packPixels(
  pixels: Uint8Array,
  count: number,
  imageSize: number,
): { words: Uint32Array; strideWords: number } {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(imageSize) || imageSize <= 0) {
    throw new DataError(`packPixels needs a non-negative count and positive image size, got ${count} and ${imageSize}`);
  }
  if (pixels.length !== count * imageSize) {
    throw new DataError(
      `packPixels: ${count} images of ${imageSize} bytes need ${count * imageSize} bytes, got ${pixels.length}`,
    );
  }
  const strideWords = Math.ceil(imageSize / 4);
  const words = new Uint32Array(count * strideWords);
  for (let img = 0; img < count; img++) {
    const src = img * imageSize;
    const dst = img * strideWords;
    for (let i = 0; i < imageSize; i++) {
      // Explicit shifts rather than a Uint32Array view over the bytes: correct on any host byte order and for
      // image sizes that are not a multiple of 4 (padding bytes stay zero).
      words[dst + (i >> 2)] |= pixels[src + i] << ((i & 3) * 8);
    }
  }
  return { words, strideWords };
}
