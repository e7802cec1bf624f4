/**
 * A run's settings in the URL hash, so that a link reproduces the run:
 *   #recipe=deep&layers=784,512,512,512,512,10&init=he-normal&bias-init=zeros&optimizer=adam&lr=0.001&batch=100&epochs=15&seed=777&train-limit=0&eval=1
 * Keys are the element's attribute names. Reading is strict (an unknown key or a malformed value is an
 * error with a message for the page) so that a mangled link is reported rather than half applied.
 */
import { FIELDS, draftToRecipe, isRecipeName, presetValues, type Draft, type Field } from './config.ts';

const EVAL_KEY = 'eval';

/** Encodes a value but keeps the characters our settings use readable (',' ':' '=' in initializer specs). */
const encode = (value: string): string => encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':');

export function draftToHash(draft: Draft): string {
  const parts = [`recipe=${encode(draft.recipe)}`];
  for (const field of FIELDS) parts.push(`${field}=${encode(draft.values[field])}`);
  parts.push(`${EVAL_KEY}=${draft.evalEachEpoch ? 1 : 0}`);
  return `#${parts.join('&')}`;
}

export type HashResult = { kind: 'empty' } | { kind: 'ok'; draft: Draft } | { kind: 'invalid'; message: string };

/**
 * Reads settings from a hash (with or without its '#'). Keys not in the hash come from the hash's preset
 * (or `fallback`'s when it names none). The result is checked with draftToRecipe, so 'ok' means startable.
 */
export function hashToDraft(hash: string, fallback: Draft): HashResult {
  const text = hash.replace(/^#/, '');
  if (text.trim() === '') return { kind: 'empty' };
  const entries = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) return { kind: 'invalid', message: `"${pair}" is not a key=value pair` };
    const key = pair.slice(0, eq);
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return { kind: 'invalid', message: `the value of "${key}" is not valid URL encoding` };
    }
    entries.set(key, value);
  }
  const allowedKeys = ['recipe', ...FIELDS, EVAL_KEY];
  for (const key of entries.keys()) {
    if (!allowedKeys.includes(key)) return { kind: 'invalid', message: `unknown setting "${key}" (known: ${allowedKeys.join(', ')})` };
  }

  const recipeName = entries.get('recipe');
  if (recipeName !== undefined && !isRecipeName(recipeName)) {
    return { kind: 'invalid', message: `recipe "${recipeName}" is not a preset (use mlp or deep)` };
  }
  const values = recipeName === undefined ? { ...fallback.values } : presetValues(recipeName);
  for (const field of FIELDS) {
    const value = entries.get(field);
    if (value !== undefined) values[field as Field] = value;
  }
  let evalEachEpoch = fallback.evalEachEpoch;
  const evalText = entries.get(EVAL_KEY);
  if (evalText !== undefined) {
    if (!['0', '1', 'true', 'false'].includes(evalText)) return { kind: 'invalid', message: `eval is "${evalText}"; use 1 or 0` };
    evalEachEpoch = evalText === '1' || evalText === 'true';
  }

  const draft: Draft = { recipe: recipeName ?? fallback.recipe, values, evalEachEpoch };
  try {
    draftToRecipe(draft);
  } catch (error) {
    return { kind: 'invalid', message: error instanceof Error ? error.message : String(error) };
  }
  return { kind: 'ok', draft };
}
