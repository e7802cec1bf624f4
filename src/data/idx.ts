/**
 * Reading IDX files (the MNIST / Fashion-MNIST container format) into typed views, and checking that images
 * and labels fit together. Runs in browsers and in Node alike: no node: imports, gzip through the standard
 * DecompressionStream. Every failure is a DataError whose message names the file, what was found and what
 * was expected, because a bad download should be diagnosable from the message alone.
 *
 * IDX layout: bytes 0-1 are zero, byte 2 is the element type, byte 3 the number of dimensions, then one
 * big-endian u32 per dimension, then the elements in row-major order. Only unsigned bytes (0x08) are handled.
 */

/** Where a fetched file came from and what came back, when that answer was not the file (see fetch.ts). */
export interface DataSource {
  /** The URL fetched. */
  url: string;
  /** The HTTP status of the answer; null when none came (the network failed, or the browser refused it). */
  status: number | null;
  /** The answer was a web page (content-type text/html, or text starting with '<'), as many static hosts send for a missing file. */
  html: boolean;
  /** Up to the first 16 bytes of the answer, printable ASCII as itself and any other byte as \xNN; '' for none. */
  firstBytes: string;
}

export class DataError extends Error {
  override name = 'DataError';

  /** `source`: for a file fetched over HTTP, the URL and what it answered (a form or element can word its own sentence). */
  constructor(message: string, readonly source: DataSource | null = null) {
    super(message);
  }
}

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface ImageSet {
  name: string;
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes, one image after another, each row-major. */
  pixels: Uint8Array;
  /** count bytes, each in [0, numClasses). */
  labels: Uint8Array;
  numClasses: number;
}

export interface Dataset {
  name: string;
  train: ImageSet;
  test: ImageSet;
  numClasses: number;
}

export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const UBYTE = 0x08;
/** The other type codes of the IDX spec, so a rejection can say what the file actually holds. */
const OTHER_TYPES: Record<number, string> = {
  0x09: 'signed byte',
  0x0b: '16-bit integer',
  0x0c: '32-bit integer',
  0x0d: '32-bit float',
  0x0e: '64-bit float',
};

const hex = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(`${name}: truncated header: the 4-byte IDX magic number needs 4 bytes, file has ${bytes.length}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      `${name}: wrong magic number: expected the first two bytes to be 0x00 0x00, found ${hex(bytes[0])} ${hex(bytes[1])} ` +
        `(not an IDX file${bytes[0] === 0x1f && bytes[1] === 0x8b ? '; it looks gzipped' : ''})`,
    );
  }
  const type = bytes[2];
  if (type !== UBYTE) {
    const what = OTHER_TYPES[type] ?? 'unknown type';
    throw new DataError(
      `${name}: unsupported IDX type code ${hex(type)} (${what}); only ${hex(UBYTE)} (unsigned byte) is supported`,
    );
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) {
    throw new DataError(`${name}: bad number of dimensions ${ndims}; expected 1 to 4`);
  }
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new DataError(
      `${name}: truncated header: ${ndims} dimensions need a ${headerLength}-byte header, file has ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const dims: number[] = [];
  // The product is kept in a double and compared with the file size as it grows: a forged header declaring
  // 0xFFFFFFFF^4 elements is rejected by arithmetic alone, never by trying to allocate it.
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    if (size === 0) {
      throw new DataError(`${name}: dimension ${d} is zero; every dimension must be a positive count`);
    }
    dims.push(size);
    count *= size;
  }
  const available = bytes.length - headerLength;
  const shape = dims.join(' x ');
  if (count > available) {
    throw new DataError(
      `${name}: truncated data: dimensions ${shape} need ${count} data bytes after the ${headerLength}-byte header, ` +
        `found ${available}`,
    );
  }
  if (count < available) {
    throw new DataError(
      `${name}: ${available - count} trailing bytes: dimensions ${shape} need exactly ${count} data bytes after ` +
        `the ${headerLength}-byte header, found ${available}`,
    );
  }
  return { dims, data: bytes.subarray(headerLength, headerLength + count) };
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // Write and read concurrently: awaiting the write first could deadlock on backpressure. A corrupt stream
  // rejects both sides; the reader's error is the one reported, so the writer's is only observed here.
  const writing = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  writing.catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
    await writing;
  } catch (err) {
    throw new DataError(`${name}: corrupt gzip stream (${err instanceof Error ? err.message : String(err)})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export async function readIdx(bytes: Uint8Array, name: string): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
}

export function makeImageSet(images: IdxArray, labels: IdxArray, name: string, numClasses = 10): ImageSet {
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
    throw new DataError(`${name}: numClasses must be an integer in [1, 256] (labels are bytes), got ${numClasses}`);
  }
  if (images.dims.length !== 3) {
    throw new DataError(
      `${name}: images must be 3-D (count, rows, cols), got ${images.dims.length}-D with dimensions ${images.dims.join(' x ')}`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new DataError(
      `${name}: labels must be 1-D (count), got ${labels.dims.length}-D with dimensions ${labels.dims.join(' x ')}`,
    );
  }
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(`${name}: ${count} images but ${labels.dims[0]} labels; the counts must agree`);
  }
  const bad = labels.data.findIndex((label) => label >= numClasses);
  if (bad >= 0) {
    throw new DataError(
      `${name}: label at index ${bad} is ${labels.data[bad]}, outside the allowed range 0..${numClasses - 1}`,
    );
  }
  return { name, count, rows, cols, pixels: images.data, labels: labels.data, numClasses };
}

/** Train and test must share one image size, since the model's input width is fixed by it. */
export function checkSameShape(train: ImageSet, test: ImageSet): void {
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `${train.name} images are ${train.rows}x${train.cols} but ${test.name} images are ${test.rows}x${test.cols}; ` +
        'train and test must have the same image size',
    );
  }
}

/** A file as the page hands it over: its name (a path's folders are ignored) and its bytes. */
export interface NamedFile {
  name: string;
  bytes: Uint8Array;
}

const ROLES = [
  ['trainImages', IDX_FILE_NAMES.trainImages],
  ['trainLabels', IDX_FILE_NAMES.trainLabels],
  ['testImages', IDX_FILE_NAMES.testImages],
  ['testLabels', IDX_FILE_NAMES.testLabels],
] as const;

/**
 * A dataset from its four IDX files, told apart by name (IDX_FILE_NAMES, each plain or ending in .gz), as a
 * user picks them from disk. Throws a DataError naming the files that are not the dataset's, missing or
 * given twice, or whose contents are wrong.
 */
export async function datasetFromFiles(files: NamedFile[], name: string, numClasses = 10): Promise<Dataset> {
  const expected = `expected the four IDX files ${ROLES.map(([, file]) => file).join(', ')} (each plain or .gz)`;
  const found = new Map<(typeof ROLES)[number][0], NamedFile>();
  const unknown: string[] = [];
  for (const file of files) {
    const base = file.name.split(/[\\/]/).pop() ?? file.name;
    const role = ROLES.find(([, idx]) => base === idx || base === `${idx}.gz`)?.[0];
    if (!role) {
      unknown.push(`"${base}"`);
    } else if (found.has(role)) {
      throw new DataError(`"${base}" and "${found.get(role)!.name.split(/[\\/]/).pop()}" are the same file of the dataset; give only one of them`);
    } else {
      // Keep the name as given (a path, say), so a message about its contents says where it came from.
      found.set(role, file);
    }
  }
  if (unknown.length > 0) {
    throw new DataError(`${unknown.join(', ')} ${unknown.length === 1 ? 'is not a file' : 'are not files'} of an IDX dataset: ${expected}`);
  }
  const missing = ROLES.filter(([role]) => !found.has(role)).map(([, file]) => file);
  if (missing.length > 0) {
    throw new DataError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: ${expected}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ROLES.map(([role]) => {
      const file = found.get(role)!;
      return readIdx(file.bytes, file.name);
    }),
  );
  const train = makeImageSet(trainImages, trainLabels, `${name} train`, numClasses);
  const test = makeImageSet(testImages, testLabels, `${name} test`, numClasses);
  checkSameShape(train, test);
  return { name, train, test, numClasses };
}
