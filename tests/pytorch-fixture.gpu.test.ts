/**
 * A weights-only file in the form PyTorch writes (safetensors.torch.save_file(model.state_dict()) of the
 * lesson's 784-256-256-10 model), made by scripts/pytorch-fixture.mjs from the specification (tests/pytorch.gpu.test.ts checks real PyTorch):
 * its layout is checked against the specification, it loads with weightsFromSafetensors, the weights go into
 * a Trainer and evaluate on the 10,000 test images, and our own writer's file of the same tensors reads back
 * to the same tensors (not the same bytes: we keep state_dict order, the serializer sorts by name).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.ts';
import { loadMnist } from '../src/data/node.ts';
import type { Dataset } from '../src/data/idx.ts';
import { parseSafetensors, readF32, writeSafetensors, type SafetensorsFile } from '../src/data/safetensors.ts';
import { weightsFromSafetensors, weightsToSafetensors } from '../src/index.ts';
import { Mlp } from '../src/layers/mlp.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { gpuContext } from './gpu.ts';

const SCRIPT = fileURLToPath(new URL('../scripts/pytorch-fixture.mjs', import.meta.url));
const STATE_DICT: Array<[string, number[]]> = [
  ['0.weight', [256, 784]],
  ['0.bias', [256]],
  ['2.weight', [256, 256]],
  ['2.bias', [256]],
  ['4.weight', [10, 256]],
  ['4.bias', [10]],
];
/** The serializer's order: dtype alignment descending (all F32 here), then name. */
const SORTED = ['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight'];

let dir: string;
let ctx: GpuContext;
let mnist: Dataset;

function fixture(name: string, ...args: string[]): Uint8Array {
  const path = join(dir, name);
  execFileSync(process.execPath, [SCRIPT, path, ...args], { stdio: 'pipe' });
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const bitsEqual = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pytorch-fixture-'));
  ctx = await gpuContext();
  mnist = await loadMnist();
});
afterAll(() => {
  ctx?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a weights file as PyTorch writes it (scripts/pytorch-fixture.mjs)', () => {
  it('follows the safetensors layout: 8-byte aligned header padded with spaces, tensors sorted by name, F32 (out, in)', () => {
    const bytes = fixture('fixture.safetensors', '--seed', '3');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = Number(view.getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    expect((8 + headerLength) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    // Compact JSON, then only spaces (fewer than 8) up to the aligned length.
    const json = text.trimEnd();
    expect(text.length - json.length).toBeLessThan(8);
    expect(/^ *$/.test(text.slice(json.length))).toBe(true);
    expect(json.startsWith('{"__metadata__":{"format":"pt"},"0.bias":{"dtype":"F32","shape":[256],"data_offsets":[0,1024]},')).toBe(true);
    expect(Object.keys(JSON.parse(json))).toEqual(['__metadata__', ...SORTED]);

    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.data.byteOffset - bytes.byteOffset).toBe(8 + headerLength);
    const byOffset = [...file.tensors].sort((a, b) => a[1].begin - b[1].begin).map(([name]) => name);
    expect(byOffset).toEqual(SORTED);
    for (const [name, shape] of STATE_DICT) {
      const info = file.tensors.get(name)!;
      expect(info.dtype).toBe('F32');
      expect(info.shape).toEqual(shape);
      expect(info.begin % 4).toBe(0);
      // nn.Linear's default initialization bound, 1/sqrt(fan_in), and not all zero.
      const values = readF32(file, name, shape);
      const bound = 1 / Math.sqrt(name.startsWith('0.') ? 784 : 256);
      expect(values.every((v) => Math.abs(v) <= bound)).toBe(true);
      expect(values.some((v) => v !== 0)).toBe(true);
    }
    expect(file.data.length).toBe(4 * (256 * 784 + 256 + 256 * 256 + 256 + 10 * 256 + 10));

    // Deterministic from the seed; another seed gives other values; without metadata only the header differs.
    expect(Buffer.from(fixture('again.safetensors', '--seed', '3')).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(fixture('other.safetensors', '--seed', '4')).equals(Buffer.from(bytes))).toBe(false);
    const bare = parseSafetensors(fixture('bare.safetensors', '--seed', '3', '--no-metadata'));
    expect(bare.metadata).toEqual({});
    expect(Buffer.from(bare.data).equals(Buffer.from(file.data))).toBe(true);
  });

  it('loads into the lesson model and evaluates on the 10,000 test images', async () => {
    const bytes = fixture('fixture.safetensors', '--seed', '3');
    const recipe: Recipe = { ...RECIPES.mlp, trainLimit: 200, epochs: 1 };
    const model = new Mlp(recipe.layers);
    const arena = weightsFromSafetensors(model, bytes);
    const file = parseSafetensors(bytes);
    for (const v of model.layout.views) expect(bitsEqual(arena.subarray(v.offset, v.offset + v.length), readF32(file, v.name))).toBe(true);

    const trainer = await Trainer.create(ctx, mnist, recipe);
    try {
      trainer.writeParameters(arena);
      expect(bitsEqual(await trainer.readParameters(), arena)).toBe(true);
      const result = await trainer.evaluate();
      console.log(`fixture weights (seed 3, untrained): ${(100 * result.accuracy).toFixed(2)}% on ${result.count} test images`);
      expect(result.count).toBe(10000);
      expect(result.confusion.reduce((a, b) => a + b, 0)).toBe(10000);
      expect(result.accuracy).toBeGreaterThanOrEqual(0);
      expect(result.accuracy).toBeLessThan(0.5); // random weights: about 10%
      expect(result.predictions).toHaveLength(10000);

      // The GPU used these weights: a float64 forward pass on the CPU predicts the same class for the first
      // 200 test images, wherever its top two logits are not within rounding of each other.
      const layer = (l: number) => ({ w: readF32(file, `${2 * l}.weight`), b: readF32(file, `${2 * l}.bias`) });
      const layers = [layer(0), layer(1), layer(2)];
      let compared = 0;
      for (let i = 0; i < 200; i++) {
        let x = Float64Array.from(mnist.test.pixels.subarray(784 * i, 784 * (i + 1)), (p) => p / 255);
        layers.forEach(({ w, b }, l) => {
          const out = new Float64Array(b.length);
          for (let o = 0; o < b.length; o++) {
            let s = b[o];
            for (let k = 0; k < x.length; k++) s += w[o * x.length + k] * x[k];
            out[o] = l < 2 ? Math.max(0, s) : s;
          }
          x = out;
        });
        const order = [...x.keys()].sort((a, b) => x[b] - x[a]);
        if (x[order[0]] - x[order[1]] < 1e-4) continue;
        compared++;
        expect(result.predictions[i], `test image ${i}`).toBe(order[0]);
      }
      expect(compared).toBeGreaterThan(150);
    } finally {
      trainer.destroy();
    }
  });

  it('our writer\'s file of the same tensors reads back to the same names, shapes and values', () => {
    const fixtureFile = parseSafetensors(fixture('fixture.safetensors', '--seed', '3'));
    const tensors = STATE_DICT.map(([name, shape]) => ({ name, shape, data: readF32(fixtureFile, name, shape) }));
    const model = new Mlp(RECIPES.mlp.layers);
    const arena = weightsFromSafetensors(model, fixture('fixture.safetensors', '--seed', '3'));
    for (const ours of [writeSafetensors(tensors, { format: 'pt' }), weightsToSafetensors(model, arena)]) {
      const file: SafetensorsFile = parseSafetensors(ours);
      expect(new Set(file.tensors.keys())).toEqual(new Set(fixtureFile.tensors.keys()));
      expect(file.metadata.format).toBe('pt');
      for (const [name, shape] of STATE_DICT) {
        expect(file.tensors.get(name)!.shape).toEqual(shape);
        expect(bitsEqual(readF32(file, name, shape), readF32(fixtureFile, name, shape))).toBe(true);
      }
      // Both 8-byte aligned; the bytes differ only in tensor order (state_dict order here, sorted there).
      const headerLength = Number(new DataView(ours.buffer, ours.byteOffset, 8).getBigUint64(0, true));
      expect(headerLength % 8).toBe(0);
    }
  });
});
