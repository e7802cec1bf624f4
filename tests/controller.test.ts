/**
 * The element's side of the engine (src/app/bridge/controller.ts) against a stand-in worker: every method
 * settles exactly once, with its own reply (two exports in flight each get theirs); a refusal resolves null
 * or false, never rejects, and leaves the reason in `error` with the setting (`errorFault`) or the dataset's
 * source (`errorSource`) as data; a dead worker or a departed element settles whatever is pending; a replaced
 * run's late events are dropped; and no unhandled rejection escapes, whatever the element ignores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTICS_HISTORY, EngineController, keepDiagnostics } from '../src/app/bridge/controller.ts';
import type { StepDiagnostics } from '../src/train/diagnostics.ts';
import type { Command, EngineEvent, Evaluation, Request } from '../src/engine/protocol.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import type { Progress } from '../src/train/trainer.ts';

class FakeWorker {
  posted: Command[] = [];
  private listeners = new Map<string, Array<(e: unknown) => void>>();
  addEventListener(type: string, listener: (e: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  postMessage(command: Command): void {
    this.posted.push(command);
  }
  terminate(): void {}
  emit(event: EngineEvent): void {
    for (const listener of this.listeners.get('message') ?? []) listener({ data: event });
  }
  crash(message: string): void {
    for (const listener of this.listeners.get('error') ?? []) listener({ message });
  }
  /** The last request of `type` sent. */
  last<T extends Request['type']>(type: T): Extract<Request, { type: T }> {
    return this.posted.filter((c): c is Extract<Request, { type: T }> => c.type === type).at(-1)!;
  }
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
const saved = { ...globalThis } as Record<string, unknown>;

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  Object.assign(globalThis, {
    navigator: { gpu: {} },
    window: { isSecureContext: true, location: { protocol: 'http:' } },
    document: { baseURI: 'http://page.test/' },
    requestAnimationFrame: (callback: () => void) => setTimeout(callback, 0) as unknown as number,
    cancelAnimationFrame: (handle: number) => clearTimeout(handle),
  });
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  for (const name of ['navigator', 'window', 'document', 'requestAnimationFrame', 'cancelAnimationFrame']) {
    if (name in saved) Object.assign(globalThis, { [name]: saved[name] });
    else delete (globalThis as Record<string, unknown>)[name];
  }
});

let folders = 0;

/** A controller on its own engine (a fresh data URL), with the worker it talks to and its host's renders. */
function setUp() {
  let worker!: FakeWorker;
  const host = { updates: 0, addController: () => undefined, requestUpdate: () => void host.updates++ };
  const events: EngineEvent[] = [];
  const controller = new EngineController(host as never, {
    dataUrl: `data-${++folders}/`,
    createWorker: () => (worker = new FakeWorker()) as unknown as Worker,
    onEvent: (event) => events.push(event),
  });
  controller.hostConnected();
  return { controller, worker, events };
}

const READY: EngineEvent = { type: 'ready', adapter: { vendor: 'v', architecture: 'a', description: '', software: true }, dataset: { name: 'mnist', train: 60000, test: 10000, rows: 28, cols: 28, classes: 10 } };
const small: Recipe = { ...RECIPES.mlp, epochs: 2, trainLimit: 400 };

function evaluation(accuracy: number, epoch = 1): Evaluation {
  const sample = { index: 0, label: 1, prediction: 1, pixels: new Uint8Array(784) };
  return { epoch, accuracy, correct: accuracy * 10000, count: 10000, confusion: [], otherOutputs: [], sample, misclassified: [] };
}

function progress(step: number): Progress {
  return { epoch: 1, epochs: 2, stepInEpoch: step, stepsPerEpoch: 4, step, loss: 1, samplesPerSecond: 1, losses: new Float32Array([1]) };
}

describe('engine controller', () => {
  it('settles two exports in flight each with its own file', async () => {
    const { controller, worker } = setUp();
    worker.emit(READY);
    const first = controller.exportWeights();
    const second = controller.exportWeights();
    const [a, b] = worker.posted.filter((c) => c.type === 'export-weights') as Array<{ id: number }>;
    expect(a.id).not.toBe(b.id);
    worker.emit({ type: 'weights', id: b.id, bytes: new Uint8Array([2]), filename: 'second' });
    worker.emit({ type: 'weights', id: a.id, bytes: new Uint8Array([1]), filename: 'first' });
    expect((await first)?.filename).toBe('first');
    expect((await second)?.filename).toBe('second');
  });

  it('resolves a refusal with null or false and keeps its reason and the field at fault as data', async () => {
    const { controller, worker } = setUp();
    worker.emit(READY);
    const change = controller.setLearningRate(50);
    worker.emit({ type: 'error', id: worker.last('set-lr').id, message: 'lr is 50; allowed: a number above 0 and at most 10', field: 'lr', allowed: 'a number above 0 and at most 10' });
    expect(await change).toBeNull();
    expect(controller.error).toBe('lr is 50; allowed: a number above 0 and at most 10');
    expect(controller.errorFault).toEqual({ field: 'lr', allowed: 'a number above 0 and at most 10', index: undefined });

    const resumed = controller.resume();
    worker.emit({ type: 'error', id: worker.last('resume').id, message: 'These weights were imported, not trained here: there is no run to resume.' });
    expect(await resumed).toBe(false);
    expect(controller.errorFault).toBeNull();

    // Setting the sentence (an element clearing it) clears its data too.
    controller.error = null;
    expect([controller.error, controller.errorFault, controller.errorSource]).toEqual([null, null, null]);
  });

  it('records a learning-rate change in the run recipe it reports', async () => {
    const { controller, worker } = setUp();
    worker.emit(READY);
    void controller.start(small);
    const recipe = { ...small, lrChanges: [{ step: 5, lr: 0.01 }] };
    const change = controller.setLearningRate(0.01);
    worker.emit({ type: 'lr-set', id: worker.last('set-lr').id, step: 5, lr: 0.01, recipe });
    expect(await change).toEqual({ step: 5, lr: 0.01 });
    expect(controller.recipe?.lrChanges).toEqual([{ step: 5, lr: 0.01 }]);
  });

  it('changes nothing when an import is refused, and shows the imported model once loaded', async () => {
    const { controller, worker } = setUp();
    worker.emit(READY);
    void controller.start(small);
    worker.emit({ type: 'evaluation', run: worker.last('start').id, evaluation: evaluation(0.9) });
    const refused = controller.importWeights(new Uint8Array(8), 'bad.safetensors');
    worker.emit({ type: 'error', id: worker.last('import-weights').id, message: '"bad.safetensors" is not a valid safetensors file' });
    expect(await refused).toBeNull();
    expect(controller.evaluations.map((e) => e.accuracy)).toEqual([0.9]);
    expect(controller.recipe).toBe(small);

    const loaded = controller.importWeights(new Uint8Array(8), 'good.safetensors');
    const recipe = { ...RECIPES.mlp, layers: [784, 32, 10], epochs: 1 };
    worker.emit({ type: 'weights-imported', id: worker.last('import-weights').id, name: 'good.safetensors', layers: [784, 32, 10], evaluation: evaluation(0.5, 0), recipe });
    expect(await loaded).toMatchObject({ name: 'good.safetensors', layers: [784, 32, 10] });
    expect(controller.evaluations.map((e) => e.accuracy)).toEqual([0.5]);
    expect(controller.recipe).toBe(recipe);
  });

  it('drops the last events of a run that a new one replaced', () => {
    const { controller, worker } = setUp();
    worker.emit(READY);
    void controller.start(small);
    const first = worker.last('start').id;
    worker.emit({ type: 'progress', run: first, progress: progress(1), stepsTotal: 8 });
    void controller.start(small);
    const second = worker.last('start').id;
    worker.emit({ type: 'progress', run: first, progress: progress(2), stepsTotal: 8 });
    worker.emit({ type: 'evaluation', run: first, evaluation: evaluation(0.9) });
    worker.emit({ type: 'progress', run: second, progress: progress(1), stepsTotal: 8 });
    expect(controller.losses.map((p) => p.step)).toEqual([1]);
    expect(controller.evaluations).toEqual([]);
  });

  it('keeps the run\'s diagnostics from progress and a diverged step, cleared by a new run, thinned beyond DIAGNOSTICS_HISTORY', () => {
    const { controller, worker } = setUp();
    worker.emit(READY);
    const sample = (step: number): StepDiagnostics => ({ step, epoch: 1, layers: [] });
    void controller.start(small);
    const run = worker.last('start').id;
    worker.emit({ type: 'progress', run, progress: { ...progress(1), diagnostics: [sample(1)] }, stepsTotal: 8 });
    worker.emit({ type: 'progress', run, progress: { ...progress(2), diagnostics: [] }, stepsTotal: 8 });
    const before = controller.diagnostics;
    worker.emit({ type: 'progress', run, progress: { ...progress(4), diagnostics: [sample(3), sample(4)] }, stepsTotal: 8 });
    expect(controller.diagnostics).not.toBe(before); // a new array when samples arrive
    const diverged = { ...sample(5), nonFinite: { layer: 2, step: 5, what: 'activations' } };
    worker.emit({ type: 'error', about: 'run', message: 'the loss became NaN', diagnostics: diverged });
    worker.emit({ type: 'error', about: 'lab', message: 'a lab run diverged', diagnostics: sample(99) });
    expect(controller.diagnostics.map((d) => d.step)).toEqual([1, 3, 4, 5]);
    expect(controller.diagnostics.at(-1)?.nonFinite).toEqual({ layer: 2, step: 5, what: 'activations' });
    void controller.start(small);
    expect(controller.diagnostics).toEqual([]);

    const long = keepDiagnostics(Array.from({ length: DIAGNOSTICS_HISTORY }, (_, i) => sample(i + 1)), [sample(DIAGNOSTICS_HISTORY + 1)]);
    expect(long.length).toBeLessThanOrEqual(DIAGNOSTICS_HISTORY);
    expect(long.length).toBeGreaterThan(DIAGNOSTICS_HISTORY / 2);
    expect([long[0].step, long.at(-1)?.step]).toEqual([1, DIAGNOSTICS_HISTORY + 1]);
    expect(long.map((d) => d.step)).toEqual([...long.map((d) => d.step)].sort((a, b) => a - b));
  });

  it('reports a missing dataset with its source, can load another from there, and clears the failure once ready', async () => {
    const { controller, worker } = setUp();
    const source = { url: 'http://page.test/data/train-images-idx3-ubyte.gz', status: 200, html: true, firstBytes: '<!doctype html>' };
    worker.emit({ type: 'error', about: 'dataset', message: 'The dataset could not be loaded', source });
    worker.emit({ type: 'state', state: 'no-data' });
    expect([controller.state, controller.ready, controller.gpuReady]).toEqual(['no-data', false, true]);
    expect(controller.errorSource).toEqual(source);
    const loaded = controller.loadDataset('mine', []);
    worker.emit(READY);
    worker.emit({ type: 'done', id: worker.last('load-dataset').id });
    expect(await loaded).toBe(true);
    expect([controller.state, controller.ready, controller.error]).toEqual(['idle', true, null]);
  });

  it('settles what is pending when the worker dies or the element leaves, and nothing rejects unhandled', async () => {
    const { controller, worker } = setUp();
    worker.emit(READY);
    const prediction = controller.predict(new Uint8Array(784));
    const stopped = controller.stop();
    worker.crash('out of memory');
    expect(await prediction).toBeNull();
    expect(await stopped).toBe(false);
    expect(controller.state).toBe('error');
    expect(controller.error).toMatch(/^The engine's worker stopped \(out of memory\)/);
    // Requests to the dead worker are answered at once.
    expect(await controller.stats()).toBeNull();

    const other = setUp();
    other.worker.emit(READY);
    const probe = other.controller.probe([784, 10], ['zeros'], 1, 1);
    void other.controller.pause(); // ignored, as elements do
    other.controller.hostDisconnected();
    expect(await probe).toBeNull();
    expect(other.controller.error).toMatch(/left the page before the engine answered/);
    expect(await other.controller.start(small)).toBe(false); // not on a page: answered at once

    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
  });
});
