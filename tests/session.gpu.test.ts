/**
 * The worker's engine session, driven through its message protocol in Node (Dawn for the GPU, MNIST served
 * over HTTP on 127.0.0.1 the way the page fetches it): runs, pause and resume, single steps, prediction,
 * weight export and import (and rejection of bad files), the depth probe and the initialization lab.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineSession } from '../src/engine/session.ts';
import type { Command, EngineEvent } from '../src/engine/protocol.ts';
import { nodeGpu } from '../src/gpu/node.ts';
import { mnistDataDir } from '../src/data/node.ts';
import { parseSafetensors } from '../src/data/safetensors.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { bandImages, idxFile as idx } from './idx-fixtures.ts';

let server: Server;
let dataUrl: string;
let session: EngineSession;
const events: EngineEvent[] = [];
const waiters: Array<{ test: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }> = [];

function post(event: EngineEvent): void {
  events.push(event);
  for (const w of [...waiters]) {
    if (w.test(event)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  }
}

/** Resolves with the next event (from now on) that passes `test`. */
function next<T extends EngineEvent['type']>(type: T, test: (e: Extract<EngineEvent, { type: T }>) => boolean = () => true): Promise<Extract<EngineEvent, { type: T }>> {
  return new Promise((resolve) => waiters.push({ test: (e) => e.type === type && test(e as Extract<EngineEvent, { type: T }>), resolve: resolve as (e: EngineEvent) => void }));
}

const send = (command: Command): Promise<void> => session.handle(command);
const small: Recipe = { ...RECIPES.mlp, trainLimit: 400, epochs: 2 };

beforeAll(async () => {
  const dir = mnistDataDir();
  server = createServer((req, res) => {
    readFile(join(dir, (req.url ?? '/').replace(/^\/mnist\//, '')))
      .then((body) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body))
      .catch(() => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  dataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist/`;
  session = new EngineSession(await nodeGpu(), post);
  const ready = next('ready');
  await send({ type: 'init', dataUrl });
  const { dataset } = await ready;
  expect(dataset).toMatchObject({ train: 60000, test: 10000, rows: 28, cols: 28, classes: 10 });
});

afterAll(async () => {
  await session?.dispose();
  server?.close();
});

describe('engine session', () => {
  it('trains a run to the end with progress, epochs and evaluations', async () => {
    const finished = next('state', (e) => e.state === 'finished');
    await send({ type: 'start', recipe: small, evalEachEpoch: true });
    await finished;
    const run = events.slice(events.findIndex((e) => e.type === 'state' && e.state === 'running'));
    const epochs = run.filter((e) => e.type === 'epoch');
    const evaluations = run.filter((e): e is Extract<EngineEvent, { type: 'evaluation' }> => e.type === 'evaluation');
    expect(epochs).toHaveLength(2);
    expect(evaluations.map((e) => e.evaluation.epoch)).toEqual([1, 2]);
    const last = evaluations[1].evaluation;
    expect(last.count).toBe(10000);
    expect(last.confusion.reduce((a, b) => a + b, 0)).toBe(10000);
    expect(last.sample.pixels).toHaveLength(784);
    expect(last.misclassified.every((d) => d.label !== d.prediction)).toBe(true);
    expect(run.filter((e) => e.type === 'progress').length).toBeGreaterThan(0);
  });

  it('classifies an image and exports weights PyTorch can load', async () => {
    const prediction = next('prediction');
    await send({ type: 'predict', id: 7, pixels: new Uint8Array(784).fill(30) });
    const { probabilities, id } = await prediction;
    expect(id).toBe(7);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const weights = next('weights');
    await send({ type: 'export-weights' });
    const { bytes, filename } = await weights;
    expect(filename).toBe('mlp-784-256-256-10.safetensors');
    expect(parseSafetensors(bytes).tensors.get('0.weight')?.shape).toEqual([256, 784]);

    // Re-imported into a fresh model, the same weights give the same accuracy.
    const imported = next('weights-imported');
    await send({ type: 'import-weights', bytes, recipe: small });
    const before = events.filter((e): e is Extract<EngineEvent, { type: 'evaluation' }> => e.type === 'evaluation').at(-1)!;
    expect((await imported).evaluation.accuracy).toBe(before.evaluation.accuracy);
  });

  it('rejects weights that are not safetensors or do not fit the model, and keeps working', async () => {
    let error = next('error');
    await send({ type: 'import-weights', bytes: new TextEncoder().encode('not a model at all'), recipe: small });
    expect((await error).message).toMatch(/safetensors/i);
    const weights = next('weights');
    await send({ type: 'start', recipe: { ...small, epochs: 1 }, evalEachEpoch: false });
    await send({ type: 'stop' });
    await send({ type: 'export-weights' });
    error = next('error');
    await send({ type: 'import-weights', bytes: (await weights).bytes, recipe: { ...small, layers: [784, 128, 10] } });
    expect((await error).message).toMatch(/"0\.weight" has shape \[256, 784\], expected \[128, 784\]/);
  });

  it('pauses, resumes and takes single steps', async () => {
    const paused = next('state', (e) => e.state === 'paused');
    await send({ type: 'start', recipe: { ...small, epochs: 3 }, evalEachEpoch: false });
    await send({ type: 'pause' });
    await paused;
    const stepped = next('progress');
    await send({ type: 'step', recipe: small });
    const { progress } = await stepped;
    const finished = next('state', (e) => e.state === 'finished');
    await send({ type: 'resume' });
    await finished;
    const last = events.filter((e): e is Extract<EngineEvent, { type: 'progress' }> => e.type === 'progress').at(-1)!;
    expect(last.progress.step).toBe(3 * 4);
    expect(progress.step).toBeGreaterThan(0);
  });

  it('probes a deep stack and runs the initialization lab', async () => {
    const probe = next('probe');
    await send({ type: 'probe', id: 1, layers: [784, 64, 64, 64, 10], inits: ['he-normal', 'normal:0,0.01'], batch: 50, seed: 1 });
    const { results } = await probe;
    expect(results.map((r) => r.init)).toEqual(['he-normal', 'normal:0,0.01']);
    expect(results[1].activationStd[2]).toBeLessThan(results[0].activationStd[2] / 100);

    const done = next('lab-done');
    await send({ type: 'lab', recipe: { ...small, trainLimit: 200, epochs: 1 }, inits: ['xavier-uniform', 'normal:0,1'] });
    await done;
    const labEpochs = events.filter((e): e is Extract<EngineEvent, { type: 'lab-epoch' }> => e.type === 'lab-epoch');
    expect(labEpochs.map((e) => e.init).sort()).toEqual(['normal:0,1', 'xavier-uniform']);
  });
});

describe('engine session faults', () => {
  it('keeps the last good weights when the loss stops being finite', async () => {
    const error = next('error');
    const paused = next('state', (e) => e.state === 'paused');
    await send({ type: 'start', recipe: { ...small, init: 'normal:0,1e18' }, evalEachEpoch: false });
    expect((await error).message).toMatch(/loss became NaN.*weights and optimizer state after epoch 0 are kept/);
    await paused;
  });

  it('survives a lost device: reports it, and recovers from the checkpoint on a new device', async () => {
    // A step of epoch 2 means epoch 1 finished and its snapshot was taken.
    const secondEpoch = next('progress', (e) => e.progress.epoch === 2);
    await send({ type: 'start', recipe: { ...small, epochs: 3 }, evalEachEpoch: false });
    await secondEpoch;
    const lost = next('device-lost');
    await send({ type: 'simulate-device-loss' });
    const event = await lost;
    expect(event.checkpoint?.epoch).toBeGreaterThanOrEqual(1);
    expect(event.message).toMatch(/device was lost.*Resume to continue from the checkpoint kept after epoch/);
    const paused = next('state', (e) => e.state === 'paused');
    await send({ type: 'recover' });
    await paused;
    const finished = next('state', (e) => e.state === 'finished');
    await send({ type: 'resume' });
    await finished;
    const evaluation = events.filter((e): e is Extract<EngineEvent, { type: 'evaluation' }> => e.type === 'evaluation').at(-1)!;
    expect(evaluation.evaluation.epoch).toBe(3);
  });
});



function syntheticFiles(): Array<{ name: string; bytes: Uint8Array }> {
  const train = bandImages(300);
  const test = bandImages(100);
  return [
    { name: 'train-images-idx3-ubyte', bytes: idx([300, 28, 28], train.images) },
    { name: 'train-labels-idx1-ubyte.gz', bytes: new Uint8Array(gzipSync(idx([300], train.labels))) },
    { name: 't10k-images-idx3-ubyte', bytes: idx([100, 28, 28], test.images) },
    { name: 't10k-labels-idx1-ubyte', bytes: idx([100], test.labels) },
  ];
}

describe('engine session with a dataset of ones own', () => {
  it('refuses files that are not the four IDX files, naming them, and keeps the dataset and model it had', async () => {
    let error = next('error');
    const files = syntheticFiles();
    await send({ type: 'load-dataset', name: 'bad', files: [{ name: 'notes.txt', bytes: new TextEncoder().encode('hello') }, ...files.slice(1)] });
    let message = (await error).message;
    expect(message).toContain('"notes.txt" is not a file of an IDX dataset');
    expect(message).toContain('train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte');

    error = next('error');
    await send({ type: 'load-dataset', name: 'bad', files: files.slice(1, 3) });
    expect((await error).message).toMatch(/^train-images-idx3-ubyte, t10k-labels-idx1-ubyte are missing: expected the four IDX files/);

    error = next('error');
    await send({ type: 'load-dataset', name: 'bad', files: [{ name: 'train-images-idx3-ubyte', bytes: new TextEncoder().encode('{"not": "idx"}') }, ...files.slice(1)] });
    expect((await error).message).toMatch(/^train-images-idx3-ubyte: wrong magic number.*not an IDX file/);

    // The model and MNIST are still there.
    const prediction = next('prediction');
    await send({ type: 'predict', id: 11, pixels: new Uint8Array(784) });
    expect((await prediction).probabilities).toHaveLength(10);
    const evaluated = next('evaluation');
    await send({ type: 'start', recipe: { ...small, trainLimit: 200, epochs: 1 }, evalEachEpoch: true });
    expect((await evaluated).evaluation.count).toBe(10000);
  });

  it('loads four IDX files, reports them ready and trains on them', async () => {
    const ready = next('ready');
    const idle = next('state', (e) => e.state === 'idle');
    await send({ type: 'load-dataset', name: 'bands', files: syntheticFiles() });
    expect((await ready).dataset).toEqual({ name: 'bands', train: 300, test: 100, rows: 28, cols: 28, classes: 10 });
    await idle;
    // The old upload (MNIST, 55 MB) is freed: the GPU holds the new one only (400 images, packed, and labels).
    const stats = next('stats');
    await send({ type: 'stats', id: 3 });
    expect((await stats).byPurpose.dataset).toBeLessThan(400 * (784 + 4) + 1024);
    const error = next('error');
    await send({ type: 'predict', id: 12, pixels: new Uint8Array(784) });
    expect((await error).message).toMatch(/there is no model yet/); // the old model went with the old dataset

    const finished = next('state', (e) => e.state === 'finished');
    const start = events.length;
    await send({ type: 'start', recipe: { ...small, trainLimit: 0, epochs: 3 }, evalEachEpoch: true });
    await finished;
    const run = events.slice(start);
    const progress = run.filter((e): e is Extract<EngineEvent, { type: 'progress' }> => e.type === 'progress').at(-1)!;
    expect(progress.stepsTotal).toBe(3 * 3);
    const evaluation = run.filter((e): e is Extract<EngineEvent, { type: 'evaluation' }> => e.type === 'evaluation').at(-1)!.evaluation;
    expect(evaluation.count).toBe(100);
    expect(evaluation.accuracy).toBeGreaterThan(0.5); // the bands are easy to tell apart
  });
});
