/**
 * One engine worker per page and dataset, shared by every element that uses that dataset: the demo page's
 * trainer and initialization lab then hold one device and one copy of MNIST on the GPU, not two.
 *
 * The worker's events are routed to the element they concern: a reply (any event with an id) to the element
 * that asked; the main run's news (state, progress, epoch, evaluation, an error about the run) to the element
 * that last drove the run; the lab's to the element that last drove the lab; and the engine's own (ready,
 * unsupported, device lost, the dataset missing at start and the 'no-data' state, a dead worker) to every
 * element. A late joiner is greeted with what the engine said of itself: its last ready or unsupported event,
 * or the dataset's failure and 'no-data'.
 *
 * A worker that fails (its script did not load, or it crashed) is ended: every element hears it as an error
 * about the engine, and a request sent to it afterwards is answered at once with that error, so no request
 * waits forever. An element that joins later starts a new worker.
 */
import type { Command, EngineError, EngineEvent, Request } from '../../engine/protocol.ts';

export type Listener = (event: EngineEvent) => void;

export interface EngineLink {
  send(request: Request): void;
  /** Leaves the engine; the last element to leave ends the worker (and with it every GPU object). */
  release(): void;
}

type Topic = 'run' | 'lab';

const TOPIC_OF: Partial<Record<Request['type'], Topic>> = {
  start: 'run',
  pause: 'run',
  resume: 'run',
  stop: 'run',
  step: 'run',
  'fine-tune': 'run',
  'set-lr': 'run',
  'import-weights': 'run',
  recover: 'run',
  lab: 'lab',
  'lab-stop': 'lab',
};
const RUN_EVENTS = new Set<EngineEvent['type']>(['state', 'progress', 'epoch', 'evaluation']);
const LAB_EVENTS = new Set<EngineEvent['type']>(['lab-progress', 'lab-epoch', 'lab-done']);

interface Engine {
  worker: Worker;
  listeners: Set<Listener>;
  /** What the engine last said of itself, for elements that join later. */
  greeting: EngineEvent[];
  /** Who last drove each topic; undefined: nobody yet (its events go to everyone). */
  owners: Map<Topic, Listener>;
  /** Who asked each request still unanswered. */
  askers: Map<number, Listener>;
  /** Set once the worker failed: the error every later request is answered with. */
  dead: EngineError | null;
}

const engines = new Map<string, Engine>();
let nextId = 1;

/** An id for a request, unique across every element of the page. */
export function requestId(): number {
  return nextId++;
}

/** Whether an event is about the engine itself (every element hears it, and a late joiner is greeted with it). */
function aboutEngine(event: EngineEvent): boolean {
  if (event.type === 'ready' || event.type === 'unsupported' || event.type === 'device-lost') return true;
  if (event.type === 'state') return event.state === 'no-data';
  // An error about the dataset without an id is the dataset failing to load at start.
  return event.type === 'error' && event.id === undefined && (event.about === 'engine' || event.about === 'dataset');
}

function recipientOf(engine: Engine, event: EngineEvent): Listener | undefined {
  if ('id' in event && typeof event.id === 'number') {
    const asker = engine.askers.get(event.id);
    engine.askers.delete(event.id);
    return asker;
  }
  if (aboutEngine(event)) return undefined;
  if (RUN_EVENTS.has(event.type)) return engine.owners.get('run');
  if (LAB_EVENTS.has(event.type)) return engine.owners.get('lab');
  if (event.type === 'error' && (event.about === 'run' || event.about === 'lab')) return engine.owners.get(event.about);
  return undefined;
}

function remember(engine: Engine, event: EngineEvent): void {
  if (event.type === 'ready' || event.type === 'unsupported') engine.greeting = [event];
  else if (event.type === 'error' && aboutEngine(event)) engine.greeting = [event];
  else if (event.type === 'state' && event.state === 'no-data') engine.greeting = [...engine.greeting.filter((e) => e.type === 'error'), event];
}

function deliver(engine: Engine, event: EngineEvent): void {
  const to = recipientOf(engine, event);
  remember(engine, event);
  if (to && engine.listeners.has(to)) to(event);
  else if (!('id' in event && typeof event.id === 'number')) for (const listener of engine.listeners) listener(event);
}

/** Ends a worker that failed; its elements hear why, and later requests are answered with it. */
function bury(engine: Engine, dataUrl: string, why: string): void {
  if (engine.dead) return;
  const error: EngineError = { type: 'error', message: `The engine's worker stopped (${why}); reload the page to start it again.`, about: 'engine' };
  engine.dead = error;
  engine.worker.terminate();
  if (engines.get(dataUrl) === engine) engines.delete(dataUrl);
  engine.askers.clear();
  deliver(engine, error);
}

/** Joins the engine for `dataUrl` (starting its worker with `createWorker` when it is the first). */
export function connect(dataUrl: string, createWorker: () => Worker, listener: Listener): EngineLink {
  let engine = engines.get(dataUrl);
  if (!engine) {
    const created: Engine = { worker: createWorker(), listeners: new Set(), greeting: [], owners: new Map(), askers: new Map(), dead: null };
    created.worker.addEventListener('message', (message: MessageEvent<EngineEvent>) => deliver(created, message.data));
    created.worker.addEventListener('error', (error: ErrorEvent) => bury(created, dataUrl, error.message || 'an error with no message'));
    created.worker.addEventListener('messageerror', () => bury(created, dataUrl, 'a message could not be read'));
    created.worker.postMessage({ type: 'init', dataUrl } satisfies Command);
    engines.set(dataUrl, created);
    engine = created;
  } else if (engine.greeting.length > 0) {
    const greeting = engine.greeting;
    queueMicrotask(() => greeting.forEach(listener));
  }
  engine.listeners.add(listener);
  const joined = engine;
  return {
    send(request) {
      if (joined.dead) {
        const answer: EngineEvent = { ...joined.dead, id: request.id };
        queueMicrotask(() => listener(answer));
        return;
      }
      const topic = TOPIC_OF[request.type];
      if (topic) joined.owners.set(topic, listener);
      joined.askers.set(request.id, listener);
      joined.worker.postMessage(request);
    },
    release() {
      joined.listeners.delete(listener);
      for (const [topic, owner] of joined.owners) if (owner === listener) joined.owners.delete(topic);
      for (const [id, asker] of joined.askers) if (asker === listener) joined.askers.delete(id);
      if (joined.listeners.size === 0 && !joined.dead) {
        joined.worker.terminate();
        engines.delete(dataUrl);
      }
    },
  };
}
