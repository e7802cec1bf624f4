/**
 * A run whose loss stopped being finite: the error run() raises, and what it says. With diagnostics on, the
 * trainer measures the step that diverged again (the GPU stopped updating the weights there, so they are
 * still those the step saw) and the message names where the values stopped being finite.
 */
import type { StepDiagnostics } from './diagnostics.ts';

export class DivergenceError extends Error {
  /**
   * With diagnostics on: the step that diverged, measured again on its batch; its nonFinite (when set) names
   * the layer and the tensor where the values stopped being finite.
   */
  readonly diagnostics: StepDiagnostics | null;
  /** The run's step (1-based, counted from the run's start) whose loss was not finite, when known. */
  readonly step: number | null;

  constructor(message: string, diagnostics: StepDiagnostics | null = null, step: number | null = null) {
    super(message);
    this.name = 'DivergenceError';
    this.diagnostics = diagnostics;
    this.step = step;
  }
}

/** Where a run's loss stopped being finite. */
export interface Divergence {
  epoch: number;
  /** 1-based step in the epoch, and in the run. */
  stepInEpoch: number;
  step: number;
  loss: number;
  /** The learning rate at that step. */
  lr: number;
}

/** The error for `d`; `measured` is the step measured again, when diagnostics were on. */
export function divergenceError(d: Divergence, measured: StepDiagnostics | null = null): DivergenceError {
  const broke = measured?.nonFinite;
  const where = !measured
    ? ''
    : broke
      ? ` Measured again on that step's batch, the first value that was not finite is in layer ${broke.layer}'s ${broke.what}.`
      : " Measured again on that step's batch, every layer's activations and gradients were finite: the loss itself overflowed.";
  return new DivergenceError(
    `the loss became ${d.loss} at epoch ${d.epoch}, step ${d.stepInEpoch}: training diverged, and the GPU stopped updating the weights at that step.${where} ` +
      `Lower the learning rate (now ${d.lr}) or use a smaller initialization.`,
    measured,
    d.step,
  );
}
