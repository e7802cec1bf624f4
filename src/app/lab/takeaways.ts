/**
 * One sentence under each lab result, written from its numbers: which initializer did best and by how much,
 * which ones failed and how (diverged, stuck at chance, a signal that vanished or exploded). Pure (no DOM,
 * no engine): unit-tested in tests/lab-theory.test.ts.
 */
import { formatPercent, formatValue, labelFor } from './lab-format.ts';
import type { LabRun } from './run-set.ts';
import { formatFactor, type Verdict } from './theory.ts';

/** Within this many points of chance accuracy, a model has learned nothing useful. */
export const CHANCE_MARGIN = 0.02;

/** This many points below the best, a run is said to trail far behind. */
const TRAILING = 0.1;

function joinWords(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** A run's mean loss over its last `n` steps (NaN when it has none). */
export function recentLoss(run: LabRun, n = 20): number {
  const tail = run.losses.slice(-n).map(([, l]) => l);
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN;
}

/**
 * The takeaway of a finished (or stopped) set of runs: the best by test accuracy (or by loss before any
 * evaluation), its lead over the next, the runs 10 points or more behind it, and every run that diverged or
 * stayed within CHANCE_MARGIN of chance
 * (`classes`: chance is 1 / classes). Empty while nothing has been measured.
 */
export function runsTakeaway(runs: readonly LabRun[], classes: number): string {
  const chance = 1 / classes;
  const diverged = runs.filter((r) => r.diverged);
  const healthy = runs.filter((r) => !r.diverged);
  const scored = healthy.filter((r) => r.epochs.length > 0);
  const sentences: string[] = [];
  if (scored.length > 0) {
    const accuracy = (r: LabRun) => r.epochs[r.epochs.length - 1].accuracy;
    const ranked = [...scored].sort((a, b) => accuracy(b) - accuracy(a));
    const best = ranked[0];
    const lead = ranked.length > 1 ? `, ${((accuracy(best) - accuracy(ranked[1])) * 100).toFixed(1)} points ahead of ${labelFor(ranked[1].init)}` : '';
    sentences.push(`${labelFor(best.init)} learned most: ${formatPercent(accuracy(best))} test accuracy (loss ${formatValue(recentLoss(best))})${lead}`);
    const stuck = ranked.filter((r) => r !== best && accuracy(r) - chance <= CHANCE_MARGIN);
    // The runner-up's gap is already said.
    const behind = ranked.slice(2).filter((r) => !stuck.includes(r) && accuracy(best) - accuracy(r) >= TRAILING);
    if (behind.length > 0) {
      const words = behind.map((r) => `${labelFor(r.init)} (${formatPercent(accuracy(r))}, loss ${formatValue(recentLoss(r))})`);
      sentences.push(`${joinWords(words)} ${behind.length === 1 ? 'trails' : 'trail'} far behind`);
    }
    if (stuck.length > 0) {
      const words = stuck.map((r) => `${labelFor(r.init)} (${formatPercent(accuracy(r))}, loss ${formatValue(recentLoss(r))})`);
      sentences.push(`${joinWords(words)} ${stuck.length === 1 ? 'is' : 'are'} no better than guessing, which scores ${formatPercent(chance)}`);
    }
  } else if (healthy.some((r) => r.losses.length > 0)) {
    const ranked = healthy.filter((r) => r.losses.length > 0).sort((a, b) => recentLoss(a) - recentLoss(b));
    sentences.push(`Lowest loss so far: ${joinWords(ranked.map((r) => `${labelFor(r.init)} ${formatValue(recentLoss(r))}`))}`);
  }
  for (const r of diverged) {
    const where = r.diverged!.where ? `, first in layer ${r.diverged!.where.layer}'s ${r.diverged!.where.what}` : '';
    sentences.push(`${labelFor(r.init)} diverged at step ${r.diverged!.step}: its values stopped being finite${where}`);
  }
  return sentences.length ? `${sentences.join('. ')}.` : '';
}

/**
 * The probe's takeaway: which schemes keep the forward signal steady through the stack, and how fast the
 * others shrink or grow it, against what theory predicts (`predicted`: factor per layer by initializer).
 */
export function probeTakeaway(verdicts: ReadonlyArray<{ init: string; verdict: Verdict; predicted: number; last: number }>, depth: number): string {
  const steady = verdicts.filter((v) => v.verdict.kind === 'steady');
  const parts: string[] = [];
  if (steady.length > 0) {
    parts.push(`${joinWords(steady.map((v) => labelFor(v.init)))} ${steady.length === 1 ? 'keeps' : 'keep'} the signal's spread through all ${depth} layers`);
  } else {
    parts.push(`No scheme chosen keeps the signal's spread through ${depth} layers`);
  }
  const others = verdicts.filter((v) => v.verdict.kind !== 'steady');
  const described = others.map((v) => {
    if (v.verdict.kind === 'breaks') return `${labelFor(v.init)} ${v.verdict.text}`;
    const verb = v.verdict.kind === 'vanishes' ? 'shrinks' : 'grows';
    return `${labelFor(v.init)} ${verb} it ${formatFactor(v.verdict.factor)} per layer (theory ${formatFactor(v.predicted)}) to ${formatValue(v.last)} at layer ${depth}`;
  });
  return `${[...parts, ...described].join('; ')}.`;
}
