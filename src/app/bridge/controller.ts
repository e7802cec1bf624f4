/**
 * The bridge between a Lit component and the engine's worker: a ReactiveController that joins the page's
 * engine for its dataset (shared with the page's other elements, see engine-hub.ts), sends commands, keeps
 * the state the engine reports, and asks its host to re-render at most once per animation frame however
 * fast progress arrives. The worker (and with it every GPU object) ends when the last element using it
 * leaves the page.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AdapterSummary } from '../../gpu/context.ts';
import type { EpochResult, Progress } from '../../train/trainer.ts';
import type { Recipe } from '../../train/recipe.ts';
import { connect, requestId, type EngineLink } from './engine-hub.ts';
import type { Command, EngineEvent, Evaluation, ProbeResult, RunState } from '../../engine/protocol.ts';

export interface LossPoint {
  /** Global step (1-based) at the end of the chunk. */
  step: number;
  /** Fractional epoch, for the x axis. */
  epoch: number;
  loss: number;
}

export interface ControllerOptions {
  /** Folder holding MNIST's four IDX files (gzip); relative URLs resolve against the page. */
  dataUrl: string;
  /** Called with every engine event, after the controller's own state is updated (the element re-dispatches them as DOM events). */
  onEvent?: (event: EngineEvent) => void;
  /** Makes the worker; tests and embedders may replace it. */
  createWorker?: () => Worker;
}

export function defaultWorker(): Worker {
  return new Worker(new URL('../../engine/worker.ts', import.meta.url), { type: 'module', name: 'mlp-engine' });
}

/** Why WebGPU cannot run here, checked on the main thread before any worker starts; null when it may. */
export function webgpuUnavailableReason(): string | null {
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    return 'This browser does not offer WebGPU. Open the page in a recent Chrome or Edge (version 113 or later); in other browsers, or where WebGPU is turned off, enable it (chrome://flags/#enable-unsafe-webgpu) or use another machine.';
  }
  if (!window.isSecureContext) {
    return 'WebGPU needs a secure context: open this page over https:// or from localhost, not from a file or plain http address.';
  }
  return null;
}

export class EngineController implements ReactiveController {
  state: RunState = 'loading';
  adapter: AdapterSummary | null = null;
  dataset: Extract<EngineEvent, { type: 'ready' }>['dataset'] | null = null;
  /** Set when WebGPU cannot run here: what is missing and what to do. */
  unsupported: string | null = null;
  error: string | null = null;
  errorField: string | null = null;
  progress: Progress | null = null;
  stepsTotal = 0;
  losses: LossPoint[] = [];
  epochs: EpochResult[] = [];
  evaluations: Evaluation[] = [];
  /** Set when the GPU device was lost: what happened and the checkpoint recover() continues from. */
  deviceLost: Extract<EngineEvent, { type: 'device-lost' }> | null = null;
  /** The recipe of the current (or last) run. */
  recipe: Recipe | null = null;

  private link: EngineLink | null = null;
  private frame = 0;
  private readonly pending = new Map<number, (event: EngineEvent) => void>();
  private weightsWaiter: { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void } | null = null;

  constructor(private readonly host: ReactiveControllerHost, private readonly options: ControllerOptions) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsupported = webgpuUnavailableReason();
    if (this.unsupported) {
      this.state = 'error';
      this.host.requestUpdate();
      return;
    }
    this.link = connect(new URL(this.options.dataUrl, document.baseURI).href, this.options.createWorker ?? defaultWorker, this.onEvent);
  }

  hostDisconnected(): void {
    this.link?.release();
    this.link = null;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.pending.clear();
  }

  get ready(): boolean {
    return this.dataset !== null && this.unsupported === null;
  }

  start(recipe: Recipe, evalEachEpoch = true): void {
    this.reset(recipe);
    this.send({ type: 'start', recipe, evalEachEpoch });
  }

  /** Forgets the last run's curves and results before a new one. */
  private reset(recipe: Recipe): void {
    this.recipe = recipe;
    this.losses = [];
    this.epochs = [];
    this.evaluations = [];
    this.progress = null;
    this.error = null;
    this.errorField = null;
    this.deviceLost = null;
    this.stepsTotal = 0;
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  stop(): void {
    this.send({ type: 'stop' });
  }

  step(recipe: Recipe): void {
    if (!this.recipe || this.state === 'finished' || this.state === 'stopped' || this.state === 'idle') this.reset(recipe);
    this.send({ type: 'step', recipe });
  }

  setLearningRate(lr: number): void {
    this.send({ type: 'set-lr', lr });
  }

  /** Class probabilities for one image (rows*cols u8) under the current weights. */
  predict(pixels: Uint8Array): Promise<number[]> {
    const id = requestId();
    return new Promise((resolve, reject) => {
      this.pending.set(id, (event) => (event.type === 'prediction' ? resolve(event.probabilities) : reject(new Error(event.type === 'error' ? event.message : 'prediction failed'))));
      this.send({ type: 'predict', id, pixels });
    });
  }

  /** The current weights as a safetensors file; rejects with the engine's message when there are none. */
  exportWeights(): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.weightsWaiter = { resolve, reject };
      this.send({ type: 'export-weights' });
    });
  }

  importWeights(bytes: Uint8Array, recipe: Recipe): void {
    this.reset(recipe);
    this.send({ type: 'import-weights', bytes, recipe });
  }

  /**
   * Replaces the engine's dataset with four IDX files (MNIST's names, plain or .gz). The engine answers with
   * 'ready' (the new dataset; the last run's results are then dropped) or with 'error' (the old one kept).
   */
  loadDataset(name: string, files: Array<{ name: string; bytes: Uint8Array }>): void {
    this.error = null;
    this.errorField = null;
    this.send({ type: 'load-dataset', name, files });
  }

  probe(layers: number[], inits: string[], batch: number, seed: number): Promise<ProbeResult[]> {
    const id = requestId();
    return new Promise((resolve, reject) => {
      this.pending.set(id, (event) => (event.type === 'probe' ? resolve(event.results) : reject(new Error(event.type === 'error' ? event.message : 'probe failed'))));
      this.send({ type: 'probe', id, layers, inits, batch, seed });
    });
  }

  /** What the engine holds on the GPU now (bytes, buffers, pipelines). */
  stats(): Promise<Extract<EngineEvent, { type: 'stats' }>> {
    const id = requestId();
    return new Promise((resolve, reject) => {
      this.pending.set(id, (event) => (event.type === 'stats' ? resolve(event) : reject(new Error(event.type === 'error' ? event.message : 'stats failed'))));
      this.send({ type: 'stats', id });
    });
  }

  /** After a lost device: continue from the checkpoint the engine kept, on a new device. */
  recover(): void {
    if (this.error === this.deviceLost?.message) this.error = null;
    this.deviceLost = null;
    this.send({ type: 'recover' });
  }

  /** Destroys the engine's GPU device, as a driver reset would (to try how a run survives it). */
  simulateDeviceLoss(): void {
    this.send({ type: 'simulate-device-loss' });
  }

  lab(recipe: Recipe, inits: string[]): void {
    this.send({ type: 'lab', recipe, inits });
  }

  labStop(): void {
    this.send({ type: 'lab-stop' });
  }

  private send(command: Command): void {
    if (!this.link) {
      this.error = this.unsupported ?? 'the engine is not running';
      this.host.requestUpdate();
      return;
    }
    this.link.send(command);
  }

  private readonly onEvent = (event: EngineEvent): void => {
    switch (event.type) {
      case 'ready':
        // A dataset replacing another: the last run, trained on the old one, is gone with it.
        if (this.dataset) {
          this.recipe = null;
          this.losses = [];
          this.epochs = [];
          this.evaluations = [];
          this.progress = null;
          this.stepsTotal = 0;
          this.deviceLost = null;
        }
        this.adapter = event.adapter;
        this.dataset = event.dataset;
        this.state = 'idle';
        break;
      case 'unsupported':
        this.unsupported = event.reason;
        this.state = 'error';
        break;
      case 'state':
        this.state = event.state;
        if (event.state === 'running') this.error = null;
        break;
      case 'progress': {
        const p = event.progress;
        this.progress = p;
        this.stepsTotal = event.stepsTotal;
        const first = p.step - p.losses.length;
        p.losses.forEach((loss, i) => {
          const step = first + i + 1;
          this.losses.push({ step, epoch: step / p.stepsPerEpoch, loss });
        });
        break;
      }
      case 'epoch':
        this.epochs = [...this.epochs, event.result];
        break;
      case 'evaluation':
      case 'weights-imported': {
        const evaluation = event.evaluation;
        this.evaluations = [...this.evaluations.filter((e) => e.epoch !== evaluation.epoch), evaluation];
        break;
      }
      case 'weights':
        this.weightsWaiter?.resolve(event.bytes);
        this.weightsWaiter = null;
        break;
      case 'prediction':
      case 'probe':
      case 'stats':
        this.pending.get(event.id)?.(event);
        this.pending.delete(event.id);
        break;
      case 'device-lost':
        this.deviceLost = event;
        this.error = event.message;
        break;
      case 'error':
        this.error = event.message;
        this.errorField = event.field ?? null;
        // An error about one request settles that request; any other, every request still waiting.
        for (const [id, settle] of this.pending) {
          if (event.id !== undefined && event.id !== id) continue;
          settle(event);
          this.pending.delete(id);
        }
        this.weightsWaiter?.reject(new Error(event.message));
        this.weightsWaiter = null;
        break;
    }
    this.options.onEvent?.(event);
    this.scheduleUpdate();
  };

  /** Re-render at most once per animation frame. */
  private scheduleUpdate(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.host.requestUpdate();
    });
  }
}
