/**
 * The page's shared engine (src/app/bridge/engine-hub.ts) with a stand-in worker: one worker per dataset, late
 * joiners greeted, events routed to the element they concern, the worker ended with the last element.
 */
import { describe, expect, it } from 'vitest';
import { connect, requestId } from '../src/app/bridge/engine-hub.ts';
import type { Command, EngineEvent } from '../src/engine/protocol.ts';

/** Records what is posted to it and lets the test play the worker's side. */
class FakeWorker {
  posted: Command[] = [];
  terminated = false;
  private listeners: Array<(e: MessageEvent<EngineEvent>) => void> = [];
  addEventListener(type: string, listener: (e: MessageEvent<EngineEvent>) => void): void {
    if (type === 'message') this.listeners.push(listener);
  }
  postMessage(command: Command): void {
    this.posted.push(command);
  }
  terminate(): void {
    this.terminated = true;
  }
  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener({ data: event } as MessageEvent<EngineEvent>);
  }
}

const READY: EngineEvent = { type: 'ready', adapter: { vendor: 'v', architecture: 'a', description: '', software: true }, dataset: { name: 'mnist', train: 1, test: 1, rows: 28, cols: 28, classes: 10 } };

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
  return { workers, trainer, lab, trainerEvents, labEvents };
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

  it('routes run, lab and request events to the element concerned, and engine events to all', async () => {
    const { workers, trainer, lab, trainerEvents, labEvents } = setUp('http://x/b/');
    const worker = workers[0];
    worker.emit(READY);
    expect(trainerEvents).toEqual([READY]);
    expect(labEvents).toEqual([READY]);

    trainer.send({ type: 'start', recipe: {} as never, evalEachEpoch: false });
    lab.send({ type: 'lab', recipe: {} as never, inits: ['he-normal'] });
    const id = requestId();
    lab.send({ type: 'probe', id, layers: [784, 10], inits: ['zeros'], batch: 1, seed: 1 });
    const progress = { type: 'state', state: 'running' } as EngineEvent;
    const labDone = { type: 'lab-done' } as EngineEvent;
    const probe = { type: 'probe', id, results: [] } as EngineEvent;
    const runError = { type: 'error', message: 'bad lr', about: 'run' } as EngineEvent;
    const lost = { type: 'device-lost', message: 'lost', checkpoint: null } as EngineEvent;
    for (const e of [progress, labDone, probe, runError, lost]) worker.emit(e);
    expect(trainerEvents.slice(1)).toEqual([progress, runError, lost]);
    expect(labEvents.slice(1)).toEqual([labDone, probe, lost]);

    // A late joiner is greeted with the engine's ready event.
    const late: EngineEvent[] = [];
    const third = connect('http://x/b/', () => { throw new Error('no second worker'); }, (e) => late.push(e));
    await Promise.resolve();
    expect(late).toEqual([READY]);
    for (const link of [trainer, lab, third]) link.release();
  });

  it('sends a run event to everyone until some element has driven the run', () => {
    const { workers, trainerEvents, labEvents, trainer, lab } = setUp('http://x/c/');
    const idle = { type: 'state', state: 'idle' } as EngineEvent;
    workers[0].emit(idle);
    expect(trainerEvents).toEqual([idle]);
    expect(labEvents).toEqual([idle]);
    trainer.release();
    lab.release();
  });
});
