/**
 * The bridge between a Lit component and the engine's worker: a ReactiveController that joins the page's
 * engine for its dataset (shared with the page's other elements, see engine-hub.ts), sends commands, keeps
 * the state the engine reports, and asks its host to re-render at most once per animation frame however
 * fast progress arrives. The worker (and with it every GPU object) ends when the last element using it
 * leaves the page.
 *
 * Every method sends one request and returns a promise that settles exactly once, when the engine answers
 * that request (each request has its own id, so two exports in flight both settle). The promises NEVER
 * reject: a method resolves with the answer (true for a command with nothing else to say), or with null
 * (false for such a command) when the engine refused or failed, the worker died, or the element left the
 * page first. The reason is then in `error` (with `errorFault` and `errorSource` as data), set before the
 * promise settles. So an element may ignore a promise (fire and forget) or await it without try/catch, and
 * no unhandled rejection can reach the console.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AdapterSummary } from '../../gpu/context.ts';
import type { EpochResult, Progress } from '../../train/trainer.ts';
import type { StepDiagnostics } from '../../train/diagnostics.ts';
import type { ConfigFault, LrChange, Recipe } from '../../train/recipe.ts';
import { connect, requestId, type EngineLink } from './engine-hub.ts';
import engineWorkerUrl from '../../engine/worker.ts?worker&url';
import type { DataSource, DatasetSummary, EngineEvent, Evaluation, ProbeResult, Request, RunState } from '../../engine/protocol.ts';

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

/** A weight file the engine loaded: its name, the widths its tensors give, and its evaluation on the test set. */
export interface ImportedWeights {
  name: string;
  layers: number[];
  evaluation: Evaluation;
}

export interface TestImage {
  index: number;
  label: number;
  /** rows*cols u8 pixels. */
  pixels: Uint8Array;
}

export type EngineStats = Omit<Extract<EngineEvent, { type: 'stats' }>, 'type' | 'id'>;

/**
 * The most diagnostics samples a controller keeps. A run reaching it keeps every second one (always the first
 * and the latest), so the history still spans the whole run, at half the density in its older part. The
 * lesson's 15 epochs take about 200 samples.
 */
export const DIAGNOSTICS_HISTORY = 1000;

/** `history` with `samples` added, thinned to `limit` samples (DIAGNOSTICS_HISTORY, see there). */
export function keepDiagnostics(history: readonly StepDiagnostics[], samples: readonly StepDiagnostics[], limit = DIAGNOSTICS_HISTORY): StepDiagnostics[] {
  let kept = [...history, ...samples];
  while (kept.length > limit) kept = kept.filter((_, i) => i % 2 === 0 || i === kept.length - 1);
  return kept;
}

/**
 * The engine's worker, from the module the build emits beside this one. A page may load the elements from
 * another origin (a CDN), but a worker's script must come from the page's own: then a module worker made
 * from a blob (which has the page's origin) imports the real one, which CORS lets it fetch.
 */
export function defaultWorker(): Worker {
  const url = new URL(engineWorkerUrl, import.meta.url);
  const options: WorkerOptions = { type: 'module', name: 'mlp-engine' };
  if (url.origin === location.origin) return new Worker(url, options);
  const shim = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
  // The blob's URL is never revoked: the worker fetches it after the constructor returns.
  return new Worker(URL.createObjectURL(shim), options);
}

/** Why WebGPU cannot run here, checked on the main thread before any worker starts; null when it may. */
export function webgpuUnavailableReason(): string | null {
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    return 'This browser does not offer WebGPU. Open the page in a recent Chrome or Edge (version 113 or later); in other browsers, or where WebGPU is turned off, enable it (chrome://flags/#enable-unsafe-webgpu) or use another machine.';
  }
  // Chromium counts a file:// page as a secure context, but will not start the engine's worker there (and
  // refuses module scripts from files): the page must be served.
  if (!window.isSecureContext || window.location.protocol === 'file:') {
    return 'WebGPU needs a secure context (http://localhost or https): open this page over https:// or from a server on localhost (for example python3 -m http.server), not from a file or a plain http address.';
  }
  return null;
}

const LEFT_THE_PAGE = 'The element left the page before the engine answered; nothing more will come from that request.';

export class EngineController implements ReactiveController {
  state: RunState = 'loading';
  adapter: AdapterSummary | null = null;
  dataset: DatasetSummary | null = null;
  /** Set when WebGPU cannot run here: what is missing and what to do. */
  unsupported: string | null = null;
  progress: Progress | null = null;
  stepsTotal = 0;
  losses: LossPoint[] = [];
  /**
   * The run's diagnostics (per-layer statistics, src/train/diagnostics.ts), oldest first: the samples the
   * engine takes (the run's first step, every defaultDiagnosticsEvery(layers) steps, each epoch's last) and, when
   * the run diverged, that step measured again (its nonFinite says where it broke). A new array whenever
   * samples arrive; cleared when a run starts; at most DIAGNOSTICS_HISTORY. The epoch's last is also in
   * `epochs[i].diagnostics`.
   */
  diagnostics: StepDiagnostics[] = [];
  epochs: EpochResult[] = [];
  evaluations: Evaluation[] = [];
  /** Set when the GPU device was lost: what happened and the checkpoint recover() continues from. */
  deviceLost: Extract<EngineEvent, { type: 'device-lost' }> | null = null;
  /** The recipe of the current (or last) run; for imported weights, the lesson's settings with the file's widths. */
  recipe: Recipe | null = null;

  private failure: { message: string; fault: ConfigFault | null; source: DataSource | null } | null = null;
  private link: EngineLink | null = null;
  private frame = 0;
  /** How each request still unanswered settles: with its reply, or with nothing (failed). */
  private readonly pending = new Map<number, (reply: EngineEvent | null) => void>();
  /** Run events from runs begun before this id are a replaced run's last words, not the run shown. */
  private runFloor = 0;

  constructor(private readonly host: ReactiveControllerHost, private readonly options: ControllerOptions) {
    host.addController(this);
  }

  /** The latest failure's sentence (null: none); setting it (to null, say) also clears errorFault and errorSource. */
  get error(): string | null {
    return this.failure?.message ?? null;
  }

  set error(message: string | null) {
    this.failure = message === null ? null : { message, fault: null, source: null };
  }

  /** When `error` is about a setting: which (a Recipe key), what it allows, and for layers which width. */
  get errorFault(): ConfigFault | null {
    return this.failure?.fault ?? null;
  }

  /** When `error` is the dataset failing to load from `dataUrl`: the URL tried and what it answered. */
  get errorSource(): DataSource | null {
    return this.failure?.source ?? null;
  }

  /** A dataset is loaded and the engine can train. */
  get ready(): boolean {
    return this.dataset !== null && this.unsupported === null;
  }

  /** The engine has a GPU device: a dataset can be loaded (loadDataset), even when the default one was missing. */
  get gpuReady(): boolean {
    return this.ready || this.state === 'no-data';
  }

  /** Lit: the host joined the page; joins the engine for `dataUrl` (or records why WebGPU cannot run here). */
  hostConnected(): void {
    this.unsupported = webgpuUnavailableReason();
    if (this.unsupported) {
      this.state = 'error';
      this.host.requestUpdate();
      return;
    }
    this.link = connect(new URL(this.options.dataUrl, document.baseURI).href, this.options.createWorker ?? defaultWorker, this.onEvent);
  }

  /** Lit: the host left the page; leaves the engine, and settles every request still waiting (null or false). */
  hostDisconnected(): void {
    this.link?.release();
    this.link = null;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.pending.size > 0) this.error = LEFT_THE_PAGE;
    this.settleAll();
  }

  /** Compiles the kernels `recipe` needs ahead of Start (the page's first start then begins at once); true when done. */
  prepare(recipe: Recipe): Promise<boolean> {
    return this.command({ type: 'prepare', id: requestId(), recipe });
  }

  /**
   * Trains a new model for `recipe` from scratch (replacing any run; the curves shown are cleared as it is
   * sent). Resolves true once it trains, false if refused.
   */
  start(recipe: Recipe, evalEachEpoch = true): Promise<boolean> {
    const id = requestId();
    this.reset(recipe, id);
    return this.command({ type: 'start', id, recipe, evalEachEpoch });
  }

  /** Pauses the run. Resolves true once it has paused (or when nothing was training). */
  pause(): Promise<boolean> {
    return this.command({ type: 'pause', id: requestId() });
  }

  /** Resumes the paused run. Resolves true once it trains; false when refused (finished, stopped, imported weights). */
  resume(): Promise<boolean> {
    return this.command({ type: 'resume', id: requestId() });
  }

  /** Stops the run; its weights stay for predict and export. Resolves true once it has stopped. */
  stop(): Promise<boolean> {
    return this.command({ type: 'stop', id: requestId() });
  }

  /** One training step: of the paused run, or of a new run for `recipe`. Resolves true once taken, false if refused. */
  step(recipe: Recipe): Promise<boolean> {
    const id = requestId();
    if (!this.recipe || this.state === 'finished' || this.state === 'stopped' || this.state === 'idle') this.reset(recipe, id);
    return this.command({ type: 'step', id, recipe });
  }

  /**
   * Trains the current weights (imported, or a run's) under `recipe`, whose layers must be the model's;
   * epochs count from 0. Resolves true once it trains, false if refused (the reason in `error`).
   */
  fineTune(recipe: Recipe, evalEachEpoch = true): Promise<boolean> {
    const id = requestId();
    this.reset(recipe, id);
    return this.command({ type: 'fine-tune', id, recipe, evalEachEpoch });
  }

  /**
   * A new learning rate from the run's next step on. Resolves with the change (the first step at the new
   * rate, and the rate; `recipe` then records it in lrChanges), or null when refused (no run in progress,
   * or a rate out of range: see `errorFault`).
   */
  setLearningRate(lr: number): Promise<LrChange | null> {
    return this.ask({ type: 'set-lr', id: requestId(), lr }, (reply) => {
      if (reply.type !== 'lr-set') return null;
      this.recipe = reply.recipe;
      return { step: reply.step, lr: reply.lr };
    });
  }

  /** Class probabilities for one image (rows*cols u8) under the current weights; null when there is no model. */
  predict(pixels: Uint8Array): Promise<number[] | null> {
    return this.ask({ type: 'predict', id: requestId(), pixels }, (reply) => (reply.type === 'prediction' ? reply.probabilities : null));
  }

  /** Test-set image `index` with its label; null when the index is out of range (`error` names the range) or no dataset is loaded. */
  testImage(index: number): Promise<TestImage | null> {
    return this.ask({ type: 'test-image', id: requestId(), index }, (reply) => (reply.type === 'test-image' ? { index: reply.index, label: reply.label, pixels: reply.pixels } : null));
  }

  /** The current weights as a safetensors file and a name for it; null when there is no model. */
  exportWeights(): Promise<{ bytes: Uint8Array; filename: string } | null> {
    return this.ask({ type: 'export-weights', id: requestId() }, (reply) => (reply.type === 'weights' ? { bytes: reply.bytes, filename: reply.filename } : null));
  }

  /**
   * Loads the model a safetensors file holds (its widths are the file's) and evaluates it on the test set.
   * Resolves with it once loaded: the last run's curves are then replaced by that evaluation and the state
   * becomes 'imported'. Resolves null when refused: nothing changed, here or in the engine.
   */
  importWeights(bytes: Uint8Array, name: string): Promise<ImportedWeights | null> {
    const id = requestId();
    return this.ask({ type: 'import-weights', id, bytes, name }, (reply) => {
      if (reply.type !== 'weights-imported') return null;
      this.reset(reply.recipe, id);
      this.evaluations = [reply.evaluation];
      return { name: reply.name, layers: reply.layers, evaluation: reply.evaluation };
    });
  }

  /**
   * Replaces the engine's dataset with four IDX files (MNIST's names, plain or .gz). Resolves true once
   * loaded (every element then hears 'ready', and the last run is dropped), false when refused (the old
   * dataset is kept).
   */
  loadDataset(name: string, files: Array<{ name: string; bytes: Uint8Array }>): Promise<boolean> {
    this.error = null;
    return this.command({ type: 'load-dataset', id: requestId(), name, files });
  }

  /** The depth probe's statistics, one result per initializer; null when refused. */
  probe(layers: number[], inits: string[], batch: number, seed: number): Promise<ProbeResult[] | null> {
    return this.ask({ type: 'probe', id: requestId(), layers, inits, batch, seed }, (reply) => (reply.type === 'probe' ? reply.results : null));
  }

  /** What the engine holds on the GPU now (bytes, buffers, pipelines). */
  stats(): Promise<EngineStats | null> {
    return this.ask({ type: 'stats', id: requestId() }, (reply) => {
      if (reply.type !== 'stats') return null;
      const { bytes, byPurpose, buffers, pipelines } = reply;
      return { bytes, byPurpose, buffers, pipelines };
    });
  }

  /** After a lost device: the model back from the engine's checkpoint on a new device. Resolves true once there. */
  recover(): Promise<boolean> {
    if (this.error === this.deviceLost?.message) this.error = null;
    this.deviceLost = null;
    return this.command({ type: 'recover', id: requestId() });
  }

  /** Destroys the engine's GPU device, as a driver reset would (to try how a run survives it). */
  simulateDeviceLoss(): Promise<boolean> {
    return this.command({ type: 'simulate-device-loss', id: requestId() });
  }

  /**
   * Starts the initialization lab (stopping one that runs): `recipe` once per initializer, each run's
   * diagnostics every `diagnosticsEvery` steps when given. `id` is the lab's, as its events carry it;
   * `training` resolves true once its models train, false if refused.
   */
  lab(recipe: Recipe, inits: string[], diagnosticsEvery?: number): { id: number; training: Promise<boolean> } {
    const id = requestId();
    return { id, training: this.command({ type: 'lab', id, recipe, inits, ...(diagnosticsEvery === undefined ? {} : { diagnosticsEvery }) }) };
  }

  /** Stops the lab. Resolves true once it has ended (after its 'lab-done'). */
  labStop(): Promise<boolean> {
    return this.command({ type: 'lab-stop', id: requestId() });
  }

  /** Forgets the last run's curves and results before a new one (begun by request `id`). */
  private reset(recipe: Recipe, id: number): void {
    this.recipe = recipe;
    this.losses = [];
    this.diagnostics = [];
    this.epochs = [];
    this.evaluations = [];
    this.progress = null;
    this.error = null;
    this.deviceLost = null;
    this.stepsTotal = 0;
    this.runFloor = id;
  }

  private command(request: Request): Promise<boolean> {
    return this.ask(request, () => true).then((done) => done ?? false);
  }

  /** Sends `request`; resolves with `read(reply)`, or null when it failed or will never be answered. */
  private ask<T>(request: Request, read: (reply: EngineEvent) => T | null): Promise<T | null> {
    return new Promise((resolve) => {
      if (!this.link) {
        this.error = this.unsupported ?? 'The engine is not running: the element is not on a page.';
        this.host.requestUpdate();
        resolve(null);
        return;
      }
      this.pending.set(request.id, (reply) => resolve(reply && reply.type !== 'error' ? read(reply) : null));
      this.link.send(request);
    });
  }

  private settleAll(): void {
    for (const settle of this.pending.values()) settle(null);
    this.pending.clear();
  }

  /** Whether a run event comes from a run replaced since (its last chunk arriving after the new run began). */
  private stale(event: EngineEvent): boolean {
    return (event.type === 'progress' || event.type === 'epoch' || event.type === 'evaluation') && event.run < this.runFloor;
  }

  private readonly onEvent = (event: EngineEvent): void => {
    if (this.stale(event)) return;
    this.record(event);
    if ('id' in event && typeof event.id === 'number') {
      this.pending.get(event.id)?.(event);
      this.pending.delete(event.id);
    }
    // The worker died: no request will be answered.
    if (event.type === 'error' && event.about === 'engine') this.settleAll();
    this.options.onEvent?.(event);
    this.scheduleUpdate();
  };

  /** The controller's own state from an event (before any request settles, so a settled promise sees it). */
  private record(event: EngineEvent): void {
    switch (event.type) {
      case 'ready':
        // A dataset replacing another: the last run, trained on the old one, is gone with it.
        if (this.dataset) {
          this.recipe = null;
          this.losses = [];
          this.diagnostics = [];
          this.epochs = [];
          this.evaluations = [];
          this.progress = null;
          this.stepsTotal = 0;
          this.deviceLost = null;
        }
        // A dataset at last, after the default one was missing: that failure is over.
        if (this.errorSource) this.error = null;
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
        if (p.diagnostics?.length) this.diagnostics = keepDiagnostics(this.diagnostics, p.diagnostics);
        break;
      }
      case 'epoch':
        this.epochs = [...this.epochs, event.result];
        break;
      case 'evaluation': {
        const evaluation = event.evaluation;
        this.evaluations = [...this.evaluations.filter((e) => e.epoch !== evaluation.epoch), evaluation];
        break;
      }
      case 'device-lost':
        this.deviceLost = event;
        this.error = event.message;
        break;
      case 'error': {
        const { field, allowed, index } = event;
        const fault = field === undefined && allowed === undefined && index === undefined ? null : { field, allowed, index };
        this.failure = { message: event.message, fault, source: event.source ?? null };
        if (event.about === 'engine') this.state = 'error';
        // A diverged run's step measured again (the lab's are the lab's).
        if (event.diagnostics && event.about !== 'lab') this.diagnostics = keepDiagnostics(this.diagnostics, [event.diagnostics]);
        break;
      }
      default:
        break;
    }
  }

  /** Re-render at most once per animation frame. */
  private scheduleUpdate(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.host.requestUpdate();
    });
  }
}
