/**
 * The engine's Web Worker: hosts an EngineSession (session.ts) off the main thread, so the page stays smooth
 * while the GPU trains. The session orders the commands itself (its header says how): the worker only hands
 * them over and posts the events back.
 */
/// <reference lib="webworker" />
import { EngineSession } from './session.ts';
import type { Command, EngineEvent } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const session = new EngineSession(self.navigator.gpu, (event: EngineEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer));

self.addEventListener('message', (message: MessageEvent<Command>) => void session.handle(message.data));
