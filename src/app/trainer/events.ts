/**
 * The DOM events <mlp-trainer> dispatches, their detail types, and the small state machine that turns the
 * engine's event stream into them. Every event bubbles and is composed, so a page can listen on any ancestor.
 *
 * 'progress' and 'error' share their names with built-in events (ProgressEvent, ErrorEvent), so the map is
 * exported as MlpTrainerEventMap rather than merged into HTMLElementEventMap; the element's own
 * addEventListener is typed with it (mlp-trainer.ts), so a listener on the element gets the detail's type:
 *   el.addEventListener('epoch-end', (e) => console.log(e.detail.result));
 * A listener on an ancestor casts: (e as MlpTrainerEventMap['epoch-end']).detail.
 */
import type { EpochResult, Progress } from '../../train/trainer.ts';
import type { Recipe } from '../../train/recipe.ts';
import type { EngineEvent, Evaluation, RunState } from '../../engine/protocol.ts';

export type TrainStartDetail = Recipe;
export type ProgressDetail = Progress;
export interface EpochEndDetail {
  result: EpochResult;
  /** The test-set evaluation after this epoch, when the run evaluates every epoch. */
  evaluation?: Evaluation;
}
export interface TrainEndDetail {
  state: 'finished' | 'stopped';
  /** The latest evaluation of the run, if there was one. */
  evaluation?: Evaluation;
}
export interface ErrorDetail {
  message: string;
  /** The setting at fault (an attribute name such as 'lr' or 'layers'), when there is one. */
  field?: string;
}

export interface MlpTrainerEventMap {
  'train-start': CustomEvent<TrainStartDetail>;
  progress: CustomEvent<ProgressDetail>;
  'epoch-end': CustomEvent<EpochEndDetail>;
  'train-end': CustomEvent<TrainEndDetail>;
  error: CustomEvent<ErrorDetail>;
}

export type MlpTrainerEventName = keyof MlpTrainerEventMap;
export type DetailOf<K extends MlpTrainerEventName> = MlpTrainerEventMap[K] extends CustomEvent<infer D> ? D : never;

/** Makes one of the element's events: bubbling and composed, so it leaves the shadow root. */
export function trainerEvent<K extends MlpTrainerEventName>(type: K, detail: DetailOf<K>): CustomEvent<DetailOf<K>> {
  return new CustomEvent(type, { detail, bubbles: true, composed: true });
}

export interface EventSink {
  emit<K extends MlpTrainerEventName>(type: K, detail: DetailOf<K>): void;
  /** The recipe the current run was started with. */
  recipe(): Recipe | null;
  /** Whether the current run evaluates on the test set after every epoch. */
  evaluatesEachEpoch(): boolean;
  /** The latest evaluation the controller holds. */
  latestEvaluation(): Evaluation | undefined;
}

/**
 * Maps the engine's events onto the element's events. An epoch's result and its evaluation arrive as two
 * engine events; 'epoch-end' waits for both (in either order) when the run evaluates every epoch, and is
 * flushed without an evaluation if the run ends or fails first.
 */
export class EngineEventMapper {
  private state: RunState = 'loading';
  /** Whether 'train-start' went out for the current run (a run begun by Step announces on its first Resume). */
  private announced = false;
  private pendingResult: EpochResult | null = null;
  private earlyEvaluation: Evaluation | null = null;

  constructor(private readonly sink: EventSink) {}

  /** The page asked for a new run: its first 'running' announces it even if the previous run was paused. */
  newRun(): void {
    this.announced = false;
  }

  handle(event: EngineEvent): void {
    switch (event.type) {
      case 'state':
        this.onState(event.state);
        break;
      case 'progress':
        this.sink.emit('progress', event.progress);
        break;
      case 'epoch':
        this.onEpoch(event.result);
        break;
      case 'evaluation':
        this.onEvaluation(event.evaluation);
        break;
      case 'error':
        this.flushEpoch();
        this.sink.emit('error', event.field ? { message: event.message, field: event.field } : { message: event.message });
        break;
      case 'unsupported':
        this.sink.emit('error', { message: event.reason });
        break;
      default:
        break;
    }
  }

  private onState(next: RunState): void {
    const previous = this.state;
    this.state = next;
    if (next === 'running' && !this.announced) {
      this.announced = true;
      const recipe = this.sink.recipe();
      if (recipe) this.sink.emit('train-start', recipe);
    }
    if ((next === 'finished' || next === 'stopped') && previous !== next) {
      this.flushEpoch();
      const evaluation = this.sink.latestEvaluation();
      this.sink.emit('train-end', evaluation ? { state: next, evaluation } : { state: next });
    }
    if (next !== 'running' && next !== 'paused') this.announced = false;
    if (next === 'error') this.flushEpoch();
  }

  private onEpoch(result: EpochResult): void {
    this.flushEpoch();
    if (this.earlyEvaluation?.epoch === result.epoch) {
      this.sink.emit('epoch-end', { result, evaluation: this.earlyEvaluation });
      this.earlyEvaluation = null;
    } else if (this.sink.evaluatesEachEpoch()) {
      this.pendingResult = result;
    } else {
      this.sink.emit('epoch-end', { result });
    }
  }

  private onEvaluation(evaluation: Evaluation): void {
    if (this.pendingResult?.epoch === evaluation.epoch) {
      this.sink.emit('epoch-end', { result: this.pendingResult, evaluation });
      this.pendingResult = null;
    } else {
      this.earlyEvaluation = evaluation;
    }
  }

  /** Sends an epoch result still waiting for its evaluation, without one. */
  private flushEpoch(): void {
    if (!this.pendingResult) return;
    this.sink.emit('epoch-end', { result: this.pendingResult });
    this.pendingResult = null;
  }
}
