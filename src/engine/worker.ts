/**
 * The engine's Web Worker: hosts an EngineSession (session.ts) off the main thread, so the page stays smooth
 * while the GPU trains. Commands are handled one at a time, in order, except pause, stop and lab-stop,
 * which must reach a run that is in progress.
 */
/// <reference lib="webworker" />
import { EngineSession } from './session.ts';
import type { Command, EngineEvent } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const session = new EngineSession(self.navigator.gpu, (event: EngineEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer));

const INTERRUPTS = new Set<Command['type']>(['pause', 'stop', 'lab-stop', 'set-lr', 'stats', 'simulate-device-loss']);
let queue: Promise<void> = Promise.resolve();

self.addEventListener('message', (message: MessageEvent<Command>) => {
  const command = message.data;
  if (INTERRUPTS.has(command.type)) {
    void session.handle(command);
    return;
  }
  queue = queue.then(() => session.handle(command));
});
