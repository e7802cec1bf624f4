/**
 * A run that stopped on a value that is not finite: a loss (the run diverged), or a gradient, moment or updated
 * parameter that the optimizer found first (src/shaders/health.wgsl). The error run() raises, and what it says.
 * Either way the trainer has gone back to the state it kept before the chunk of steps that failed, so the run
 * can be exported, saved or resumed (with a lower learning rate) from there.
 *
 * With diagnostics on, a diverged loss's step is measured again first (the GPU stopped updating the weights
 * there, so they are still those the step saw) and the message names where the values stopped being finite.
 */
import type { NonFiniteKind } from '../gpu/health.ts';
import type { ParamLayout } from '../layers/arena.ts';
import type { StepDiagnostics } from './diagnostics.ts';

/** The first value the optimizer found not finite, named as a person finds it in the model and in a saved file. */
export interface NonFiniteValue {
  /** 1-based layer. */
  layer: number;
  /** The tensor's name in the state_dict layout: '2.weight' is layer 2's weight. */
  tensor: string;
  /** Where in that tensor: [row, column] of a weight (out, in), [i] of a bias. */
  element: number[];
  /** What was not finite: the gradient, the optimizer's state (a moment or momentum buffer), or the parameter after its update. */
  kind: NonFiniteKind;
}

export class DivergenceError extends Error {
  /**
   * With diagnostics on, for a loss that was not finite: the step measured again on its batch; its nonFinite
   * (when set) names the layer and the tensor where the values stopped being finite.
   */
  readonly diagnostics: StepDiagnostics | null;
  /** The run's step (1-based, counted from the run's start) where the value was not finite, when known. */
  readonly step: number | null;
  /** The first gradient, moment or updated parameter that was not finite, when the optimizer found one before any loss. */
  readonly value: NonFiniteValue | null;
  /** The step the trainer went back to: the weights and optimizer state after it are what it holds now. */
  readonly keptStep: number | null;

  constructor(message: string, diagnostics: StepDiagnostics | null = null, step: number | null = null, value: NonFiniteValue | null = null, keptStep: number | null = null) {
    super(message);
    this.name = 'DivergenceError';
    this.diagnostics = diagnostics;
    this.step = step;
    this.value = value;
    this.keptStep = keptStep;
  }
}

/** Where a run stopped. */
export interface Divergence {
  epoch: number;
  /** 1-based step in the epoch, and in the run. */
  stepInEpoch: number;
  step: number;
  /** That step's loss: not finite when the loss broke first, finite (or unknown, null) when a value did. */
  loss: number | null;
  /** The learning rate at that step. */
  lr: number;
  /** The first gradient, moment or updated parameter that was not finite, when the optimizer found one first. */
  value: NonFiniteValue | null;
  /** The last step of the state the trainer went back to (0: the state the run started from). */
  keptStep: number;
}

/** Names arena float `index` of `layout` as a layer's tensor element. */
export function locate(layout: ParamLayout, index: number, kind: NonFiniteKind): NonFiniteValue {
  const view = layout.views.find((v) => index >= v.offset && index < v.offset + v.length);
  // Padding between tensors holds zeros that no kernel writes: name the tensor before it, at its end.
  const v = view ?? [...layout.views].reverse().find((w) => w.offset <= index) ?? layout.views[0];
  const local = Math.min(index - v.offset, v.length - 1);
  const element = v.shape.length === 2 ? [Math.floor(local / v.shape[1]), local % v.shape[1]] : [local];
  return { layer: Number(v.name.split('.')[0]) / 2 + 1, tensor: v.name, element, kind };
}

const KIND_TEXT: Record<NonFiniteKind, string> = {
  gradient: 'the gradient',
  moment: "the optimizer's state (a moment or momentum buffer)",
  parameter: 'the updated value',
};

/** The error for `d`; `measured` is the step measured again, when diagnostics were on and the loss broke. */
export function divergenceError(d: Divergence, measured: StepDiagnostics | null = null): DivergenceError {
  const kept =
    d.keptStep > 0
      ? `The run went back to its weights and optimizer state after step ${d.keptStep}, from before the steps that failed`
      : 'The run went back to its weights and optimizer state from before its first step';
  const advice = `${kept}: save, export or resume from there, with a lower learning rate (now ${d.lr})`;
  if (d.value) {
    const { layer, tensor, element, kind } = d.value;
    const which = tensor.endsWith('.weight') ? `weight [${element.join(', ')}]` : `bias [${element[0]}]`;
    const loss = d.loss === null ? '' : `, while the loss was still finite (${d.loss.toPrecision(5)})`;
    return new DivergenceError(
      `${KIND_TEXT[kind]} of layer ${layer}'s ${which} (tensor ${tensor}) was not finite at epoch ${d.epoch}, step ${d.stepInEpoch}${loss}: training stopped. ${advice}, or look at how the run was set up.`,
      null,
      d.step,
      d.value,
      d.keptStep,
    );
  }
  const broke = measured?.nonFinite;
  const where = !measured
    ? ''
    : broke
      ? ` Measured again on that step's batch, the first value that was not finite is in layer ${broke.layer}'s ${broke.what}.`
      : " Measured again on that step's batch, every layer's activations and gradients were finite: the loss itself overflowed.";
  return new DivergenceError(
    `the loss became ${d.loss} at epoch ${d.epoch}, step ${d.stepInEpoch}: training diverged.${where} ${advice}, or use a smaller initialization.`,
    measured,
    d.step,
    null,
    d.keptStep,
  );
}
