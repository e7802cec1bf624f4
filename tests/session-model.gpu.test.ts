/**
 * The engine session's model from a file (see session-harness.ts for the set-up): weights imported the way
 * PyTorch saves them (no 'layers' metadata: the widths come from the tensor shapes), evaluated on the whole
 * test set and held in the state 'imported'; files that cannot be this dataset's model refused with a
 * sentence naming their shape while the model, run and snapshot in place stay exactly as they were;
 * fine-tuning the imported weights (the model's widths only, epochs from 0) and starting over from scratch;
 * and test images by number.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../src/engine/protocol.ts';
import { IDX_FILE_NAMES } from '../src/data/idx.ts';
import { mnistDataDir } from '../src/data/node.ts';
import { parseSafetensors, readF32, writeSafetensors } from '../src/data/safetensors.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { useSession } from './session-harness.ts';

const h = useSession();

const tiny: Recipe = { ...RECIPES.mlp, layers: [784, 32, 10], trainLimit: 2000, epochs: 1 };
const long: Recipe = { ...tiny, epochs: 100 };

const messageOf = (reply: Reply): string => (reply.type === 'error' ? reply.message : `(no error: ${reply.type})`);

/** A safetensors file as PyTorch's save_file writes a state_dict: the tensors, and no metadata but the format. */
function pytorchFile(tensors: Array<{ name: string; shape: number[]; data?: Float32Array }>): Uint8Array {
  return writeSafetensors(
    tensors.map(({ name, shape, data }) => ({ name, shape, data: data ?? new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01) })),
    { format: 'pt' },
  );
}

/** Trains `tiny` for 3 epochs; its weights rewritten as PyTorch would save them, and its final test accuracy. */
async function trainedFile(): Promise<{ bytes: Uint8Array; accuracy: number }> {
  const evaluated = h.next('evaluation', (e) => e.evaluation.epoch === 3);
  await h.ask({ type: 'start', recipe: { ...tiny, epochs: 3 }, evalEachEpoch: false });
  const { evaluation } = await evaluated;
  const exported = await h.ask({ type: 'export-weights' });
  if (exported.type !== 'weights') throw new Error(messageOf(exported));
  const file = parseSafetensors(exported.bytes);
  expect(file.metadata.layers).toBe('784,32,10');
  const tensors = [...file.tensors.entries()].map(([name, info]) => ({ name, shape: info.shape, data: readF32(file, name) }));
  return { bytes: pytorchFile(tensors), accuracy: evaluation.accuracy };
}

/** The first loss reported after request `id` began a run. */
async function firstLoss(id: number, from: number): Promise<number> {
  return (await h.until(from, 'progress', (e) => e.run === id)).progress.losses[0];
}

beforeEach(async () => {
  await h.ask({ type: 'stop' });
});

describe('weights from a file', () => {
  it('imports a file PyTorch saved: the widths from its shapes, evaluated on the whole test set, state imported', async () => {
    const { bytes, accuracy } = await trainedFile();
    expect(parseSafetensors(bytes).metadata.layers).toBeUndefined();
    // A paused run of another shape is in place; the file's model replaces it.
    await h.ask({ type: 'start', recipe: { ...long, layers: [784, 64, 64, 10] }, evalEachEpoch: false });
    await h.ask({ type: 'pause' });
    const from = h.events.length;
    const imported = await h.ask({ type: 'import-weights', bytes, name: 'from-pytorch.safetensors' });
    if (imported.type !== 'weights-imported') throw new Error(messageOf(imported));
    expect(imported).toMatchObject({ name: 'from-pytorch.safetensors', layers: [784, 32, 10] });
    expect(imported.evaluation.count).toBe(10000);
    expect(imported.evaluation.accuracy).toBe(accuracy);
    expect(h.since(from, 'state').map((e) => e.state)).toEqual(['imported']);
    // Predict, export and test images work on it; resume and step do not, and say what does.
    expect((await h.ask({ type: 'predict', pixels: new Uint8Array(784) })).type).toBe('prediction');
    expect(await h.ask({ type: 'export-weights' })).toMatchObject({ type: 'weights', filename: 'mlp-784-32-10.safetensors' });
    expect(messageOf(await h.ask({ type: 'resume' }))).toBe('These weights were imported, not trained here: there is no run to resume. Fine-tune them to train them further, or start a new run.');
    expect(messageOf(await h.ask({ type: 'step', recipe: tiny }))).toMatch(/^These weights were imported: a step would train a new model from scratch\. Fine-tune them/);
    expect(h.since(from, 'progress')).toEqual([]);
    await h.expectClean(from);
  });

  it('refuses a file that cannot be this dataset\'s model, naming its shape, and changes nothing', async () => {
    await h.ask({ type: 'start', recipe: long, evalEachEpoch: false });
    await h.next('progress');
    await h.ask({ type: 'pause' });
    const before = await h.ask({ type: 'export-weights' });
    const stats = await h.ask({ type: 'stats' });
    const from = h.events.length;
    const refusals: Array<[Uint8Array, string]> = [
      [pytorchFile([{ name: '0.weight', shape: [32, 100] }, { name: '0.bias', shape: [32] }, { name: '2.weight', shape: [10, 32] }, { name: '2.bias', shape: [10] }]), '"odd.safetensors" holds a 100-32-10 model (0.weight has shape [32, 100]), but the images of mnist have 784 pixels (28x28): its first width must be 784'],
      [pytorchFile([{ name: '0.weight', shape: [32, 784] }, { name: '0.bias', shape: [32] }, { name: '2.weight', shape: [7, 32] }, { name: '2.bias', shape: [7] }]), '"odd.safetensors" holds a 784-32-7 model (2.weight has shape [7, 32]), but mnist has 10 classes: its last width must be at least 10'],
      [pytorchFile([{ name: '0.weight', shape: [32, 784] }, { name: '0.bias', shape: [31] }, { name: '2.weight', shape: [10, 32] }, { name: '2.bias', shape: [10] }]), '"odd.safetensors": tensor "0.bias" has shape [31], expected [32]'],
      [pytorchFile([{ name: '0.weight', shape: [32, 784] }, { name: '4.weight', shape: [10, 32] }]), '"odd.safetensors" does not hold an nn.Sequential(Linear, ReLU, Linear, ...) state_dict: expected the weights 0.weight, 2.weight, 4.weight, ... in a row; found 0.weight, 4.weight'],
    ];
    for (const [bytes, message] of refusals) expect(messageOf(await h.ask({ type: 'import-weights', bytes, name: 'odd.safetensors' }))).toBe(message);
    const garbage = await h.ask({ type: 'import-weights', bytes: new TextEncoder().encode('not a model at all'), name: 'notes.txt' });
    expect(messageOf(garbage)).toMatch(/^"notes\.txt" is not a valid safetensors file: /);
    expect(garbage).not.toHaveProperty('field');
    // Nothing changed: no state, the same weights, no buffer left behind, and the paused run resumes.
    expect(h.since(from, 'state')).toEqual([]);
    const after = await h.ask({ type: 'export-weights' });
    expect(after.type === 'weights' && before.type === 'weights' && after.bytes).toEqual(before.type === 'weights' && before.bytes);
    const statsAfter = await h.ask({ type: 'stats' });
    expect(statsAfter.type === 'stats' && statsAfter.buffers).toBe(stats.type === 'stats' && stats.buffers);
    const running = h.next('state', (e) => e.state === 'running');
    expect(await h.ask({ type: 'resume' })).toMatchObject({ type: 'done' });
    await running;
    await h.expectClean(from);
  });

  it('fine-tunes imported weights (the model\'s widths; epochs from 0), and Start trains from scratch', async () => {
    const { bytes } = await trainedFile();
    await h.ask({ type: 'import-weights', bytes, name: 'trained.safetensors' });
    const from = h.events.length;
    const wrong = await h.ask({ type: 'fine-tune', recipe: { ...tiny, layers: [784, 64, 10] }, evalEachEpoch: false });
    expect(wrong).toMatchObject({ type: 'error', field: 'layers', allowed: "the model's widths, 784,32,10" });
    expect(h.since(from, 'state')).toEqual([]);

    const finished = h.next('state', (e) => e.state === 'finished');
    const tuned = await h.ask({ type: 'fine-tune', recipe: tiny, evalEachEpoch: true });
    expect(tuned).toMatchObject({ type: 'done' });
    await finished;
    const progress = h.since(from, 'progress').filter((e) => e.run === tuned.id);
    expect(progress[0].progress).toMatchObject({ epoch: 1, epochs: 1 });
    expect(progress.at(-1)!.progress.step).toBe(20);
    expect(h.since(from, 'evaluation').map((e) => [e.run, e.evaluation.epoch])).toEqual([[tuned.id, 1]]);
    // Trained weights start far below chance (ln 10 = 2.3); a new model starts near it.
    expect(await firstLoss(tuned.id, from)).toBeLessThan(1);
    const started = await h.ask({ type: 'start', recipe: tiny, evalEachEpoch: false });
    expect(await firstLoss(started.id, from)).toBeGreaterThan(1.5);
    await h.expectClean(from);
  });
});

describe('test images', () => {
  it('answers with the test set\'s image and label by number, and names the range otherwise', async () => {
    const dir = mnistDataDir();
    const [images, labels] = await Promise.all([readFile(join(dir, IDX_FILE_NAMES.testImages)), readFile(join(dir, IDX_FILE_NAMES.testLabels))]);
    const from = h.events.length;
    const image = await h.ask({ type: 'test-image', index: 9999 });
    if (image.type !== 'test-image') throw new Error(messageOf(image));
    expect(image.label).toBe(labels[8 + 9999]);
    expect(Array.from(image.pixels)).toEqual(Array.from(images.subarray(16 + 9999 * 784, 16 + 10000 * 784)));
    for (const index of [10000, -1, 2.5]) {
      expect(messageOf(await h.ask({ type: 'test-image', index }))).toBe(`there is no test image ${index}: mnist test has 10000 images, numbered 0 to 9999`);
    }
    await h.expectClean(from);
  });
});
