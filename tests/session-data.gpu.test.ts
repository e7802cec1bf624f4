/**
 * The engine session when its data folder is missing (see session-harness.ts: the server answers with an
 * HTML page, status 200, as static hosts do): the GPU comes up first, the dataset's failure is reported with
 * the URL tried and what came back as data, the state is 'no-data' (never stuck on 'loading'), and the
 * user's own four IDX files then load and train. Files that are not a dataset are refused, naming them, and
 * leave the dataset and the model there as they were.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../src/engine/protocol.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { bandFiles, useSession } from './session-harness.ts';

const h = useSession('missing/');

const tiny: Recipe = { ...RECIPES.mlp, layers: [784, 32, 10], trainLimit: 0, epochs: 3 };
const messageOf = (reply: Reply): string => (reply.type === 'error' ? reply.message : `(no error: ${reply.type})`);

/** The bands dataset loaded (once), whatever ran before; true when it was loaded now. */
async function bands(): Promise<boolean> {
  if (h.events.some((e) => e.type === 'ready')) return false;
  const loaded = await h.ask({ type: 'load-dataset', name: 'bands', files: bandFiles() });
  expect(loaded).toMatchObject({ type: 'done' });
  return true;
}

beforeEach(async () => {
  await h.ask({ type: 'stop' });
});

describe('engine session without its dataset', () => {
  it('reports the folder that answered with a web page, with the URL and what came back, and waits in no-data', async () => {
    // The first in this file: nothing has loaded a dataset yet.
    const [failure, state] = h.events;
    if (failure?.type !== 'error') throw new Error('the first event is not the dataset failure');
    expect(failure.about).toBe('dataset');
    expect(failure.message).toMatch(new RegExp(`^The dataset could not be loaded from ${h.base}missing/: the dataset folder ${h.base}missing/ has no [\\w-]+: .*answered with a web page \\(HTTP 200\\), not an IDX file`));
    expect(failure.source).toMatchObject({ status: 200, html: true, firstBytes: '<!doctype html><' });
    expect(failure.source?.url).toMatch(new RegExp(`^${h.base}missing/(train|t10k)-[\\w-]+\\.gz$`));
    expect(state).toEqual({ type: 'state', state: 'no-data' });
    expect(h.events.some((e) => e.type === 'ready' || e.type === 'unsupported')).toBe(false);
    const from = h.events.length;
    const refused = 'There is no dataset: load one (the four IDX files) first.';
    expect(messageOf(await h.ask({ type: 'start', recipe: tiny, evalEachEpoch: false }))).toBe(refused);
    expect(messageOf(await h.ask({ type: 'test-image', index: 0 }))).toBe(refused);
    await h.expectClean(from);
  });

  it('loads four IDX files from there, reports them ready and trains on them', async () => {
    const from = h.events.length;
    if (await bands()) expect(h.since(from, 'state').map((e) => e.state)).toEqual(['idle']);
    expect(h.since(0, 'ready').at(-1)?.dataset).toEqual({ name: 'bands', train: 300, test: 100, rows: 28, cols: 28, classes: 10 });
    // The GPU holds the bands and nothing else of a dataset (400 images, packed, and their labels).
    const stats = await h.ask({ type: 'stats' });
    expect(stats.type === 'stats' && stats.byPurpose.dataset).toBeLessThan(400 * (784 + 4) + 1024);
    const finished = h.next('state', (e) => e.state === 'finished');
    const started = await h.ask({ type: 'start', recipe: tiny, evalEachEpoch: true });
    await finished;
    const run = h.since(from, 'progress').filter((e) => e.run === started.id);
    expect(run.at(-1)!.stepsTotal).toBe(3 * 3);
    const evaluation = h.since(from, 'evaluation').at(-1)!.evaluation;
    expect(evaluation.count).toBe(100);
    expect(evaluation.accuracy).toBeGreaterThan(0.5); // the bands are easy to tell apart
    await h.expectClean(from);
  });

  it('refuses files that are not the four IDX files, naming them, and keeps the dataset and model it had', async () => {
    await bands();
    const finished = h.next('state', (e) => e.state === 'finished');
    await h.ask({ type: 'start', recipe: tiny, evalEachEpoch: false });
    await finished;
    const from = h.events.length;
    const before = await h.ask({ type: 'predict', pixels: new Uint8Array(784).fill(255) });
    const files = bandFiles();
    const unknown = await h.ask({ type: 'load-dataset', name: 'bad', files: [{ name: 'notes.txt', bytes: new TextEncoder().encode('hello') }, ...files.slice(1)] });
    expect(messageOf(unknown)).toContain('"notes.txt" is not a file of an IDX dataset');
    expect(messageOf(unknown)).toContain('train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte');
    expect(messageOf(await h.ask({ type: 'load-dataset', name: 'bad', files: files.slice(1, 3) }))).toMatch(/^train-images-idx3-ubyte, t10k-labels-idx1-ubyte are missing: expected the four IDX files/);
    const notIdx = await h.ask({ type: 'load-dataset', name: 'bad', files: [{ name: 'train-images-idx3-ubyte', bytes: new TextEncoder().encode('{"not": "idx"}') }, ...files.slice(1)] });
    expect(messageOf(notIdx)).toMatch(/^train-images-idx3-ubyte: wrong magic number.*not an IDX file/);
    // The model and the dataset are still there: the same answer, no new dataset, no state change.
    const after = await h.ask({ type: 'predict', pixels: new Uint8Array(784).fill(255) });
    expect(after.type === 'prediction' && after.probabilities).toEqual(before.type === 'prediction' && before.probabilities);
    expect(h.since(from, 'ready')).toEqual([]);
    expect(h.since(from, 'state')).toEqual([]);
    await h.expectClean(from);
  });
});
