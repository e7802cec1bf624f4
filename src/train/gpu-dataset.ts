/**
 * A dataset uploaded once to the GPU for the whole run: pixels as bytes packed four to a u32 (MNIST's
 * training set is 47 MB this way; as f32 it would be 188 MB), labels as u32, and the permutation buffer
 * that each epoch's shuffle is written into. Test images are read through an identity "permutation" padded
 * to whole evaluation batches, so training and evaluation share one first-layer kernel.
 */
import type { GpuContext } from '../gpu/context.ts';
import { packPixels } from '../data/batches.ts';
import type { ImageSet } from '../data/idx.ts';

export interface GpuImageSet {
  count: number;
  imageSize: number;
  strideWords: number;
  pixels: GPUBuffer;
  labels: GPUBuffer;
  /** Row order: written per epoch for training; identity (padded) for evaluation. */
  perm: GPUBuffer;
}

/** Uploads the first `count` images of `set`; `permLength` >= count sizes the permutation buffer. */
export function uploadImageSet(ctx: GpuContext, set: ImageSet, count: number, permLength: number, identity: boolean): GpuImageSet {
  const imageSize = set.rows * set.cols;
  const { words, strideWords } = packPixels(set.pixels.subarray(0, count * imageSize), count, imageSize);
  const perm = new Uint32Array(permLength);
  if (identity) perm.forEach((_, i) => (perm[i] = i < count ? i : 0));
  return {
    count,
    imageSize,
    strideWords,
    pixels: ctx.createStorage(`${set.name} pixels`, words, 'dataset'),
    labels: ctx.createStorage(`${set.name} labels`, Uint32Array.from(set.labels.subarray(0, count)), 'dataset'),
    perm: ctx.createStorage(`${set.name} order`, perm, 'dataset'),
  };
}

/** Bytes of the largest buffer uploadImageSet will create for `count` images of `set`. */
export function imageSetBytes(set: ImageSet, count: number): number {
  return count * Math.ceil((set.rows * set.cols) / 4) * 4;
}
