/**
 * A dataset uploaded once to the GPU: pixels as bytes packed four to a u32 (MNIST's training set is 47 MB
 * this way; as f32 it would be 188 MB) and labels as u32. Several trainers may share one upload (the
 * initialization lab trains seven models on the same images); each trainer owns only its row-order buffer,
 * into which each epoch's shuffle is written. Test images are read through an identity order padded to whole
 * evaluation batches, so training and evaluation share one first-layer kernel.
 */
import type { GpuContext } from '../gpu/context.ts';
import { packPixels } from '../data/batches.ts';
import type { Dataset, ImageSet } from '../data/idx.ts';

export interface GpuImages {
  count: number;
  imageSize: number;
  strideWords: number;
  pixels: GPUBuffer;
  labels: GPUBuffer;
}

/** Images plus the row order one trainer reads them in. */
export interface GpuImageSet extends GpuImages {
  perm: GPUBuffer;
}

export interface GpuDataset {
  train: GpuImages;
  test: GpuImages;
}

/** Uploads the first `count` images of `set` and their labels. */
export function uploadImages(ctx: GpuContext, set: ImageSet, count: number): GpuImages {
  const imageSize = set.rows * set.cols;
  const { words, strideWords } = packPixels(set.pixels.subarray(0, count * imageSize), count, imageSize);
  return {
    count,
    imageSize,
    strideWords,
    pixels: ctx.createStorage(`${set.name} pixels`, words, 'dataset'),
    labels: ctx.createStorage(`${set.name} labels`, Uint32Array.from(set.labels.subarray(0, count)), 'dataset'),
  };
}

/** Uploads a whole dataset (the first `trainLimit` training images when it is above 0). */
export function uploadDataset(ctx: GpuContext, dataset: Dataset, trainLimit = 0): GpuDataset {
  const trainCount = trainLimit > 0 ? Math.min(trainLimit, dataset.train.count) : dataset.train.count;
  const train = uploadImages(ctx, dataset.train, trainCount);
  try {
    return { train, test: uploadImages(ctx, dataset.test, dataset.test.count) };
  } catch (error) {
    freeImages(ctx, train);
    throw error;
  }
}

export function freeImages(ctx: GpuContext, images: GpuImages): void {
  ctx.destroyBuffer(images.pixels);
  ctx.destroyBuffer(images.labels);
}

/** A row-order buffer of `length` entries for `images`: the identity (padded with row 0) or zeros to be written later. */
export function withOrder(ctx: GpuContext, images: GpuImages, length: number, identity: boolean, label: string): GpuImageSet {
  const order = new Uint32Array(length);
  if (identity) order.forEach((_, i) => (order[i] = i < images.count ? i : 0));
  return { ...images, perm: ctx.createStorage(label, order, 'dataset') };
}

/** Bytes of the largest buffer uploadImages makes for `count` images of `set`. */
export function imageSetBytes(set: ImageSet, count: number): number {
  return count * Math.ceil((set.rows * set.cols) / 4) * 4;
}
