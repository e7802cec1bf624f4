/**
 * The runs a person made on this page, kept so they can be compared: the current run and the earlier ones,
 * each with its loss per step, its test accuracy at each evaluation and the events marked on its curve
 * (learning-rate changes, pauses, an import). An earlier run is labelled by what differs from the current
 * one ("init normal:0,0.01", "lr 0.01"), which is what a comparison is about. Earlier runs stay until
 * cleared. Pure (no DOM, no engine): unit-tested in tests/run-history.test.ts.
 */
import { RECIPES, type Recipe } from '../../train/recipe.ts';

export type MarkKind = 'lr' | 'pause' | 'import';

export interface RunMark {
  /** The global step the mark sits at (an lr change: the first step with the new rate; a pause: the last step). */
  step: number;
  kind: MarkKind;
  label: string;
}

export interface RunRecord {
  /** 1, 2, 3... in the order the runs were made on this page. */
  id: number;
  /** What was trained; for imported weights, the recipe they are fine-tuned with, if any. */
  recipe: Recipe | null;
  /** Set for a model that came from a file: the file's name. */
  imported: string | null;
  /** [global step, loss] of every step. */
  losses: Array<[number, number]>;
  /** [global step, test accuracy in %] of every evaluation. */
  accuracy: Array<[number, number]>;
  marks: RunMark[];
}

const integer = new Intl.NumberFormat('en-US');

/** A recipe's settings as short phrases, for saying how two runs differ. */
function describeSettings(r: Recipe): Record<string, string> {
  const changes = (r.lrChanges ?? []).map((c) => `${c.lr} from step ${integer.format(c.step)}`).join(', ');
  return {
    layers: r.layers.join('-'),
    init: `init ${r.init}`,
    biasInit: `bias ${r.biasInit}`,
    optimizer: r.optimizer === 'sgd' ? `sgd momentum ${r.momentum}` : 'adam',
    lr: `lr ${r.lr}${changes ? ` then ${changes}` : ''}`,
    batch: `batch ${r.batch}`,
    epochs: `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`,
    seed: `seed ${r.seed}`,
    trainLimit: r.trainLimit > 0 ? `${integer.format(r.trainLimit)} images` : 'all images',
  };
}

/** How `run` differs from `reference`, in the run's own terms ("init normal:0,0.01", "lr 0.01"). */
export function differences(run: Recipe, reference: Recipe): string[] {
  const a = describeSettings(run);
  const b = describeSettings(reference);
  return Object.keys(a).filter((key) => a[key] !== b[key]).map((key) => a[key]);
}

/** The preset a recipe is, if it is one unchanged (learning-rate changes aside). */
export function presetOf(recipe: Recipe): string | null {
  for (const [name, preset] of Object.entries(RECIPES)) {
    if (differences({ ...recipe, lrChanges: [] }, preset).length === 0) return name;
  }
  return null;
}

export class RunHistory {
  current: RunRecord | null = null;
  earlier: RunRecord[] = [];
  private nextId = 1;
  /** Bumped on every change, so views can memoize on it. */
  version = 0;

  /** A new run: the current one (if it got anywhere) becomes an earlier one. */
  begin(recipe: Recipe | null, imported: string | null = null): RunRecord {
    const previous = this.current;
    if (previous && (previous.losses.length > 0 || previous.accuracy.length > 0)) this.earlier = [...this.earlier, previous];
    this.current = { id: this.nextId++, recipe, imported, losses: [], accuracy: [], marks: [] };
    this.version++;
    return this.current;
  }

  /** Imported weights fine-tuned: the same run goes on, now with a recipe. */
  adopt(recipe: Recipe): void {
    if (!this.current) this.begin(recipe);
    else this.current.recipe = recipe;
    this.version++;
  }

  addLosses(firstStep: number, losses: ArrayLike<number>): void {
    const run = this.current;
    if (!run) return;
    for (let i = 0; i < losses.length; i++) run.losses.push([firstStep + i, losses[i]]);
    this.version++;
  }

  addAccuracy(step: number, percent: number): void {
    const run = this.current;
    if (!run) return;
    run.accuracy = [...run.accuracy.filter(([s]) => s !== step), [step, percent] as [number, number]].sort((x, y) => x[0] - y[0]);
    this.version++;
  }

  mark(step: number, kind: MarkKind, label: string): void {
    const run = this.current;
    if (!run) return;
    const last = run.marks[run.marks.length - 1];
    // A change of rate and a pause at the same step: both; the same kind twice at one step: the latest.
    if (last && last.step === step && last.kind === kind) run.marks = [...run.marks.slice(0, -1), { step, kind, label }];
    else run.marks = [...run.marks, { step, kind, label }];
    this.version++;
  }

  clearEarlier(): void {
    this.earlier = [];
    this.version++;
  }

  /** The legend's name for a run: the current one by its number, an earlier one by what differed. */
  label(run: RunRecord): string {
    const name = `Run ${run.id}`;
    if (run === this.current) return `${name} (now)`;
    if (run.imported && !run.recipe) return `${name}: imported ${run.imported}`;
    const reference = this.current?.recipe;
    if (!run.recipe || !reference) return name;
    const diff = differences(run.recipe, reference);
    return `${name}: ${diff.length > 0 ? diff.join(', ') : 'same settings'}`;
  }
}
