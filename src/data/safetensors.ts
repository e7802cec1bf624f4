/**
 * Reader and writer for the safetensors format, usable in both the browser and Node (no node: imports).
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the data buffer.
 * The JSON maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data
 * buffer) and may hold a "__metadata__" object of string to string. Tensors are little-endian, row-major.
 *
 * The parser treats its input as untrusted: every size is checked against the input before anything is
 * allocated or decoded, so a hostile header cannot make it allocate more than the file it was given.
 */

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Element sizes in bytes of the spec's byte-addressable dtypes. Sub-byte types (F4, F6) are not supported. */
const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
  C64: 8,
} as const;

export type Dtype = keyof typeof DTYPE_SIZES;

export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** Byte offsets into `SafetensorsFile.data`, end exclusive. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** The data buffer: a view into the parsed bytes, not a copy. */
  data: Uint8Array;
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The reference implementation refuses headers above 100 MB; so do we by default. */
const DEFAULT_MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZES, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Number of elements of a shape, or null when it passes 2^53 - 1. A float product of safe integers that is
 * still safe is exact, and one whose true value is not safe rounds to an unsafe value, so the check is sound.
 */
function elementCount(shape: number[]): number | null {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const dim of shape) {
    count *= dim;
    if (!Number.isSafeInteger(count)) return null;
  }
  return count;
}

function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape)) throw new SafetensorsError(`${where}: shape must be an array, got ${show(shape)}`);
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new SafetensorsError(
        `${where}: shape ${show(shape)} has a dimension that is not a non-negative safe integer: ${show(dim)}`,
      );
    }
  }
  return shape as number[];
}

/**
 * A header value for an error message, as JSON cut to about 100 characters. Written by hand rather than with
 * JSON.stringify: JSON.parse accepts nesting far deeper than JSON.stringify can recurse (a shape of 5,000
 * nested arrays made the message itself throw a RangeError), and a hostile value can be megabytes long.
 * Every level of nesting writes a character, so the recursion stops within the length limit.
 */
function show(value: unknown, limit = 100): string {
  let out = '';
  const write = (v: unknown): void => {
    if (out.length > limit) return;
    if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length && out.length <= limit; i++) {
        if (i > 0) out += ',';
        write(v[i]);
      }
      out += ']';
    } else if (isPlainObject(v)) {
      out += '{';
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length && out.length <= limit; i++) {
        out += `${i > 0 ? ',' : ''}${JSON.stringify(keys[i].slice(0, limit))}:`;
        write(v[keys[i]]);
      }
      out += '}';
    } else {
      out += typeof v === 'string' ? JSON.stringify(v.slice(0, limit + 1)) : String(v);
    }
  };
  write(value);
  return out.length > limit ? `${out.slice(0, limit - 3)}...` : out;
}

function formatShape(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Parses and validates; never allocates more than the input's size; throws a SafetensorsError that says what was wrong. */
export function parseSafetensors(bytes: Uint8Array, options: { maxHeaderBytes?: number } = {}): SafetensorsFile {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (bytes.length < 8) {
    throw new SafetensorsError(`file is ${bytes.length} bytes, shorter than the 8-byte header length prefix`);
  }
  // Read the length as a BigInt: a hostile 2^63 would lose precision as a Number and must be rejected first.
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(`header length ${headerLength} is larger than the ${bytes.length - 8} bytes after the prefix`);
  }
  if (headerLength > BigInt(maxHeaderBytes)) {
    throw new SafetensorsError(`header length ${headerLength} exceeds the cap of ${maxHeaderBytes} bytes`);
  }
  const n = Number(headerLength);

  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so JSON.parse rejects it as the reference reader does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`header is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(header)) {
    throw new SafetensorsError('header JSON must be an object mapping tensor names to tensor entries');
  }

  const data = bytes.subarray(8 + n);
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};

  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(entry)) throw new SafetensorsError('__metadata__ must be an object of string to string');
      if (Array.isArray(entry.data_offsets)) {
        throw new SafetensorsError('"__metadata__" is reserved for metadata and cannot name a tensor');
      }
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') {
          throw new SafetensorsError(`__metadata__ value for "${key}" must be a string, got ${show(value)}`);
        }
      }
      // fromEntries defines own properties, so a "__proto__" key stays a plain entry.
      metadata = Object.fromEntries(Object.entries(entry)) as Record<string, string>;
      continue;
    }
    const where = `tensor "${name}"`;
    if (!isPlainObject(entry)) throw new SafetensorsError(`${where}: entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (!isDtype(dtype)) throw new SafetensorsError(`${where}: unknown dtype ${show(dtype)}`);
    const dims = checkShape(shape, where);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o))
    ) {
      throw new SafetensorsError(`${where}: data_offsets must be [begin, end] integers, got ${show(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (!(begin >= 0 && begin <= end && end <= data.length)) {
      throw new SafetensorsError(
        `${where}: data_offsets [${begin}, ${end}] out of range for a data buffer of ${data.length} bytes`,
      );
    }
    const count = elementCount(dims);
    const expectedBytes = count === null ? null : count * DTYPE_SIZES[dtype];
    if (expectedBytes === null || !Number.isSafeInteger(expectedBytes)) {
      throw new SafetensorsError(`${where}: shape ${formatShape(dims)} is too large`);
    }
    if (end - begin !== expectedBytes) {
      throw new SafetensorsError(
        `${where}: size mismatch: ${dtype} shape ${formatShape(dims)} needs ${expectedBytes} bytes but data_offsets span ${end - begin}`,
      );
    }
    tensors.set(name, { dtype, shape: dims, begin, end });
  }

  // The regions must tile the data buffer exactly: sorted by start, each begins where the previous ended.
  const regions = [...tensors.entries()].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let cursor = 0;
  for (const [name, info] of regions) {
    if (info.begin < cursor) {
      throw new SafetensorsError(`tensor "${name}" at [${info.begin}, ${info.end}] overlaps the previous tensor ending at ${cursor}`);
    }
    if (info.begin > cursor) {
      throw new SafetensorsError(`gap in the data buffer: bytes [${cursor}, ${info.begin}) before tensor "${name}" belong to no tensor`);
    }
    cursor = info.end;
  }
  if (cursor !== data.length) {
    throw new SafetensorsError(`gap in the data buffer: bytes [${cursor}, ${data.length}) at the end belong to no tensor`);
  }

  return { tensors, metadata, data };
}

/** Reads one F32 tensor as a fresh Float32Array (a copy, so the tensor's alignment in the file never matters). */
export function readF32(file: SafetensorsFile, name: string, expectedShape?: number[]): Float32Array {
  const info = file.tensors.get(name);
  if (!info) throw new SafetensorsError(`tensor "${name}" not found`);
  if (info.dtype !== 'F32') throw new SafetensorsError(`tensor "${name}" has dtype ${info.dtype}, expected F32`);
  if (
    expectedShape &&
    (expectedShape.length !== info.shape.length || expectedShape.some((d, i) => d !== info.shape[i]))
  ) {
    throw new SafetensorsError(
      `tensor "${name}" has shape ${formatShape(info.shape)}, expected ${formatShape(expectedShape)}`,
    );
  }
  const bytes = file.data.subarray(info.begin, info.end);
  const out = new Float32Array(bytes.length / 4);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

/** The multi-index of flat index `i` in a row-major tensor of `shape`: [3, 17]. */
function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

/**
 * Refuses a tensor that holds a value no trained model holds: NaN or an infinity anywhere, and with
 * `nonNegative` (a second moment, Adam's exp_avg_sq) a value below zero. The error names the tensor and the
 * first bad index (flat, and per dimension), so a damaged file is found without a debugger. Denormals and
 * zeros are values like any other.
 */
export function checkValues(name: string, data: Float32Array, shape: readonly number[], nonNegative = false): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v) && (!nonNegative || v >= 0)) continue;
    const what = Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Infinity' : v === -Infinity ? '-Infinity' : `a negative value (${v})`;
    const where = shape.length > 1 ? ` [${unravel(i, shape).join(', ')}]` : '';
    const why = Number.isFinite(v) ? 'a second moment is a mean of squares and is never negative' : 'a model that trained holds only finite numbers';
    throw new SafetensorsError(`tensor "${name}" holds ${what} at index ${i}${where}: ${why}; the file is damaged or was saved from a run that diverged`);
  }
}

/** Writes F32 tensors (in the given order) and string metadata; the header is padded with spaces to 8-byte alignment. */
export function writeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  // Built on a null-prototype object so a tensor named "__proto__" is stored as an ordinary key.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new SafetensorsError(`metadata value for "${key}" must be a string`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '') throw new SafetensorsError('tensor names must be non-empty');
    if (t.name === METADATA_KEY) throw new SafetensorsError('"__metadata__" cannot be used as a tensor name');
    if (Object.prototype.hasOwnProperty.call(header, t.name)) throw new SafetensorsError(`duplicate tensor name "${t.name}"`);
    const dims = checkShape(t.shape, `tensor "${t.name}"`);
    const count = elementCount(dims);
    if (count !== t.data.length) {
      throw new SafetensorsError(
        `tensor "${t.name}": shape ${formatShape(dims)} holds ${count ?? 'too many'} elements but data has ${t.data.length}`,
      );
    }
    header[t.name] = { dtype: 'F32', shape: [...dims], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - ((8 + json.length) % 8)) % 8;
  const headerLength = json.length + padding;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // spaces are JSON whitespace, so readers ignore them

  let pos = 8 + headerLength;
  const view = new DataView(out.buffer);
  for (const t of tensors) {
    if (HOST_IS_LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    } else {
      for (let i = 0; i < t.data.length; i++) view.setFloat32(pos + 4 * i, t.data[i], true);
    }
    pos += t.data.byteLength;
  }
  return out;
}
