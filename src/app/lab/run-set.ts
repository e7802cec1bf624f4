/**
 * One lab command's runs, as a panel shows them: a model trained under each chosen initializer, interleaved
 * by the worker. It starts the lab, keeps each run's losses, epochs, diagnostics and divergence from the
 * engine's events (only those of its own lab: the other panel's lab replaces it in the engine, and its
 * events are not ours), and ends when the engine says so. Both lab panels hold one; the host element
 * forwards the engine's events.
 */
import type { EngineEvent } from '../../engine/protocol.ts';
import type { Recipe, RecipeField } from '../../train/recipe.ts';
import type { StepDiagnostics } from '../../train/diagnostics.ts';
import type { ChartSeries } from '../widgets/line-chart.ts';
import type { Point } from '../widgets/series.ts';
import { memo } from '../widgets/memo.ts';
import { keepDiagnostics } from '../bridge/controller.ts';
import { colorFor, dashFor, forLogScale, labelFor } from './lab-format.ts';
import type { PanelHost } from './lab-panel.ts';
import { engineError, type LabelledId, type Parsed } from './lab-form.ts';

export interface LabEpoch {
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Test accuracy after the epoch, as a fraction. */
  accuracy: number;
}

/** Where a run's loss stopped being finite; the run ended there. */
export interface LabDivergence {
  step: number;
  message: string;
  /** The layer and tensor where values first stopped being finite, when diagnostics were on. */
  where?: { layer: number; what: string };
}

export interface LabRun {
  init: string;
  /** (global step, loss) as the worker reported them. */
  losses: [number, number][];
  epochs: LabEpoch[];
  /** The run's diagnostics samples, oldest first (when the lab takes them). */
  diagnostics: StepDiagnostics[];
  diverged?: LabDivergence;
}

export type LabStatus = 'idle' | 'running' | 'stopping' | 'finished' | 'stopped' | 'failed';

/** Detail of the `lab-end` event. */
export interface LabEndDetail {
  status: 'finished' | 'stopped' | 'failed';
  runs: LabRun[];
}

/** The most diagnostics samples a lab run keeps (keepDiagnostics thins beyond). */
const MAX_SAMPLES = 400;

export class RunSet {
  runs: LabRun[] = [];
  status: LabStatus = 'idle';
  /** The recipe the runs train (null before the first start). */
  recipe: Recipe | null = null;
  /** Bumped by every change to `runs`, so charts get new data (and a redraw) only when there is some. */
  version = 0;
  private lab: number | null = null;

  /** One loss curve per run; `withDiverged` false leaves out the runs that diverged (their losses dwarf the others'). */
  readonly lossSeries = memo((_version: number, logY: boolean, withDiverged = true) =>
    this.runs
      .filter((r) => withDiverged || !r.diverged)
      .map((r) => seriesOf(r.init, r.losses.map(([s, l]) => [s, logY ? forLogScale(l) : Number.isFinite(l) ? l : null] as const))),
  );

  readonly accuracySeries = memo((_version: number) =>
    this.runs.map((r) => seriesOf(r.init, r.epochs.map((e) => [e.epoch, Number.isFinite(e.accuracy) ? e.accuracy * 100 : null] as const))),
  );

  /** `onFail`: the runs failed or were refused (the engine's error is in the host's controller). */
  constructor(private readonly host: PanelHost, private readonly onFail: () => void) {}

  get busy(): boolean {
    return this.status === 'running' || this.status === 'stopping';
  }

  /** Starts the engine's lab for `recipe` under each of `inits` (stopping whatever lab ran). */
  start(recipe: Recipe, inits: string[], diagnosticsEvery?: number): void {
    this.recipe = recipe;
    this.runs = inits.map((init) => ({ init, losses: [], epochs: [], diagnostics: [] }));
    this.version++;
    this.status = 'running';
    const { id, training } = this.host.engine.lab(recipe, inits, diagnosticsEvery);
    this.lab = id;
    void training.then((ok) => {
      if (!ok && this.lab === id) this.fail();
    });
  }

  stop(): void {
    if (this.status !== 'running') return;
    this.status = 'stopping';
    this.host.engine.labStop();
  }

  /** The worker is gone (the element left the page): a run in progress will never report its end. */
  abandon(): void {
    if (this.busy) this.status = 'stopped';
  }

  /** The engine's events (each panel's RunSet hears them all and keeps its own lab's). */
  onEvent(event: EngineEvent): void {
    if (event.type === 'error') {
      // A refused 'lab' request settles its promise (see start); a failure while the models train comes as
      // news about the lab, and the worker dying as news about the engine.
      if (this.busy && event.id === undefined && (event.about === 'lab' || event.about === 'engine')) this.fail();
      return;
    }
    if (!('lab' in event) || event.lab !== this.lab) return;
    const run = 'init' in event ? this.runs.find((r) => r.init === event.init) : undefined;
    switch (event.type) {
      case 'lab-progress':
        event.losses.forEach((loss, i) => run?.losses.push([event.step + i, loss]));
        break;
      case 'lab-epoch':
        run?.epochs.push({ epoch: event.epoch, loss: event.loss, accuracy: event.accuracy });
        break;
      case 'lab-diagnostics':
        if (run) run.diagnostics = keepDiagnostics(run.diagnostics, event.diagnostics, MAX_SAMPLES);
        break;
      case 'lab-diverged': {
        if (!run) break;
        const broke = event.diagnostics?.nonFinite;
        run.diverged = { step: event.step, message: event.message, ...(broke ? { where: { layer: broke.layer, what: broke.what } } : {}) };
        if (event.diagnostics) run.diagnostics = keepDiagnostics(run.diagnostics, [event.diagnostics], MAX_SAMPLES);
        break;
      }
      case 'lab-done':
        if (this.busy) this.end(this.status === 'stopping' ? 'stopped' : 'finished');
        break;
      default:
        return;
    }
    this.version++;
  }

  private fail(): void {
    if (!this.busy) return;
    this.end('failed');
    this.onFail();
  }

  private end(status: LabEndDetail['status']): void {
    this.status = status;
    this.host.announce<LabEndDetail>('lab-end', { status, runs: this.runs });
  }
}

function seriesOf(init: string, points: ReadonlyArray<Point>): ChartSeries {
  return { label: labelFor(init), color: colorFor(init), dash: dashFor(init), points };
}

export function last<T>(items: readonly T[]): T {
  return items[items.length - 1];
}

/** What a panel's form parses into: the recipe each chosen initializer trains, or the control at fault. */
export type ParsedRuns = Parsed<{ recipe: Recipe; inits: string[] }>;

/**
 * A panel that trains a RunSet: it starts one from its parsed form (a refusal goes under the control at
 * fault, an engine failure under the setting the engine named or next to its start button), stops it, and
 * hears the engine's events for it.
 */
export abstract class RunPanel {
  readonly set: RunSet;

  /** `start`: the start button's id, the event announced, and the sentence said there when the engine fails. */
  constructor(
    protected readonly host: PanelHost,
    ids: Partial<Record<RecipeField, LabelledId>>,
    private readonly begin: { id: string; event: string; failed: string },
  ) {
    this.set = new RunSet(host, () => {
      const engine = this.host.engine;
      const fault = { message: engine.error ?? 'The engine did not answer.', ...engine.errorFault };
      this.host.report(engineError(fault, ids, { id: begin.id, sentence: begin.failed }));
    });
  }

  get runs(): LabRun[] {
    return this.set.runs;
  }

  get busy(): boolean {
    return this.set.busy;
  }

  /** Starts the runs `parsed` describes, each measured every `diagnosticsEvery` steps when given. */
  protected launch(parsed: ParsedRuns, diagnosticsEvery?: number): void {
    if (!parsed.ok) return this.host.report(parsed);
    const blocked = this.host.blocked();
    if (blocked) return this.host.report({ field: this.begin.id, ...blocked });
    this.host.report(null);
    const { recipe, inits } = parsed.value;
    this.set.start(recipe, inits, diagnosticsEvery);
    this.host.announce(this.begin.event, { recipe, inits });
    this.host.requestUpdate();
  }

  stop(): void {
    this.set.stop();
    this.host.requestUpdate();
  }

  /** The worker is gone (the element left the page). */
  abandon(): void {
    this.set.abandon();
  }

  onEvent(event: EngineEvent): void {
    this.set.onEvent(event);
  }
}
