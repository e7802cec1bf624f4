/**
 * Real PyTorch (Debian's python3-torch, CPU, run from /usr/bin/python3) on what our engine writes, and our
 * engine on what PyTorch writes, through tests/pytorch/torch_check.py and scripts/continue_in_pytorch.py:
 *
 * - our shuffle, reproduced in Python, draws the very permutations the trainer draws;
 * - our exported weights load with load_state_dict(strict=True) into the lesson's nn.Sequential and give the
 *   logits of our forward kernels and of the float64 reference, with the same argmax everywhere;
 * - weights that PyTorch trained itself (the lesson's recipe) score on our GPU exactly the accuracy PyTorch
 *   reports on the 10,000 test images;
 * - from the same initial weights and batches, torch.optim.Adam and torch.optim.SGD (momentum) train like our
 *   engine: per-step losses and final weights;
 * - a checkpoint of ours continues in PyTorch (scripts/continue_in_pytorch.py, the way the README documents):
 *   weights, optimizer moments and step count loaded, our batch order carried on, the same losses and weights
 *   as our engine continuing the same run.
 *
 * PyTorch missing is a failure that says how to install it, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPixels, permutation } from '../src/data/batches.ts';
import type { Dataset } from '../src/data/idx.ts';
import { loadMnist, mnistDataDir } from '../src/data/node.ts';
import { parseSafetensors, readF32, type SafetensorsFile } from '../src/data/safetensors.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { encode } from '../src/gpu/dispatch.ts';
import { readBytes } from '../src/gpu/readback.ts';
import { StepSlots } from '../src/gpu/step-slots.ts';
import { deriveSeed, Mlp, RECIPES, Rng, Trainer, weightsFromSafetensors, weightsToSafetensors, type Recipe } from '../src/index.ts';
import { linearForward } from '../src/reference/kernels.ts';
import { paramsFromArena } from '../src/reference/mlp.ts';
import { checkpointToSafetensors } from '../src/train/checkpoint.ts';
import { compare, gpuContext } from './gpu.ts';

const PYTHON = '/usr/bin/python3';
const CHECK_SCRIPT = fileURLToPath(new URL('./pytorch/torch_check.py', import.meta.url));
const CONTINUE_SCRIPT = fileURLToPath(new URL('../scripts/continue_in_pytorch.py', import.meta.url));
const INSTALL = 'These tests need PyTorch importable from /usr/bin/python3: on Debian, apt-get install -y python3-torch (it brings numpy).';

/** Stated tolerances (see the README's correctness table for what they were measured at). */
const LOGITS_ATOL = 1e-5;
const LOSS_RTOL = 1e-4;
const WEIGHT_ATOL = 1e-4;

let dir: string;
let ctx: GpuContext;
let mnist: Dataset;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pytorch-'));
  ctx = await gpuContext();
  mnist = await loadMnist();
});
afterAll(() => {
  ctx?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs /usr/bin/python3 with `args` and returns its output. A failure carries Python's own message (the
 * scripts name the install command themselves when PyTorch or numpy is missing); no interpreter at all says
 * what to install.
 */
function python(args: string[]): string {
  try {
    return execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (error) {
    const { stderr, code, message } = error as { stderr?: string; code?: string; message: string };
    if (code === 'ENOENT') throw new Error(`${PYTHON} does not exist. ${INSTALL}`);
    throw new Error(`${PYTHON} ${args.map((a) => a.replace(dir, '$TMP')).join(' ')} failed:\n${stderr?.trim() || message}`);
  }
}

let jobs = 0;

/** Runs one check of torch_check.py in a folder of its own: `files` and job.json in, result.json out. */
function torchCheck<T>(check: string, job: object, files: Record<string, Uint8Array> = {}): { folder: string; result: T & { torch: string } } {
  const folder = join(dir, `${check}-${++jobs}`);
  writeFiles(folder, { ...files, 'job.json': new TextEncoder().encode(JSON.stringify({ ...job, data: mnistDataDir() })) });
  python([CHECK_SCRIPT, check, folder]);
  return { folder, result: JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) };
}

function writeFiles(folder: string, files: Record<string, Uint8Array>): void {
  mkdirSync(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(folder, name), bytes);
}

function readSafetensors(path: string): SafetensorsFile {
  const buf = readFileSync(path);
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/** The largest |ours - theirs| over every tensor of the model, and whether all are within `atol`. */
function compareWeights(model: Mlp, ours: Float32Array, theirs: SafetensorsFile, atol: number): { maxAbs: number; ok: boolean; worst: string } {
  let maxAbs = 0;
  let ok = true;
  let worst = '';
  for (const v of model.layout.views) {
    const c = compare(ours.subarray(v.offset, v.offset + v.length), readF32(theirs, v.name, v.shape), atol, 0);
    if (c.maxAbs > maxAbs) [maxAbs, worst] = [c.maxAbs, v.name];
    ok &&= c.ok;
  }
  return { maxAbs, ok, worst };
}

/** Largest |ours - theirs| / |theirs| of two loss sequences. */
function lossRel(ours: number[], theirs: number[]): number {
  expect(ours).toHaveLength(theirs.length);
  return Math.max(...ours.map((l, i) => Math.abs(l - theirs[i]) / Math.abs(theirs[i])));
}

/**
 * The logits our forward kernels give `count` test images under `arena`: each layer's prepareForward (the
 * kernels training and evaluation run, the first reading packed u8 pixels through an order and dividing by
 * 255 as it loads) over all `count` rows in one submit, the last layer's output read back.
 */
async function engineLogits(model: Mlp, arena: Float32Array, pixels: Uint8Array, count: number): Promise<Float32Array> {
  const made: GPUBuffer[] = [];
  const keep = (buffer: GPUBuffer): GPUBuffer => (made.push(buffer), buffer);
  try {
    const params = keep(ctx.createStorage('parameters', arena, 'parameters'));
    const { words, strideWords } = packPixels(pixels.subarray(0, count * model.inputSize), count, model.inputSize);
    const images = keep(ctx.createStorage('test images', words, 'dataset'));
    const order = keep(ctx.createStorage('identity order', Uint32Array.from({ length: count }, (_, i) => i), 'dataset'));
    const slots = new StepSlots(ctx, 1, 'forward slot');
    keep(slots.buffer);
    slots.write([{ batchBase: 0, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0 }]);
    const outputs = model.layers.map((layer) => keep(ctx.createBuffer(`${layer.label} output`, count * layer.fanOut * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'activations')));
    const forward = await Promise.all(
      model.layers.map((layer, l) =>
        layer.prepareForward(ctx, model.layout, { params, grads: params }, count, l === 0 ? { kind: 'pixels', pixels: images, strideWords, perm: order, step: slots.binding() } : { kind: 'activation', buffer: outputs[l - 1] }, outputs[l], 'pytorch test'),
      ),
    );
    const encoder = ctx.device.createCommandEncoder({ label: 'forward for the PyTorch test' });
    const pass = encoder.beginComputePass();
    encode(pass, forward, slots.offset(0));
    pass.end();
    ctx.device.queue.submit([encoder.finish()]);
    const logits = new Float32Array(await readBytes(ctx, outputs[outputs.length - 1], 0, count * model.outputSize * 4));
    ctx.check();
    return logits;
  } finally {
    for (const buffer of made) ctx.destroyBuffer(buffer);
  }
}

/** Logits in float64 on the CPU (src/reference) from the float32 weights of `arena`. */
function referenceLogits(model: Mlp, arena: Float32Array, pixels: Uint8Array, count: number): Float64Array {
  let h: Float64Array = Float64Array.from(pixels.subarray(0, count * model.inputSize), (p) => p / 255);
  paramsFromArena(model, arena).forEach((p, l) => {
    const layer = model.layers[l];
    h = linearForward(h, p.weight, p.bias, count, layer.fanIn, layer.fanOut, layer.relu);
  });
  return h;
}

function argmaxRows(logits: ArrayLike<number>, count: number, classes: number): number[] {
  return Array.from({ length: count }, (_, r) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    return best;
  });
}

/** The rows of our first `steps` batches: each epoch's permutation from the trainer's shuffle stream, as Trainer.beginEpoch draws it. */
function ourBatches(recipe: Recipe, trainCount: number, steps: number): number[][] {
  const shuffle = new Rng(deriveSeed(recipe.seed, 1));
  const perEpoch = Math.floor(trainCount / recipe.batch);
  const batches: number[][] = [];
  let order: Uint32Array = new Uint32Array(0);
  for (let k = 0; k < steps; k++) {
    const s = k % perEpoch;
    if (s === 0) order = permutation(trainCount, shuffle);
    batches.push(Array.from(order.subarray(s * recipe.batch, (s + 1) * recipe.batch)));
  }
  return batches;
}

/** Runs `steps` steps and returns their losses, in order. */
async function train(trainer: Trainer, steps: number): Promise<number[]> {
  const losses: number[] = [];
  await trainer.run({ maxSteps: steps, onProgress: (p) => losses.push(...p.losses) });
  expect(losses).toHaveLength(steps);
  return losses;
}

describe('real PyTorch', () => {
  it('fails, never skips, where PyTorch cannot be imported, and says how to install it', () => {
    // -S leaves Debian's dist-packages (numpy, torch) off the path: what a machine without python3-torch sees.
    const folder = join(dir, 'no-torch');
    writeFiles(folder, { 'job.json': new TextEncoder().encode(JSON.stringify({ state: [1, 2, 3, 4], n: 10, epochs: 1 })) });
    for (const script of [[CHECK_SCRIPT, 'order', folder], [CONTINUE_SCRIPT, join(folder, 'checkpoint.safetensors')]]) {
      expect(() => python(['-S', ...script])).toThrow(
        /^PyTorch is not importable from this interpreter \(No module named '(numpy|torch)'\)\. Install Debian's package with `apt-get install -y python3-torch` .* run this script with \/usr\/bin\/python3\.$/m,
      );
    }
  });

  it("reproduces our shuffle: Python draws the trainer's permutations (the batches continue_in_pytorch.py trains on)", () => {
    const seed = deriveSeed(RECIPES.mlp.seed, 1);
    const { result } = torchCheck<{ orders: number[][] }>('order', { state: new Rng(seed).getState().s, n: 60000, epochs: 2 });
    const rng = new Rng(seed);
    expect(result.orders).toHaveLength(2);
    for (const order of result.orders) expect(order).toEqual(Array.from(permutation(60000, rng)));
  });

  it("loads our exported weights with load_state_dict(strict=True) and gives our logits on 1,000 test images", async () => {
    const recipe: Recipe = { ...RECIPES.mlp, epochs: 1 };
    const trainer = await Trainer.create(ctx, mnist, recipe);
    try {
      await trainer.run({ maxSteps: 200 });
      const arena = await trainer.readParameters();
      const count = 1000;
      const C = trainer.model.outputSize;
      const { folder } = torchCheck('logits', { count }, { 'weights.safetensors': weightsToSafetensors(trainer.model, arena, recipe) });
      const torchLogits = readF32(readSafetensors(join(folder, 'logits.safetensors')), 'logits', [count, C]);

      const gpu = await engineLogits(trainer.model, arena, mnist.test.pixels, count);
      const reference = referenceLogits(trainer.model, arena, mnist.test.pixels, count);
      const vsGpu = compare(torchLogits, gpu, LOGITS_ATOL, 0);
      const vsReference = compare(torchLogits, reference, LOGITS_ATOL, 0);
      const gpuVsReference = compare(gpu, reference, LOGITS_ATOL, 0);
      const span = Math.max(...torchLogits.map(Math.abs));
      console.log(`logits of 1,000 test images (|logit| up to ${span.toFixed(2)}): PyTorch vs our GPU max |diff| ${vsGpu.maxAbs.toExponential(2)}, vs float64 reference ${vsReference.maxAbs.toExponential(2)}; our GPU vs float64 ${gpuVsReference.maxAbs.toExponential(2)}`);
      expect(vsGpu.ok, `PyTorch vs our GPU logits: max |diff| ${vsGpu.maxAbs} at ${vsGpu.worst}`).toBe(true);
      expect(vsReference.ok, `PyTorch vs float64 logits: max |diff| ${vsReference.maxAbs} at ${vsReference.worst}`).toBe(true);

      const torchClasses = argmaxRows(torchLogits, count, C);
      expect(argmaxRows(gpu, count, C)).toEqual(torchClasses);
      expect(argmaxRows(reference, count, C)).toEqual(torchClasses);
      const { predictions } = await trainer.evaluate();
      expect(Array.from(predictions.subarray(0, count))).toEqual(torchClasses);
    } finally {
      trainer.destroy();
    }
  });

  it('scores weights that PyTorch trained (the lesson recipe, 200 steps) exactly as PyTorch does on the 10,000 test images', async () => {
    const { folder, result } = torchCheck<{ correct: number; count: number; predictions: number[]; near_ties: number }>('train', { seed: 777, steps: 200, lr: 1e-3, batch: 100 });
    const bytes = readFileSync(join(folder, 'weights.safetensors'));
    const trainer = await Trainer.create(ctx, mnist, { ...RECIPES.mlp, epochs: 1, trainLimit: 1000 });
    try {
      trainer.writeParameters(weightsFromSafetensors(trainer.model, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
      const ours = await trainer.evaluate();
      const differ = result.predictions.flatMap((c, i) => (c === ours.predictions[i] ? [] : [i]));
      console.log(`PyTorch-trained weights (PyTorch ${result.torch}): PyTorch ${result.correct}/${result.count}, ours ${ours.correct}/${ours.count}; predictions differ on ${differ.length} images (PyTorch's top two logits are within 1e-4 on ${result.near_ties} images)`);
      expect(result.count).toBe(10000);
      expect(result.correct / result.count).toBeGreaterThan(0.9); // PyTorch really trained: 200 steps of Adam reach over 90%
      expect(ours.correct).toBe(result.correct);
      expect(differ).toEqual([]);
    } finally {
      trainer.destroy();
    }
  });

  for (const optimizer of ['adam', 'sgd'] as const) {
    it(`trains like torch.optim.${optimizer === 'adam' ? 'Adam (lr 1e-3)' : 'SGD (lr 0.05, momentum 0.9)'} from the same weights on the same batches: 50 steps`, async () => {
      // 2,000 images: 20 steps an epoch, so the 50 steps cross two reshuffles and stop mid-epoch.
      const recipe: Recipe = { ...RECIPES.mlp, optimizer, lr: optimizer === 'adam' ? 1e-3 : 0.05, momentum: optimizer === 'adam' ? 0 : 0.9, epochs: 3, trainLimit: 2000 };
      const steps = 50;
      const trainer = await Trainer.create(ctx, mnist, recipe);
      try {
        const initial = weightsToSafetensors(trainer.model, await trainer.readParameters(), recipe);
        const ours = await train(trainer, steps);
        const final = await trainer.readParameters();
        const { folder, result } = torchCheck<{ losses: number[] }>('parity', { recipe, batches: ourBatches(recipe, trainer.trainCount, steps) }, { 'initial.safetensors': initial });
        const rel = lossRel(ours, result.losses);
        const weights = compareWeights(trainer.model, final, readSafetensors(join(folder, 'final.safetensors')), WEIGHT_ATOL);
        console.log(`${optimizer}, ${steps} steps vs PyTorch ${result.torch}: losses ${result.losses[0].toFixed(4)} -> ${result.losses[steps - 1].toFixed(4)}, max relative difference ${rel.toExponential(2)}; final weights max |diff| ${weights.maxAbs.toExponential(2)} (${weights.worst})`);
        expect(rel).toBeLessThanOrEqual(LOSS_RTOL);
        expect(weights.ok, `weights differ by up to ${weights.maxAbs} in ${weights.worst}`).toBe(true);
      } finally {
        trainer.destroy();
      }
    });
  }

  for (const optimizer of ['adam', 'sgd'] as const) {
    it(`continues a checkpoint of a ${optimizer} run in PyTorch (scripts/continue_in_pytorch.py): 20 more steps as our engine takes them`, async () => {
      const recipe: Recipe = { ...RECIPES.mlp, optimizer, lr: optimizer === 'adam' ? 1e-3 : 0.05, momentum: optimizer === 'adam' ? 0 : 0.9, epochs: 3, trainLimit: 2000 };
      const trainer = await Trainer.create(ctx, mnist, recipe);
      try {
        // 30 steps: one epoch of 20 and 10 steps into the second, so PyTorch must take up an epoch part-way.
        await train(trainer, 30);
        const folder = join(dir, `continue-${optimizer}`);
        writeFiles(folder, { 'checkpoint.safetensors': checkpointToSafetensors(await trainer.snapshot()) });
        const ours = await train(trainer, 20);
        const final = await trainer.readParameters();

        const out = python([CONTINUE_SCRIPT, join(folder, 'checkpoint.safetensors'), '--steps', '20', '--no-eval', '--data', mnistDataDir(), '--save', join(folder, 'final.safetensors'), '--report', join(folder, 'report.json')]);
        const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as { torch: string; first_step: number; last_step: number; losses: number[]; epochs_done: number };
        expect([report.first_step, report.last_step, report.epochs_done]).toEqual([31, 50, 2]);
        expect(out).toMatch(/^Epoch: 0002 cost = \d\.\d{9}$/m);
        const rel = lossRel(ours, report.losses);
        const weights = compareWeights(trainer.model, final, readSafetensors(join(folder, 'final.safetensors')), WEIGHT_ATOL);
        console.log(`${optimizer} checkpoint at step 30 continued for 20 steps in PyTorch ${report.torch}: losses max relative difference ${rel.toExponential(2)}; final weights max |diff| ${weights.maxAbs.toExponential(2)} (${weights.worst})`);
        expect(rel).toBeLessThanOrEqual(LOSS_RTOL);
        expect(weights.ok, `weights differ by up to ${weights.maxAbs} in ${weights.worst}`).toBe(true);
      } finally {
        trainer.destroy();
      }
    });
  }
});
