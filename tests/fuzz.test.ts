/**
 * Fuzzing the two file readers that take bytes from outside: IDX (readIdx / parseIdx, gzip included) and
 * safetensors (parseSafetensors, and through it weightsFromSafetensors and checkpointFromSafetensors).
 *
 * Every input is a seeded mutation of a small valid file (or random bytes), drawn from src/init/rng.ts, so a
 * failure reproduces exactly. Each input must either be read and then be self-consistent, or be rejected with
 * the reader's own error class and a non-empty message: never a TypeError, a RangeError, a hang or a huge
 * allocation. Where a mutation's outcome is certain (a truncated file, a zero dimension, an unknown dtype, an
 * untouched file) the outcome itself is asserted too.
 *
 * Time bounds: each synchronous call must finish within 50 ms (the inputs are at most a few hundred
 * kilobytes; the slowest, 20,000-deep nested JSON, takes ~15-25 ms on a loaded machine); a gzipped IDX input
 * within 250 ms, since DecompressionStream runs on Node's thread pool and waits its turn there (typically
 * under 1 ms, but 50 ms spikes were seen on a loaded machine), and it is also raced against a 2 s timer so
 * that a hang fails with the input's description instead of stalling the run; each reader's whole run
 * (>= 5,000 inputs) must finish within 15 s.
 *
 * Error classes allowed:
 *   readIdx, parseIdx, makeImageSet       DataError
 *   parseSafetensors                       SafetensorsError
 *   weightsFromSafetensors                 SafetensorsError (it only parses and calls readF32)
 *   checkpointFromSafetensors              SafetensorsError, and ConfigError from validateRecipe on the
 *                                          recipe in the metadata. InitializerError and ModelError are not
 *                                          allowed: validateRecipe turns the first into a ConfigError and
 *                                          checks every width before Mlp sees it, so neither can escape.
 * The tests at the end pin checkpoint inputs that once escaped with a TypeError or RangeError (a null
 * recipe, widths that would allocate gigabytes, deep nesting, a non-text initializer).
 *
 * Values too: one float of a weights file or checkpoint set to NaN, an infinity, a denormal or a negative
 * number. The loaders must refuse NaN and infinities anywhere they read, and a negative Adam second moment,
 * naming the tensor; they must read the rest (tests/readers-values.test.ts pins the messages).
 */
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, isGzip, makeImageSet, readIdx, type IdxArray } from '../src/data/idx.ts';
import { parseSafetensors, readF32, SafetensorsError, writeSafetensors, type Dtype, type SafetensorsFile } from '../src/data/safetensors.ts';
import { weightsFromSafetensors, weightsToSafetensors } from '../src/index.ts';
import { Rng } from '../src/init/rng.ts';
import { Mlp } from '../src/layers/mlp.ts';
import { checkpointFromSafetensors, checkpointToSafetensors } from '../src/train/checkpoint.ts';
import { ConfigError, RECIPES, validateRecipe, type Recipe } from '../src/train/recipe.ts';
import type { TrainingState } from '../src/train/trainer.ts';
import { idxFile } from './idx-fixtures.ts';

const PER_INPUT_MS = 50;
/** Gzipped IDX inputs are decompressed on Node's thread pool, whose latency on a loaded machine is not the reader's. */
const GZIP_PER_INPUT_MS = 250;
const HANG_MS = 2000;
const TOTAL_MS = 15_000;
const IDX_INPUTS = 6000;
const SAFETENSORS_INPUTS = 6000;

type Expect = 'ok' | 'reject' | 'any';

interface Outcome {
  reader: string;
  kind: string;
  ms: number;
  ok: boolean;
  message?: string;
}

const outcomes: Outcome[] = [];

/** A small random source with the helpers the generators need. */
class Draw {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }
  int(n: number): number {
    return this.rng.nextInt(n);
  }
  between(lo: number, hi: number): number {
    return lo + this.rng.nextInt(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.rng.nextFloat() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.nextInt(xs.length)];
  }
  u32(): number {
    return this.rng.nextUint32();
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.rng.nextInt(256);
    return out;
  }
  floats(n: number): Float32Array {
    return Float32Array.from({ length: n }, () => this.rng.nextFloat() * 2 - 1);
  }
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Messages with their numbers and quoted names folded, so that rejections of one kind count together. */
const normalize = (message: string): string =>
  message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/0x[0-9a-f]+/gi, '0x…')
    .replace(/(?<![A-Za-z-])-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N')
    .slice(0, 140);

/** One timed call: its value or error, and how long it took; a promise is raced against the hang timer. */
async function timed<T>(call: () => T | Promise<T>): Promise<{ value?: Awaited<T>; error?: unknown; ms: number }> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = call();
    const value =
      result instanceof Promise
        ? await Promise.race([
            result,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`HANG: no answer within ${HANG_MS} ms`)), HANG_MS);
            }),
          ])
        : (result as Awaited<T>);
    return { value, ms: performance.now() - start };
  } catch (error) {
    return { error: error ?? new Error('threw a nullish value'), ms: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

let retimed = 0;

/**
 * Runs one call and checks the outcome's class, message, expectation and time. The calls are deterministic,
 * so one over the bound is timed twice more and judged by its fastest run: the bound is there to catch
 * quadratic work and hangs, not a garbage collection or the scheduler of a loaded two-core machine.
 */
async function attempt<T>(
  reader: string,
  kind: string,
  expected: Expect,
  allowed: Array<abstract new (...args: never[]) => Error>,
  call: () => T | Promise<T>,
  check: (value: Awaited<T>) => void,
  boundMs = PER_INPUT_MS,
): Promise<void> {
  const where = `${reader} input "${kind}"`;
  const first = await timed(call);
  const { value, error } = first;
  let ms = first.ms;
  for (let retry = 0; retry < 2 && ms >= boundMs; retry++) {
    if (retry === 0) retimed++;
    ms = Math.min(ms, (await timed(call)).ms);
  }
  if (error === undefined) {
    outcomes.push({ reader, kind, ms, ok: true });
    if (expected === 'reject') throw new Error(`${where} should have been rejected but was read`);
    check(value as Awaited<T>);
  } else {
    const e = error as Error;
    if (!allowed.some((cls) => error instanceof cls)) {
      throw new Error(`${where} threw ${e?.name ?? typeof error} (${String(e?.message ?? error).slice(0, 200)}); allowed: ${allowed.map((c) => c.name).join(', ')}`);
    }
    expect(typeof e.message === 'string' && e.message.trim().length > 0, `${where}: empty message`).toBe(true);
    outcomes.push({ reader, kind, ms, ok: false, message: e.message });
    if (expected === 'ok') throw new Error(`${where} should have been read but was rejected: ${e.message}`);
  }
  expect(ms, `${where} took ${ms.toFixed(1)} ms (fastest of 3 runs)`).toBeLessThan(boundMs);
}

// ---------------------------------------------------------------------------------------------------- IDX


interface IdxInput {
  kind: string;
  bytes: Uint8Array;
  expected: Expect;
  /** For untouched files: what must come back. */
  want?: { dims: number[]; data: Uint8Array };
}

const HUGE_DIMS = [0xffffffff, 0x80000000, 0x7fffffff, 0x10000, 0x100000];

function idxInput(d: Draw): IdxInput {
  const shape = d.pick(['images', 'labels', '2-D', '4-D'] as const);
  const n = d.between(1, 4);
  const dims =
    shape === 'images' ? [n, d.between(1, 6), d.between(1, 6)] : shape === 'labels' ? [n] : shape === '2-D' ? [n, d.between(1, 8)] : [n, 2, d.between(1, 3), d.between(1, 3)];
  const count = dims.reduce((a, b) => a * b, 1);
  const data = shape === 'labels' ? Uint8Array.from({ length: n }, () => d.int(d.chance(0.9) ? 10 : 256)) : d.bytes(count);
  const base = idxFile(dims, data);
  const headerLength = 4 + 4 * dims.length;
  const name = (kind: string) => `${shape} ${dims.join('x')}: ${kind}`;

  const plain = (): IdxInput => {
    const m = d.int(15);
    switch (m) {
      case 0:
        return { kind: name('untouched'), bytes: base, expected: 'ok', want: { dims, data } };
      case 1: {
        // Truncation at every kind of boundary: inside the magic, at and around each dimension, inside the data.
        const cuts = [0, 1, 2, 3, 4, headerLength - 1, headerLength, headerLength + 1, headerLength + (count >> 1), base.length - 1];
        for (let k = 1; k < dims.length; k++) cuts.push(4 + 4 * k, 4 + 4 * k + 2);
        const cut = Math.min(d.pick(cuts), base.length - 1);
        return { kind: name(`truncated to ${cut} of ${base.length} bytes`), bytes: base.slice(0, cut), expected: 'reject' };
      }
      case 2: {
        const out = base.slice();
        const at = d.int(headerLength);
        out[at] ^= 1 << d.int(8);
        return { kind: name(`bit flipped in header byte ${at}`), bytes: out, expected: 'any' };
      }
      case 3: {
        const out = base.slice();
        const at = d.int(headerLength);
        out[at] = d.int(256);
        return { kind: name(`random header byte ${at}`), bytes: out, expected: 'any' };
      }
      case 4: {
        const out = base.slice();
        const k = d.int(dims.length);
        const v = d.pick(HUGE_DIMS);
        new DataView(out.buffer).setUint32(4 + 4 * k, v, false);
        return { kind: name(`dimension ${k} set to ${v}`), bytes: out, expected: 'reject' };
      }
      case 5: {
        // Every dimension 0xFFFFFFFF: a product past 2^53 that must be refused by arithmetic, not allocation.
        const huge = idxFile(dims.map(() => 0xffffffff), d.bytes(d.int(64)));
        return { kind: name('all dimensions 0xFFFFFFFF'), bytes: huge, expected: 'reject' };
      }
      case 6: {
        const out = base.slice();
        const k = d.int(dims.length);
        new DataView(out.buffer).setUint32(4 + 4 * k, 0, false);
        return { kind: name(`dimension ${k} zero`), bytes: out, expected: 'reject' };
      }
      case 7: {
        const out = base.slice();
        out[3] = d.pick([0, 5, 255, d.int(256)]);
        return { kind: name(`ndims ${out[3]}`), bytes: out, expected: out[3] === dims.length ? 'ok' : 'any' };
      }
      case 8: {
        const out = base.slice();
        out[3] = d.pick([0, 5, 255]);
        return { kind: name(`ndims ${out[3]}`), bytes: out, expected: 'reject' };
      }
      case 9: {
        const out = base.slice();
        out[2] = d.pick([0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0xff, 0x07, d.int(256)]);
        return { kind: name(`type code 0x${out[2].toString(16)}`), bytes: out, expected: out[2] === 0x08 ? 'ok' : 'reject' };
      }
      case 10: {
        const extra = d.between(1, 16);
        return { kind: name(`${extra} trailing bytes`), bytes: concat(base, d.bytes(extra)), expected: 'reject' };
      }
      case 11: {
        const len = d.int(96);
        return { kind: `random ${len} bytes`, bytes: d.bytes(len), expected: 'any' };
      }
      case 12: {
        // Random bytes behind a plausible magic number.
        const nd = d.between(1, 4);
        return { kind: `magic 00 00 08 ${nd} then random`, bytes: concat(new Uint8Array([0, 0, 8, nd]), d.bytes(d.int(64))), expected: 'any' };
      }
      case 13: {
        const out = base.slice();
        if (count > 0) out[headerLength + d.int(count)] ^= 0xff;
        return { kind: name('data byte changed'), bytes: out, expected: 'ok', want: { dims, data: out.subarray(headerLength) } };
      }
      default: {
        const out = base.slice();
        const flips = d.between(1, 4);
        for (let i = 0; i < flips; i++) out[d.int(out.length)] ^= 1 << d.int(8);
        return { kind: name(`${flips} random bit flips`), bytes: out, expected: 'any' };
      }
    }
  };

  const roll = d.int(10);
  if (roll < 6) return plain();
  if (roll < 8) {
    // A mutated file, gzipped: the same verdict must come out of the gzip path.
    const inner = plain();
    return { ...inner, kind: `gzip(${inner.kind})`, bytes: gzipSync(inner.bytes) };
  }
  // Damage to the gzip stream itself.
  const gz = gzipSync(base);
  switch (d.int(8)) {
    case 0: {
      const cut = d.pick([2, 3, 9, 10, 11, gz.length - 8, gz.length - 4, gz.length - 1, 2 + d.int(gz.length - 2)]);
      return { kind: name(`gzip truncated to ${cut} of ${gz.length}`), bytes: gz.slice(0, cut), expected: 'reject' };
    }
    case 1: {
      const out = gz.slice();
      const at = d.between(10, gz.length - 9);
      out[at] ^= 1 << d.int(8);
      return { kind: name(`gzip deflate body bit flip at ${at}`), bytes: out, expected: 'any' };
    }
    case 2: {
      const out = gz.slice();
      const at = d.between(2, 9);
      out[at] = d.int(256);
      return { kind: name(`gzip header byte ${at} random`), bytes: out, expected: 'any' };
    }
    case 3: {
      const out = gz.slice();
      const at = gz.length - 1 - d.int(8);
      out[at] ^= 1 << d.int(8);
      return { kind: name('gzip CRC/size trailer bit flip'), bytes: out, expected: 'reject' };
    }
    case 4:
      return { kind: name('gzip with trailing garbage'), bytes: concat(gz, d.bytes(d.between(1, 12))), expected: 'any' };
    case 5:
      // Two members: a valid gzip whose content is the file twice, so the IDX layer must see trailing bytes.
      return { kind: name('two gzip members'), bytes: concat(gz, gz), expected: 'reject' };
    case 6:
      return { kind: 'gzip magic then random', bytes: concat(new Uint8Array([0x1f, 0x8b]), d.bytes(d.int(48))), expected: 'any' };
    default:
      return { kind: name('gzip untouched'), bytes: gz, expected: 'ok', want: { dims, data } };
  }
}

function checkIdx(input: IdxInput, result: IdxArray): void {
  const where = `idx input "${input.kind}"`;
  expect(result.dims.length, where).toBeGreaterThanOrEqual(1);
  expect(result.dims.length, where).toBeLessThanOrEqual(4);
  for (const dim of result.dims) expect(Number.isInteger(dim) && dim >= 1 && dim <= 0xffffffff, where).toBe(true);
  expect(result.data.length, where).toBe(result.dims.reduce((a, b) => a * b, 1));
  if (input.bytes[0] !== 0x1f) {
    // Not gzipped: the data is a view of the input just past the header, not a copy.
    expect(result.data.buffer, where).toBe(input.bytes.buffer);
    expect(result.data.byteOffset - input.bytes.byteOffset, where).toBe(4 + 4 * result.dims.length);
    expect(4 + 4 * result.dims.length + result.data.length, where).toBe(input.bytes.length);
  }
  if (input.want) {
    expect(result.dims, where).toEqual(input.want.dims);
    expect(Buffer.from(result.data).equals(Buffer.from(input.want.data)), where).toBe(true);
  }
}

// ------------------------------------------------------------------------------------------- safetensors

const MODEL_WIDTHS = [6, 5, 3];
const model = new Mlp(MODEL_WIDTHS);
const DTYPES: Dtype[] = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'I64', 'U64', 'F64', 'C64'];
const DTYPE_BYTES: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8, C64: 8 };

interface StInput {
  kind: string;
  bytes: Uint8Array;
  expected: Expect;
  /** Expectation for weightsFromSafetensors and checkpointFromSafetensors when it is certain. */
  weights?: Float32Array;
  checkpoint?: TrainingState;
  /** One value of tensor `name` changed: what each loader must do (a refusal names the tensor). */
  values?: { name: string; weights: Expect; checkpoint: Expect };
}

/** Splits a file into its header text and data; only used on files this test wrote. */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

/** Builds a file from header text (bytes, so invalid UTF-8 can go in) and data; the length prefix is the header's own unless given. */
function assemble(header: string | Uint8Array, data: Uint8Array, options: { pad?: boolean; length?: bigint } = {}): Uint8Array {
  let json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  if (options.pad ?? true) {
    const padding = (8 - (json.length % 8)) % 8;
    json = concat(json, new Uint8Array(padding).fill(0x20));
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, options.length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** JSON.stringify with raw text substituted for placeholders (numbers JSON.stringify cannot write, deep nesting). */
function stringify(header: Record<string, unknown>, raws: string[]): string {
  let text = JSON.stringify(header);
  raws.forEach((raw, i) => {
    text = text.replace(`"@@RAW${i}@@"`, raw);
  });
  return text;
}

const nested = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);
const DEPTHS = [10, 1000, 5000, 20000];

function trainingState(d: Draw): TrainingState {
  const optimizer = d.pick(['adam', 'sgd'] as const);
  const recipe: Recipe = { ...RECIPES.mlp, layers: [...MODEL_WIDTHS], optimizer, momentum: optimizer === 'sgd' ? 0.9 : 0 };
  const floats = model.layout.totalFloats;
  const done = d.chance(0.5) ? d.between(1, 5) : 0;
  const epoch = d.int(5);
  // Counters as a run of 10 steps an epoch writes them; Adam's second moment is never negative.
  return {
    recipe,
    params: d.floats(floats),
    optimizer: Array.from({ length: optimizer === 'adam' ? 2 : 1 }, (_, i) => (i === 1 ? d.floats(floats).map(Math.abs) : d.floats(floats))),
    epoch,
    step: epoch * 10 + done,
    rng: { s: [d.u32(), d.u32(), d.u32(), d.u32()], spareNormal: d.chance(0.5) ? null : 0.25 },
    partialEpoch: done ? { epoch: epoch + 1, done, losses: d.floats(done), seconds: 1.5 } : null,
  };
}

/** Padding floats between the arena's views are not stored, so only the views are compared. */
function arenaViewsEqual(a: Float32Array, b: Float32Array): boolean {
  return model.layout.views.every((v) => Buffer.from(a.buffer, a.byteOffset + 4 * v.offset, 4 * v.length).equals(Buffer.from(b.buffer, b.byteOffset + 4 * v.offset, 4 * v.length)));
}

function stInput(d: Draw): StInput {
  // Base: a generic file, a weights file of the small model, or a training checkpoint of it.
  const baseKind = d.pick(['generic', 'weights', 'checkpoint'] as const);
  let base: Uint8Array;
  let weights: Float32Array | undefined;
  let checkpoint: TrainingState | undefined;
  if (baseKind === 'weights') {
    weights = d.floats(model.layout.totalFloats);
    base = weightsToSafetensors(model, weights);
  } else if (baseKind === 'checkpoint') {
    checkpoint = trainingState(d);
    base = checkpointToSafetensors(checkpoint);
  } else {
    const names = ['w', 'b', 'layer0.weight', 'layer0.bias', 'wëight ✓', 'a.b.c', '__proto__', 'constructor', 'x'.repeat(40)];
    const tensors = Array.from({ length: d.between(0, 5) }, (_, i) => {
      const shape = Array.from({ length: d.int(4) }, () => d.int(d.chance(0.1) ? 1 : 4));
      return { name: `${d.pick(names)}#${i}`, shape, data: d.floats(shape.reduce((a, b) => a * b, 1)) };
    });
    const metadata = d.chance(0.5) ? { format: 'pt', note: d.pick(['', 'ünïcödé', '{"json":1}', 'x'.repeat(100)]) } : undefined;
    base = writeSafetensors(tensors, metadata);
  }
  const kindOf = (what: string) => `${baseKind} (${base.length} bytes): ${what}`;
  const { header, data } = split(base);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const headerLength = base.length - 8 - data.length;

  const roll = d.int(100);
  if (roll < 5) return { kind: kindOf('untouched'), bytes: base, expected: 'ok', weights, checkpoint };
  if (roll < 15) {
    // The header length prefix.
    const fileLength = BigInt(base.length);
    const length = d.pick([
      2n ** 63n,
      2n ** 64n - 1n,
      2n ** 53n + 1n,
      2n ** 53n,
      2n ** 32n,
      2n ** 31n,
      fileLength - 8n + 1n,
      fileLength,
      BigInt(headerLength) + 1n,
      BigInt(headerLength) - 1n,
      0n,
      (BigInt(d.u32()) << 32n) | BigInt(d.u32()),
    ]);
    const out = base.slice();
    new DataView(out.buffer).setBigUint64(0, length, true);
    const certain = length > fileLength - 8n || length === 0n;
    return { kind: kindOf(`header length ${length}`), bytes: out, expected: certain ? 'reject' : 'any' };
  }
  if (roll < 25) {
    const cuts = [0, 1, 7, 8, 9, 8 + (headerLength >> 1), 8 + headerLength - 1, 8 + headerLength, 8 + headerLength + (data.length >> 1), base.length - 1, d.int(base.length)];
    const cut = Math.min(d.pick(cuts), base.length - 1);
    return { kind: kindOf(`truncated to ${cut}`), bytes: base.slice(0, cut), expected: 'reject' };
  }
  if (roll < 33) {
    const out = base.slice();
    const flips = d.between(1, 3);
    for (let i = 0; i < flips; i++) {
      const at = 8 + d.int(headerLength);
      if (d.chance(0.5)) out[at] ^= 1 << d.int(8);
      else out[at] = d.int(256);
    }
    return { kind: kindOf(`${flips} header JSON bytes flipped`), bytes: out, expected: 'any' };
  }
  if (roll < 37) {
    // Invalid UTF-8 put into the JSON (inside a string or not): always rejected.
    const bad = d.pick([[0xff], [0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
    const text = new TextEncoder().encode(stringify(header, []));
    const at = d.int(text.length);
    const json = concat(text.subarray(0, at), new Uint8Array(bad), text.subarray(at));
    return { kind: kindOf(`invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')} in header`), bytes: assemble(json, data), expected: 'reject' };
  }
  if (roll < 41) {
    if (data.length === 0) return { kind: kindOf('no data to change'), bytes: base, expected: 'ok', weights, checkpoint };
    const entries = header as Record<string, { dtype: string; data_offsets: [number, number] }>;
    const filled = names.filter((n) => entries[n].data_offsets[1] > entries[n].data_offsets[0] && entries[n].dtype === 'F32');
    if (baseKind !== 'generic' && filled.length > 0 && d.chance(0.7)) {
      // One value of a model's file set to what no trained model holds (NaN, an infinity, a negative second
      // moment: refused) or to what one may hold (a denormal, a negative weight or first moment: read).
      const name = d.pick(filled);
      const [begin, end] = entries[name].data_offsets;
      const index = d.int((end - begin) / 4);
      const value = d.pick([NaN, Infinity, -Infinity, 1e-40, -1e-40, -0.5]);
      const out = base.slice();
      new DataView(out.buffer).setFloat32(8 + headerLength + begin + 4 * index, value, true);
      const bad = !Number.isFinite(value) || (value < 0 && name.startsWith('optimizer.exp_avg_sq.'));
      const parameter = !name.startsWith('optimizer.') && !name.startsWith('trainer.');
      const verdict: Expect = bad ? 'reject' : 'ok';
      const values = { name, weights: baseKind === 'weights' || parameter ? verdict : 'ok', checkpoint: baseKind === 'checkpoint' ? verdict : 'any' } as const;
      return { kind: kindOf(`${name}[${index}] = ${value}`), bytes: out, expected: 'ok', values };
    }
    const out = base.slice();
    out[8 + headerLength + d.int(data.length)] ^= 0xff;
    // A byte of a float's exponent flipped can make it NaN or an infinity, which a model's file may not hold.
    return { kind: kindOf('data byte changed'), bytes: out, expected: baseKind === 'generic' ? 'ok' : 'any' };
  }
  if (roll < 44) {
    return { kind: kindOf('trailing garbage'), bytes: concat(base, d.bytes(d.between(1, 16))), expected: 'reject' };
  }
  if (roll < 48) {
    const len = d.int(200);
    return { kind: `random ${len} bytes`, bytes: d.bytes(len), expected: 'any' };
  }
  if (roll < 51) {
    const body = d.bytes(d.int(120));
    const out = concat(new Uint8Array(8), body);
    new DataView(out.buffer).setBigUint64(0, BigInt(d.int(body.length + 1)), true);
    return { kind: 'plausible length then random bytes', bytes: out, expected: 'any' };
  }
  if (roll < 54) {
    const text = d.pick(['[]', '"x"', '5', 'null', 'true', '{', '', ' ', '\ufeff{}', '{}\u0000', '{"a":1,}', "{'a':1}", nested(d.pick(DEPTHS)), nested(d.pick(DEPTHS), '{"a":', '}')]);
    return { kind: `header ${JSON.stringify(text.slice(0, 20))}${text.length > 20 ? '…' : ''}`, bytes: assemble(text, data), expected: 'reject' };
  }

  // Structural edits of the header JSON, written back with the right length.
  const raws: string[] = [];
  const raw = (text: string): string => `@@RAW${raws.push(text) - 1}@@`;
  const h = header as Record<string, Record<string, unknown>>;
  const target = names.length > 0 ? d.pick(names) : undefined;
  let what: string;
  let expected: Expect = 'reject';
  const edit = d.int(12);
  if (target === undefined || edit === 0) {
    // __metadata__ of the wrong type, or holding the wrong things.
    const value = d.pick(['5', '"pt"', 'null', '[]', '{"format":5}', '{"format":null}', '{"a":{"b":"c"}}', '{"data_offsets":[0,0]}', '{"a":["x"]}', `{"a":${nested(d.pick(DEPTHS))}}`, nested(d.pick(DEPTHS))]);
    h.__metadata__ = raw(value) as never;
    what = `__metadata__ = ${value.slice(0, 30)}`;
  } else {
    const entry = h[target];
    const [begin, end] = entry.data_offsets as [number, number];
    switch (edit) {
      case 1: {
        const value = d.pick(['[-1]', '[1.5]', '[1099511627776,1099511627776]', '[9007199254740992]', '[9007199254740993]', '[1e308]', '[1e400]', '["3"]', 'null', '5', '{}', '[[2]]', '[true]', '[4294967295,4294967295,4294967295]', `[${Array(1000).fill(1).join(',')}]`, `[${'65536,'.repeat(4)}65536]`, nested(d.pick(DEPTHS))]);
        entry.shape = raw(value);
        // A thousand ones hold one element, as the original shape may.
        if (value.startsWith('[1,1,')) expected = 'any';
        what = `shape of "${target}" = ${value.slice(0, 40)}`;
        break;
      }
      case 2: {
        const dtype = d.pick(['"F128"', '"f32"', '""', '"F4"', '"F6_E2M3"', '"__proto__"', '"toString"', '"constructor"', '"hasOwnProperty"', 'null', '5', '["F32"]', '{}', nested(d.pick(DEPTHS))]);
        entry.dtype = raw(dtype);
        what = `dtype of "${target}" = ${dtype.slice(0, 30)}`;
        break;
      }
      case 3: {
        // Another known dtype: the same element size reads, any other size is a mismatch.
        const dtype = d.pick(DTYPES);
        const count = (entry.shape as number[]).reduce((a, b) => a * b, 1);
        entry.dtype = dtype;
        expected = count * DTYPE_BYTES[dtype] === end - begin ? 'ok' : 'reject';
        what = `dtype of "${target}" = ${dtype}`;
        break;
      }
      case 4: {
        const offsets = d.pick([
          [end, begin],
          [begin - 4, end],
          [begin, end + 4],
          [begin, data.length + 1],
          [begin + 4, end + 4],
          [begin - 4, end - 4],
          [0, 9007199254740993],
          [-1, end],
          [1.5, end],
          ['"0"', `"${end}"`],
          [begin],
          [begin, end, end],
          [2 ** 64, 2 ** 64],
        ]);
        const text = `[${offsets.join(',')}]`;
        entry.data_offsets = raw(text);
        // Moving a zero-length tensor, or swapping equal offsets, can leave a valid file.
        expected = begin === end ? 'any' : 'reject';
        what = `data_offsets of "${target}" = ${text}`;
        break;
      }
      case 5: {
        // Overlap: point this tensor at another tensor's bytes.
        const other = h[d.pick(names)];
        entry.data_offsets = other.data_offsets;
        expected = 'any';
        what = `data_offsets of "${target}" copied from another tensor`;
        break;
      }
      case 6: {
        h[target] = raw(d.pick(['null', '5', '"x"', '[]', '[0,4]', 'true'])) as never;
        what = `entry "${target}" not an object`;
        break;
      }
      case 7: {
        delete h[target];
        expected = begin === end ? 'ok' : 'reject';
        what = `entry "${target}" removed (gap)`;
        break;
      }
      case 8: {
        entry.extra = { note: 'ignored', list: [1, 2] };
        expected = 'ok';
        what = `extra field in "${target}"`;
        break;
      }
      case 9: {
        // A zero-size tensor at the very end is valid; a tensor named "__metadata__" is not; nor is a long name's gap.
        const choice = d.int(3);
        if (choice === 0) {
          h['zero-size'] = { dtype: 'F32', shape: [0, 7], data_offsets: [data.length, data.length] };
          expected = names.includes('zero-size') ? 'any' : 'ok';
          what = 'zero-size tensor added at the end';
        } else if (choice === 1) {
          // Last, so that JSON.parse keeps it over the file's own __metadata__.
          const text = stringify(h, raws).replace(/\}$/, `${names.length > 0 || h.__metadata__ ? ',' : ''}"__metadata__":{"dtype":"F32","shape":[],"data_offsets":[0,0]}}`);
          return { kind: kindOf('tensor named __metadata__ (duplicate key)'), bytes: assemble(text, data), expected: 'reject' };
        } else {
          h['y'.repeat(10000)] = { dtype: 'U8', shape: [1], data_offsets: [data.length, data.length + 1] };
          what = 'tensor with a 10,000-character name past the data';
        }
        break;
      }
      case 10: {
        // Whitespace around the JSON is allowed; the length prefix covers it.
        const text = `\n\t ${stringify(h, raws)} \r\n`;
        return { kind: kindOf('whitespace around header'), bytes: assemble(text, data), expected: 'ok', weights, checkpoint };
      }
      default: {
        // Several tensors' shapes scaled up together so that byte counts overflow.
        for (const name of names) h[name].shape = raw(`[${d.pick(['4294967296', '1e15', '131072'])},${d.pick(['4294967296', '1e15', '131072'])}]`);
        what = 'every shape huge';
        break;
      }
    }
  }
  return { kind: kindOf(what), bytes: assemble(stringify(h, raws), data), expected };
}

function checkParsed(input: StInput, file: SafetensorsFile): void {
  const where = `safetensors input "${input.kind}"`;
  expect(file.data.buffer, where).toBe(input.bytes.buffer);
  expect(file.data.byteOffset + file.data.length, where).toBe(input.bytes.byteOffset + input.bytes.length);
  const regions: Array<[number, number]> = [];
  for (const [name, info] of file.tensors) {
    expect(DTYPE_BYTES[info.dtype], `${where}: dtype ${info.dtype} of ${name}`).toBeGreaterThan(0);
    for (const dim of info.shape) expect(Number.isSafeInteger(dim) && dim >= 0, where).toBe(true);
    const count = info.shape.reduce((a, b) => a * b, 1);
    expect(info.begin >= 0 && info.begin <= info.end && info.end <= file.data.length, where).toBe(true);
    expect(info.end - info.begin, where).toBe(count * DTYPE_BYTES[info.dtype]);
    if (info.dtype === 'F32') expect(readF32(file, name, info.shape).length, where).toBe(count);
    regions.push([info.begin, info.end]);
  }
  regions.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end] of regions) {
    expect(begin, `${where}: regions tile the data`).toBe(cursor);
    cursor = end;
  }
  expect(cursor, where).toBe(file.data.length);
  for (const value of Object.values(file.metadata)) expect(typeof value, where).toBe('string');
}

// ----------------------------------------------------------------------------------------------- tests

afterAll(() => {
  const lines: string[] = [];
  for (const reader of [...new Set(outcomes.map((o) => o.reader))]) {
    const mine = outcomes.filter((o) => o.reader === reader);
    const read = mine.filter((o) => o.ok).length;
    const counts = new Map<string, number>();
    for (const o of mine) if (!o.ok) counts.set(normalize(o.message!), (counts.get(normalize(o.message!)) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const slowest = mine.reduce((a, b) => (b.ms > a.ms ? b : a));
    const total = mine.reduce((s, o) => s + o.ms, 0);
    const times = mine.map((o) => o.ms).sort((x, y) => x - y);
    const p99 = times[Math.floor(0.99 * (times.length - 1))];
    lines.push(
      `${reader}: ${mine.length} inputs, ${read} read correctly, ${mine.length - read} rejected; ` +
        `${total.toFixed(0)} ms in all, p99 ${p99.toFixed(2)} ms; slowest ${slowest.ms.toFixed(2)} ms (${slowest.kind.slice(0, 100)})`,
      ...top.map(([message, n]) => `    ${String(n).padStart(5)} x ${message}`),
    );
  }
  console.log(
    `fuzz summary (bounds: ${PER_INPUT_MS} ms per call, ${GZIP_PER_INPUT_MS} ms per gzipped IDX input, ${TOTAL_MS} ms per reader; ` +
      `${retimed} calls over the bound were timed again)\n${lines.join('\n')}`,
  );
});

describe('fuzzing the IDX reader', () => {
  it(`reads or rejects with a DataError each of ${IDX_INPUTS} mutated IDX files, gzip included`, async () => {
    const d = new Draw(0x1d8_2024);
    const start = performance.now();
    for (let i = 0; i < IDX_INPUTS; i++) {
      const input = idxInput(d);
      await attempt('readIdx', input.kind, input.expected, [DataError], () => readIdx(input.bytes, 'fuzz'), (result) => {
        checkIdx(input, result);
        if (result.dims.length === 3) {
          // Pair the images with labels of the right count (some out of range) and check the image set.
          const labels = { dims: [result.dims[0]], data: Uint8Array.from({ length: result.dims[0] }, () => d.int(12)) };
          try {
            const set = makeImageSet(result, labels, 'fuzz');
            expect(set.pixels.length).toBe(set.count * set.rows * set.cols);
          } catch (err) {
            expect(err).toBeInstanceOf(DataError);
          }
        }
      }, isGzip(input.bytes) ? GZIP_PER_INPUT_MS : PER_INPUT_MS);
    }
    expect(performance.now() - start).toBeLessThan(TOTAL_MS);
  }, 60_000);
});

describe('fuzzing the safetensors reader', () => {
  it(`reads or rejects with a SafetensorsError (or ConfigError for a checkpoint's recipe) each of ${SAFETENSORS_INPUTS} mutated files`, async () => {
    const d = new Draw(0x5afe_7e45);
    const start = performance.now();
    const valueVerdicts = { reject: 0, ok: 0 };
    for (let i = 0; i < SAFETENSORS_INPUTS; i++) {
      const input = stInput(d);
      if (input.values) valueVerdicts[input.values.weights === 'reject' || input.values.checkpoint === 'reject' ? 'reject' : 'ok']++;
      await attempt('parseSafetensors', input.kind, input.expected, [SafetensorsError], () => parseSafetensors(input.bytes), (file) => checkParsed(input, file));
      // The loaders on top: no certainty about the verdict (names, shapes and metadata matter), only about the error class.
      await attempt('weightsFromSafetensors', input.kind, input.weights ? 'ok' : (input.values?.weights ?? 'any'), [SafetensorsError], () => weightsFromSafetensors(model, input.bytes), (arena) => {
        expect(arena.length).toBe(model.layout.totalFloats);
        if (input.weights) expect(arenaViewsEqual(arena, input.weights)).toBe(true);
        const file = parseSafetensors(input.bytes);
        for (const v of model.layout.views) expect(Buffer.from(arena.buffer, 4 * v.offset, 4 * v.length).equals(Buffer.from(readF32(file, v.name).buffer))).toBe(true);
      });
      if (input.values?.weights === 'reject') expect(outcomes[outcomes.length - 1].message).toContain(`tensor "${input.values.name}" holds`);
      await attempt('checkpointFromSafetensors', input.kind, input.checkpoint ? 'ok' : (input.values?.checkpoint ?? 'any'), [SafetensorsError, ConfigError], () => checkpointFromSafetensors(input.bytes), (state) => {
        expect(validateRecipe(state.recipe)).toBe(state.recipe);
        const floats = new Mlp(state.recipe.layers).layout.totalFloats;
        expect(state.params.length).toBe(floats);
        expect(state.optimizer).toHaveLength(state.recipe.optimizer === 'adam' ? 2 : 1);
        for (const arena of state.optimizer) expect(arena.length).toBe(floats);
        expect(Number.isInteger(state.epoch) && state.epoch >= 0 && Number.isInteger(state.step) && state.step >= 0).toBe(true);
        if (input.checkpoint) {
          expect(state.recipe).toEqual(input.checkpoint.recipe);
          expect(arenaViewsEqual(state.params, input.checkpoint.params)).toBe(true);
          expect(state.rng).toEqual(input.checkpoint.rng);
          expect(state.partialEpoch?.losses ?? null).toEqual(input.checkpoint.partialEpoch?.losses ?? null);
        }
      });
      if (input.values?.checkpoint === 'reject') expect(outcomes[outcomes.length - 1].message).toContain(`tensor "${input.values.name}" holds`);
    }
    // Changed values were drawn often enough, both kinds: refused (NaN, infinities, negative second moments) and read.
    console.log(`one value changed: ${valueVerdicts.reject} inputs a loader must refuse, ${valueVerdicts.ok} it must read`);
    expect(Math.min(valueVerdicts.reject, valueVerdicts.ok)).toBeGreaterThan(50);
    expect(performance.now() - start).toBeLessThan(TOTAL_MS);
  }, 60_000);
});

describe('what the fuzz found in the safetensors reader (fixed)', () => {
  const expectSafetensorsError = (bytes: Uint8Array): string => {
    let error: unknown;
    try {
      parseSafetensors(bytes);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    return (error as Error).message;
  };

  it('rejects values nested deeper than JSON.stringify recurses with a short message, not a RangeError from the message', () => {
    const deep = nested(20000);
    for (const header of [
      `{"t":{"dtype":${deep},"shape":[],"data_offsets":[0,0]}}`,
      `{"t":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`,
      `{"t":{"dtype":"F32","shape":[${deep}],"data_offsets":[0,0]}}`,
      `{"t":{"dtype":"F32","shape":[],"data_offsets":${deep}}}`,
      `{"__metadata__":{"k":${deep}}}`,
    ]) {
      const message = expectSafetensorsError(assemble(header, new Uint8Array(0)));
      expect(message.length).toBeLessThan(300);
    }
    // Long values are cut too.
    const long = expectSafetensorsError(assemble(`{"t":{"dtype":"F32","shape":[${Array(100_000).fill(-1).join(',')}],"data_offsets":[0,0]}}`, new Uint8Array(0)));
    expect(long.length).toBeLessThan(300);
  });

  it('rejects a header that starts with a UTF-8 byte-order mark, as the reference reader does', () => {
    expect(expectSafetensorsError(assemble('\ufeff{}', new Uint8Array(0)))).toMatch(/not valid JSON/);
  });
});

/**
 * Checkpoint metadata the fuzzer once got past the readers with the wrong error class: fixed in
 * validateRecipe (src/train/recipe.ts), parseInitializer (src/init/initializers.ts) and
 * checkpointFromSafetensors (src/train/checkpoint.ts); these keep them fixed.
 */
describe('checkpoint metadata beyond the readers', () => {
  const checkpointWith = (recipe: string): Uint8Array =>
    writeSafetensors([], { format: 'pt', checkpoint: 'webgpu-mlp checkpoint 1', recipe, epoch: '0', step: '0', rng: '{"s":[1,2,3,4],"spareNormal":null}', partial_epoch: 'null' });
  const recipeWith = (field: string, value: string): string => JSON.stringify({ ...RECIPES.mlp, layers: MODEL_WIDTHS, [field]: '@@VALUE@@' }).replace('"@@VALUE@@"', value);
  const rejects = (bytes: Uint8Array): void => {
    let error: unknown;
    try {
      checkpointFromSafetensors(bytes);
    } catch (err) {
      error = err;
    }
    expect(error instanceof SafetensorsError || error instanceof ConfigError, `threw ${(error as Error)?.name}: ${(error as Error)?.message}`).toBe(true);
  };

  it('recipe "null" is a SafetensorsError or ConfigError, not a TypeError (validateRecipe reads null.layers)', () => {
    rejects(checkpointWith('null'));
  });
  it('recipe with huge layers is rejected before a 2^41-float arena is allocated (RangeError today; [20000,20000,10] allocates 1.6 GB)', () => {
    rejects(checkpointWith(recipeWith('layers', '[1048576,1048576,1048576]')));
  });
  it('recipe with a 6,000-deep nested field is a ConfigError, not a stack overflow in recipe.ts show()', () => {
    rejects(checkpointWith(recipeWith('optimizer', nested(6000))));
  });
  it('recipe init {"toString":1} is a ConfigError, not a TypeError from String() in parseInitializer', () => {
    rejects(checkpointWith(recipeWith('init', '{"toString":1}')));
  });
});
