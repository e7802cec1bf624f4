// Tests for the safetensors reader and writer: round trips, the exact byte layout, and malformed inputs.
import { describe, expect, it } from 'vitest';
import {
  parseSafetensors,
  readF32,
  SafetensorsError,
  writeSafetensors,
} from '../src/data/safetensors.ts';

/** Builds a file by hand: prefix with the given header length (default: the header's real length), header, data. */
function build(header: string | object, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

function expectRejects(bytes: Uint8Array, message: RegExp): void {
  expect(() => parseSafetensors(bytes)).toThrow(SafetensorsError);
  expect(() => parseSafetensors(bytes)).toThrow(message);
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

describe('writeSafetensors / parseSafetensors', () => {
  it('round-trips several tensors and metadata', () => {
    const w = new Float32Array([1.5, -2, 3.25, 0, 1e-7, -1e30]);
    const b = new Float32Array([0.5, 0.25, 0.125]);
    const scalar = new Float32Array([42]);
    const empty = new Float32Array(0);
    const bytes = writeSafetensors(
      [
        { name: 'layer0.weight', shape: [2, 3], data: w },
        { name: 'layer0.bias', shape: [3], data: b },
        { name: 'scale', shape: [], data: scalar },
        { name: 'nothing', shape: [0, 4], data: empty },
      ],
      { format: 'pt', note: 'ünïcödé ✓' },
    );
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt', note: 'ünïcödé ✓' });
    expect([...file.tensors.keys()]).toEqual(['layer0.weight', 'layer0.bias', 'scale', 'nothing']);
    expect(file.tensors.get('layer0.weight')).toEqual({ dtype: 'F32', shape: [2, 3], begin: 0, end: 24 });
    expect(readF32(file, 'layer0.weight', [2, 3])).toEqual(w);
    expect(readF32(file, 'layer0.bias', [3])).toEqual(b);
    expect(readF32(file, 'scale', [])).toEqual(scalar);
    expect(readF32(file, 'nothing', [0, 4])).toEqual(empty);
  });

  it('pads the header with spaces so the data starts 8-byte aligned', () => {
    for (let nameLength = 1; nameLength <= 9; nameLength++) {
      const bytes = writeSafetensors([{ name: 'x'.repeat(nameLength), shape: [1], data: new Float32Array([1]) }]);
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + n) % 8).toBe(0);
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      expect(header).toMatch(/^\{.*\} *$/);
      expect(bytes.length).toBe(8 + n + 4);
    }
  });

  it('writes the exact bytes the spec prescribes for a tiny file', () => {
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(json.length).toBe(54); // 8 + 54 = 62, so two spaces of padding give N = 56
    const expected = new Uint8Array([
      56, 0, 0, 0, 0, 0, 0, 0,
      ...[...json].map((ch) => ch.charCodeAt(0)),
      0x20, 0x20,
      0x00, 0x00, 0x80, 0x3f, // 1.0f little-endian
      0x00, 0x00, 0x00, 0x40, // 2.0f little-endian
    ]);
    expect(writeSafetensors([{ name: 'a', shape: [2], data: new Float32Array([1, 2]) }])).toEqual(expected);
  });

  it('reads an F32 tensor stored at an offset that is not 4-byte aligned', () => {
    const data = new Uint8Array([7, 8, 9, ...f32Bytes([1.25, -3.5])]);
    const file = parseSafetensors(
      build({ mask: { dtype: 'U8', shape: [3], data_offsets: [0, 3] }, v: f32([2], 3, 11) }, data),
    );
    expect(readF32(file, 'v', [2])).toEqual(new Float32Array([1.25, -3.5]));
    expect([...file.data.subarray(0, 3)]).toEqual([7, 8, 9]);
  });

  it('accepts a file with no tensors and a header followed by whitespace', () => {
    const file = parseSafetensors(build('{}   '));
    expect(file.tensors.size).toBe(0);
    expect(file.metadata).toEqual({});
  });
});

describe('parseSafetensors rejects malformed files', () => {
  it('too short', () => expectRejects(new Uint8Array(5), /shorter than the 8-byte/));

  it('header length beyond the file', () => expectRejects(build('{}', undefined, 100n), /header length 100 is larger/));

  it('huge header length 2^63', () => expectRejects(build('{}', undefined, 2n ** 63n), /header length 9223372036854775808/));

  it('header length above the cap', () => {
    expect(() => parseSafetensors(build('{}    '), { maxHeaderBytes: 4 })).toThrow(/exceeds the cap of 4/);
  });

  it('invalid UTF-8', () => {
    const bytes = build('{"a":1}');
    bytes[10] = 0xff;
    expectRejects(bytes, /not valid UTF-8/);
  });

  it('bad JSON', () => expectRejects(build('{"a": '), /not valid JSON/));

  it('JSON that is not an object', () => {
    expectRejects(build('[1, 2]'), /must be an object/);
    expectRejects(build('"hi"'), /must be an object/);
    expectRejects(build('null'), /must be an object/);
  });

  it('unknown dtype', () => {
    expectRejects(build({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)), /unknown dtype "F128"/);
  });

  it('negative, fractional and huge dimensions', () => {
    expectRejects(build({ a: f32([-1], 0, 0) }), /not a non-negative safe integer: -1/);
    expectRejects(build({ a: f32([1.5], 0, 0) }), /not a non-negative safe integer: 1.5/);
    expectRejects(build({ a: f32([2 ** 60], 0, 0) }), /not a non-negative safe integer/);
    expectRejects(build({ a: f32([2 ** 30, 2 ** 30], 0, 0) }), /too large/);
    expectRejects(build({ a: { dtype: 'F32', shape: 'x', data_offsets: [0, 0] } }), /shape must be an array/);
  });

  it('offsets out of range or malformed', () => {
    expectRejects(build({ a: f32([2], 0, 12) }, new Uint8Array(8)), /out of range for a data buffer of 8 bytes/);
    expectRejects(build({ a: f32([0], 4, 0) }, new Uint8Array(8)), /out of range/);
    expectRejects(build({ a: f32([0], -4, 0) }, new Uint8Array(8)), /out of range/);
    expectRejects(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, new Uint8Array(8)), /\[begin, end\]/);
  });

  it('size mismatch', () => {
    expectRejects(build({ a: f32([3], 0, 8) }, new Uint8Array(8)), /size mismatch.*needs 12 bytes but data_offsets span 8/);
  });

  it('overlapping regions', () => {
    expectRejects(build({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, new Uint8Array(12)), /"b".*overlaps/);
  });

  it('gaps between or after regions', () => {
    expectRejects(build({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Uint8Array(12)), /gap.*\[4, 8\).*"b"/);
    expectRejects(build({ a: f32([1], 0, 4) }, new Uint8Array(8)), /gap.*\[4, 8\) at the end/);
  });

  it('bad metadata', () => {
    expectRejects(build({ __metadata__: { epochs: 3 } }), /__metadata__ value for "epochs" must be a string/);
    expectRejects(build({ __metadata__: ['a'] }), /__metadata__ must be an object/);
    expectRejects(build({ __metadata__: f32([0], 0, 0) }), /reserved for metadata and cannot name a tensor/);
  });
});

describe('readF32', () => {
  const file = parseSafetensors(
    build({ m: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, w: f32([2, 2], 4, 20) }, new Uint8Array(20)),
  );

  it('rejects a tensor of another dtype', () => {
    expect(() => readF32(file, 'm')).toThrow(/tensor "m" has dtype U8, expected F32/);
  });

  it('rejects a wrong shape, naming the expected and the actual shape', () => {
    expect(() => readF32(file, 'w', [4])).toThrow('tensor "w" has shape [2, 2], expected [4]');
    expect(() => readF32(file, 'w', [2, 3])).toThrow(SafetensorsError);
  });

  it('rejects a missing tensor', () => {
    expect(() => readF32(file, 'nope')).toThrow(/"nope" not found/);
  });
});

describe('writeSafetensors validation', () => {
  const one = new Float32Array([1]);
  it('rejects a data length that does not match the shape', () => {
    expect(() => writeSafetensors([{ name: 'a', shape: [2], data: one }])).toThrow(/holds 2 elements but data has 1/);
  });
  it('rejects empty, duplicate and reserved names', () => {
    expect(() => writeSafetensors([{ name: '', shape: [1], data: one }])).toThrow(/non-empty/);
    expect(() =>
      writeSafetensors([
        { name: 'a', shape: [1], data: one },
        { name: 'a', shape: [1], data: one },
      ]),
    ).toThrow(/duplicate tensor name "a"/);
    expect(() => writeSafetensors([{ name: '__metadata__', shape: [1], data: one }])).toThrow(/cannot be used/);
  });
});
