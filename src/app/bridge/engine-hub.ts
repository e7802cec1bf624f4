/**
 * One engine worker per page and dataset, shared by every element that uses that dataset: the demo page's
 * trainer and initialization lab then hold one device and one copy of MNIST on the GPU, not two.
 *
 * The worker's events are routed to the element they concern: the run's events to the element that last
 * drove the run, the lab's to the element that started the lab, replies with an id to the element that
 * asked, and events about the engine itself (ready, unsupported, device lost) to every element. A late
 * joiner is greeted with the engine's last ready (or unsupported) event.
 */
import type { Command, EngineEvent } from '../../engine/protocol.ts';

export type Listener = (event: EngineEvent) => void;

export interface EngineLink {
  send(command: Command): void;
  /** Leaves the engine; the last element to leave ends the worker (and with it every GPU object). */
  release(): void;
}

type Topic = 'run' | 'lab' | 'dataset';

const RUN_COMMANDS = new Set<Command['type']>(['start', 'pause', 'resume', 'stop', 'step', 'set-lr', 'export-weights', 'import-weights', 'recover']);
const RUN_EVENTS = new Set<EngineEvent['type']>(['state', 'progress', 'epoch', 'evaluation', 'weights', 'weights-imported']);
const LAB_EVENTS = new Set<EngineEvent['type']>(['lab-progress', 'lab-epoch', 'lab-done']);

interface Engine {
  worker: Worker;
  listeners: Set<Listener>;
  /** The last 'ready' or 'unsupported' event, for elements that join later. */
  greeting: EngineEvent | null;
  /** Who last drove each topic; undefined: nobody yet (events go to everyone). */
  owners: Map<Topic, Listener>;
  /** Who asked each question with an id. */
  askers: Map<number, Listener>;
}

const engines = new Map<string, Engine>();
let nextId = 1;

/** An id for a request, unique across every element of the page. */
export function requestId(): number {
  return nextId++;
}

function topicOf(command: Command): Topic | null {
  if (RUN_COMMANDS.has(command.type)) return 'run';
  if (command.type === 'lab' || command.type === 'lab-stop') return 'lab';
  if (command.type === 'load-dataset') return 'dataset';
  return null;
}

function deliver(engine: Engine, event: EngineEvent): void {
  let to: Listener | undefined;
  if ('id' in event && typeof event.id === 'number') {
    to = engine.askers.get(event.id);
    engine.askers.delete(event.id);
  } else if (RUN_EVENTS.has(event.type)) {
    to = engine.owners.get('run');
  } else if (LAB_EVENTS.has(event.type)) {
    to = engine.owners.get('lab');
  } else if (event.type === 'error' && event.about) {
    to = engine.owners.get(event.about);
  }
  if (event.type === 'ready' || event.type === 'unsupported') engine.greeting = event;
  if (to && engine.listeners.has(to)) to(event);
  else for (const listener of engine.listeners) listener(event);
}

/** Joins the engine for `dataUrl` (starting its worker with `createWorker` when it is the first). */
export function connect(dataUrl: string, createWorker: () => Worker, listener: Listener): EngineLink {
  let engine = engines.get(dataUrl);
  if (!engine) {
    const created: Engine = { worker: createWorker(), listeners: new Set(), greeting: null, owners: new Map(), askers: new Map() };
    created.worker.addEventListener('message', (message: MessageEvent<EngineEvent>) => deliver(created, message.data));
    created.worker.addEventListener('error', (error: ErrorEvent) =>
      deliver(created, { type: 'error', message: `the engine's worker failed: ${error.message || 'unknown error'}` }),
    );
    created.worker.postMessage({ type: 'init', dataUrl } satisfies Command);
    engines.set(dataUrl, created);
    engine = created;
  } else if (engine.greeting) {
    const greeting = engine.greeting;
    queueMicrotask(() => listener(greeting));
  }
  engine.listeners.add(listener);
  const joined = engine;
  return {
    send(command) {
      const topic = topicOf(command);
      if (topic) joined.owners.set(topic, listener);
      if ('id' in command) joined.askers.set(command.id, listener);
      joined.worker.postMessage(command);
    },
    release() {
      joined.listeners.delete(listener);
      for (const [topic, owner] of joined.owners) if (owner === listener) joined.owners.delete(topic);
      for (const [id, asker] of joined.askers) if (asker === listener) joined.askers.delete(id);
      if (joined.listeners.size === 0) {
        joined.worker.terminate();
        engines.delete(dataUrl);
      }
    },
  };
}
