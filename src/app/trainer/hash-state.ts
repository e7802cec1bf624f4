/**
 * A run's settings in the URL hash, so that a link reproduces the run:
 *   #recipe=deep&layers=784,512,512,512,512,10&init=he-normal&bias-init=zeros&optimizer=adam&lr=0.001&batch=100&epochs=15&seed=777&train-limit=0&eval=1&lr-changes=1201:0.0005
 * Keys are the element's attribute names; `lr-changes` lists the learning-rate changes made during the run
 * (step:rate, from that global step on), so a link to a run whose rate was changed still replays it.
 *
 * Reading is forgiving and honest: every usable key is applied, and each one that is not (an unknown key, a
 * malformed value, a setting out of range) is named in a short problem, its value cut short, while the
 * default stands in for it.
 */
import { MAX_LR } from '../../train/recipe.ts';
import { FIELDS, FIELD_LABELS, FieldError, PRESET_NAMES, draftToRecipe, isRecipeName, presetValues, quote, type Draft, type Field } from './config.ts';
import type { LrChange } from '../../train/recipe.ts';

const EVAL_KEY = 'eval';
const LR_CHANGES_KEY = 'lr-changes';
const KNOWN_KEYS: readonly string[] = ['recipe', ...FIELDS, EVAL_KEY, LR_CHANGES_KEY];

/** Encodes a value but keeps the characters our settings use readable (',' ':' '=' in initializer specs). */
const encode = (value: string): string => encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':');

export function draftToHash(draft: Draft): string {
  const parts = [`recipe=${encode(draft.recipe)}`];
  for (const field of FIELDS) parts.push(`${field}=${encode(draft.values[field])}`);
  parts.push(`${EVAL_KEY}=${draft.evalEachEpoch ? 1 : 0}`);
  if (draft.lrChanges.length > 0) parts.push(`${LR_CHANGES_KEY}=${draft.lrChanges.map((c) => `${c.step}:${c.lr}`).join(',')}`);
  return `#${parts.join('&')}`;
}

export interface HashReading {
  draft: Draft;
  /** What could not be used, one short phrase each (empty when everything was). */
  problems: string[];
}

/** "121:0.01,301:0.001" as changes, or null when it is not a list of increasing steps (from 2) and rates. */
export function parseLrChanges(text: string): LrChange[] | null {
  const changes: LrChange[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)\s*:\s*([^\s:]+)\s*$/.exec(item);
    if (!match) return null;
    const step = Number(match[1]);
    const lr = Number(match[2]);
    const previous = changes.length > 0 ? changes[changes.length - 1].step : 1;
    if (!Number.isSafeInteger(step) || step <= previous || !(Number.isFinite(lr) && lr > 0 && lr <= MAX_LR)) return null;
    changes.push({ step, lr });
  }
  return changes;
}

/**
 * Reads settings from a hash (with or without its '#'); null when it holds none. Keys not in the hash come
 * from the hash's preset (or `fallback`'s when it names none). The draft returned is always startable.
 */
export function hashToDraft(hash: string, fallback: Draft): HashReading | null {
  const text = hash.replace(/^#/, '');
  if (text.trim() === '') return null;
  const problems: string[] = [];
  const entries = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push(`${quote(pair)} is not a setting=value pair`);
      continue;
    }
    const key = pair.slice(0, eq);
    if (!KNOWN_KEYS.includes(key)) {
      problems.push(`unknown setting ${quote(key, 24)}`);
      continue;
    }
    try {
      entries.set(key, decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' ')));
    } catch {
      problems.push(`the value of ${key} is not valid URL encoding`);
    }
  }

  const recipeName = entries.get('recipe');
  const preset = recipeName !== undefined && isRecipeName(recipeName) ? recipeName : null;
  if (recipeName !== undefined && !preset) problems.push(`recipe ${quote(recipeName, 24)} is not a preset (${PRESET_NAMES})`);
  const base = preset ? presetValues(preset) : { ...fallback.values };
  const values = { ...base };
  for (const field of FIELDS) {
    const value = entries.get(field);
    if (value !== undefined) values[field] = value;
  }

  let evalEachEpoch = fallback.evalEachEpoch;
  const evalText = entries.get(EVAL_KEY);
  if (evalText !== undefined) {
    if (['0', '1', 'true', 'false'].includes(evalText)) evalEachEpoch = evalText === '1' || evalText === 'true';
    else problems.push(`eval is ${quote(evalText, 24)}; use 1 or 0`);
  }
  let lrChanges: LrChange[] = [];
  const changesText = entries.get(LR_CHANGES_KEY);
  if (changesText !== undefined) {
    const parsed = parseLrChanges(changesText);
    if (parsed) lrChanges = parsed;
    else problems.push(`lr-changes is ${quote(changesText, 24)}; use step:rate pairs such as 1201:0.0005, steps increasing`);
  }

  const draft: Draft = { recipe: preset ?? fallback.recipe, values, evalEachEpoch, lrChanges };
  // Each refused field falls back to its default, one at a time, until the whole draft is startable.
  for (let attempt = 0; attempt <= FIELDS.length; attempt++) {
    try {
      draftToRecipe(draft);
      return { draft, problems };
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      const field: Field | null = error.field;
      if (!field || draft.values[field] === base[field]) break;
      problems.push(`${FIELD_LABELS[field]} ${quote(draft.values[field], 24)}: ${error.message.replace(/^[^:]*: /, '')}`);
      draft.values[field] = base[field];
      if (field === 'lr') draft.lrChanges = [];
    }
  }
  return { draft: { ...fallback, lrChanges: [] }, problems: [...problems, 'the other settings did not fit together'] };
}
