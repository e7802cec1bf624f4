/**
 * The page's shared engine (src/app/bridge/engine-hub.ts) with a stand-in worker: one worker per dataset,
 * replies routed to the element that asked (by id), the run's and the lab's news to the element driving
 * each, the engine's own news to every element, late joiners greeted (with ready, or with the dataset's
 * failure and 'no-data'), the worker ended with the last element, and a dead worker answering every request.
 */
import { describe, expect, it } from 'vitest';
import { connect, requestId } from '../src/app/bridge/engine-hub.ts';
import type { Command, EngineEvent } from '../src/engine/protocol.ts';
import type { Recipe } from '../src/train/recipe.ts';

/** Records what is posted to it and lets the test play the worker's side. */
class FakeWorker {
  posted: Command[] = [];
  terminated = false;
  private listeners = new Map<string, Array<(e: unknown) => void>>();
  addEventListener(type: string, listener: (e: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  postMessage(command: Command): void {
    this.posted.push(command);
  }
  terminate(): void {
    this.terminated = true;
  }
  emit(event: EngineEvent): void {
    for (const listener of this.listeners.get('message') ?? []) listener({ data: event });
  }
  crash(message: string): void {
    for (const listener of this.listeners.get('error') ?? []) listener({ message });
  }
}

const READY: EngineEvent = { type: 'ready', adapter: { vendor: 'v', architecture: 'a', description: '', software: true }, dataset: { name: 'mnist', train: 1, test: 1, rows: 28, cols: 28, classes: 10 } };
const RECIPE = {} as Recipe;

function setUp(url: string) {
  const workers: FakeWorker[] = [];
  const create = (): Worker => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  };
  const trainerEvents: EngineEvent[] = [];
  const labEvents: EngineEvent[] = [];
  const trainer = connect(url, create, (e) => trainerEvents.push(e));
  const lab = connect(url, create, (e) => labEvents.push(e));
  return { workers, create, trainer, lab, trainerEvents, labEvents };
}

describe('engine hub', () => {
  it('starts one worker per dataset, initialised once, and ends it with the last element', () => {
    const { workers, trainer, lab } = setUp('http://x/a/');
    expect(workers).toHaveLength(1);
    expect(workers[0].posted).toEqual([{ type: 'init', dataUrl: 'http://x/a/' }]);
    trainer.release();
    expect(workers[0].terminated).toBe(false);
    lab.release();
    expect(workers[0].terminated).toBe(true);
  });

  it('routes replies to the asker, run and lab news to their drivers, and engine news to all', async () => {
    const { workers, trainer, lab, trainerEvents, labEvents } = setUp('http://x/b/');
    const worker = workers[0];
    worker.emit(READY);
    expect(trainerEvents).toEqual([READY]);
    expect(labEvents).toEqual([READY]);

    const start = requestId();
    const exportA = requestId();
    const exportB = requestId();
    const labId = requestId();
    const probe = requestId();
    trainer.send({ type: 'start', id: start, recipe: RECIPE, evalEachEpoch: false });
    trainer.send({ type: 'export-weights', id: exportA });
    lab.send({ type: 'lab', id: labId, recipe: RECIPE, inits: ['he-normal'] });
    lab.send({ type: 'probe', id: probe, layers: [784, 10], inits: ['zeros'], batch: 1, seed: 1 });
    lab.send({ type: 'export-weights', id: exportB });
    expect(worker.posted.slice(1).map((c) => c.type)).toEqual(['start', 'export-weights', 'lab', 'probe', 'export-weights']);

    const running: EngineEvent = { type: 'state', state: 'running' };
    const started: EngineEvent = { type: 'done', id: start };
    const weightsB: EngineEvent = { type: 'weights', id: exportB, bytes: new Uint8Array(1), filename: 'b' };
    const weightsA: EngineEvent = { type: 'weights', id: exportA, bytes: new Uint8Array(1), filename: 'a' };
    const labDone: EngineEvent = { type: 'lab-done', lab: labId };
    const probeError: EngineEvent = { type: 'error', id: probe, message: 'choose at least one initializer to probe', field: 'init', allowed: 'at least one initializer' };
    const runError: EngineEvent = { type: 'error', message: 'loss became NaN', about: 'run' };
    const lost: EngineEvent = { type: 'device-lost', message: 'lost', checkpoint: null };
    for (const e of [running, started, weightsB, weightsA, labDone, probeError, runError, lost]) worker.emit(e);
    expect(trainerEvents.slice(1)).toEqual([running, started, weightsA, runError, lost]);
    expect(labEvents.slice(1)).toEqual([weightsB, labDone, probeError, lost]);

    // A reply is delivered once: a second one with the same id (there is none in the protocol) goes nowhere.
    worker.emit(started);
    expect(trainerEvents.filter((e) => e === started)).toHaveLength(1);
    expect(labEvents).not.toContain(started);

    // A late joiner is greeted with the engine's ready event.
    const late: EngineEvent[] = [];
    const third = connect('http://x/b/', () => { throw new Error('no second worker'); }, (e) => late.push(e));
    await Promise.resolve();
    expect(late).toEqual([READY]);
    for (const link of [trainer, lab, third]) link.release();
  });

  it('sends a run event to everyone until some element has driven the run', () => {
    const { workers, trainerEvents, labEvents, trainer, lab } = setUp('http://x/c/');
    const idle: EngineEvent = { type: 'state', state: 'idle' };
    workers[0].emit(idle);
    expect(trainerEvents).toEqual([idle]);
    expect(labEvents).toEqual([idle]);
    trainer.release();
    lab.release();
  });

  it('tells every element, and greets late joiners with, a dataset that failed to load and the no-data state', async () => {
    const { workers, trainer, lab, trainerEvents, labEvents } = setUp('http://x/d/');
    // The run has an owner, yet the engine's own state ('no-data') and the dataset's failure go to everyone.
    trainer.send({ type: 'stop', id: requestId() });
    const missing: EngineEvent = { type: 'error', about: 'dataset', message: 'no dataset at http://x/d/', source: { url: 'http://x/d/train-images-idx3-ubyte.gz', status: 200, html: true, firstBytes: '<!doctype html>' } };
    const noData: EngineEvent = { type: 'state', state: 'no-data' };
    workers[0].emit(missing);
    workers[0].emit(noData);
    expect(trainerEvents).toEqual([missing, noData]);
    expect(labEvents).toEqual([missing, noData]);
    const late: EngineEvent[] = [];
    const third = connect('http://x/d/', () => { throw new Error('no second worker'); }, (e) => late.push(e));
    await Promise.resolve();
    expect(late).toEqual([missing, noData]);
    for (const link of [trainer, lab, third]) link.release();
  });

  it('ends a worker that failed: every element hears it, later requests are answered, a new element gets a new worker', async () => {
    const { workers, create, trainer, lab, trainerEvents, labEvents } = setUp('http://x/e/');
    const asked = requestId();
    trainer.send({ type: 'predict', id: asked, pixels: new Uint8Array(784) });
    workers[0].crash('out of memory');
    expect(workers[0].terminated).toBe(true);
    const [heard] = trainerEvents;
    expect(heard).toMatchObject({ type: 'error', about: 'engine' });
    expect(heard.type === 'error' && heard.message).toMatch(/^The engine's worker stopped \(out of memory\); reload the page/);
    expect(labEvents).toEqual([heard]);

    const later = requestId();
    lab.send({ type: 'probe', id: later, layers: [784, 10], inits: ['zeros'], batch: 1, seed: 1 });
    await Promise.resolve();
    expect(labEvents[1]).toMatchObject({ type: 'error', id: later, about: 'engine' });
    expect(workers[0].posted.map((c) => c.type)).toEqual(['init', 'predict']);

    const fresh = connect('http://x/e/', create, () => undefined);
    expect(workers).toHaveLength(2);
    for (const link of [trainer, lab, fresh]) link.release();
    expect(workers[1].terminated).toBe(true);
  });
});
