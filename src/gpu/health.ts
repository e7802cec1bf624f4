/**
 * The health words a training step shares on the GPU (src/shaders/health.wgsl; keep the two in step): whether a
 * loss was not finite (softmax_ce) and the first gradient, moment or updated parameter that was not (the
 * optimizers), read back with every chunk's losses.
 */

export const HEALTH_WORDS = 4;
export const HEALTH_BYTES = HEALTH_WORDS * 4;
/** Bit of word 0: a loss was not finite. */
export const LOSS_NOT_FINITE = 1;
/** Word 3: an optimizer found a value that was not finite. */
const VALUE_FOUND = 3;
const NONE = 0xffffffff;

/** The words of a healthy run: what a run starts from, and what a restore writes back. */
export function healthyWords(): Uint32Array {
  return Uint32Array.of(0, NONE, 0, 0);
}

/** Which value of an arena element was not finite: its gradient, the optimizer's state (a moment, a momentum buffer), or the parameter after the update. */
export type NonFiniteKind = 'gradient' | 'moment' | 'parameter';
const KINDS: NonFiniteKind[] = ['gradient', 'moment', 'parameter'];

export interface Health {
  /** A loss was not finite. */
  loss: boolean;
  /** What an optimizer found: the first arena float (index) that was not finite, what was not, and the loss slot (0-based step in the epoch) of its step. */
  value: { index: number; kind: NonFiniteKind; slot: number } | null;
}

export function readHealth(words: Uint32Array): Health {
  const flags = words[0];
  const key = words[1];
  const value = words[VALUE_FOUND] !== 0 && key !== NONE ? { index: Math.floor(key / 4), kind: KINDS[key % 4] ?? 'parameter', slot: words[2] } : null;
  return { loss: (flags & LOSS_NOT_FINITE) !== 0, value };
}
