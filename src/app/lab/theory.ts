/**
 * What theory predicts for a deep ReLU stack at initialization, and verdicts in words from what was
 * measured. Pure (no DOM, no engine): unit-tested in tests/lab-theory.test.ts.
 *
 * Forward (Glorot and Bengio 2010; He et al. 2015), for zero-mean weights with second moment v = E[w^2]
 * (weightSecondMoment) and zero biases, layer l's pre-activation z has
 *   E[z_1^2] = fan_in * v_1 * E[x^2]                (x: the input pixels, in [0, 1])
 *   E[z_l^2] = fan_in * v_l * E[z_{l-1}^2] / 2      (a ReLU passes half the second moment)
 * so each hidden layer scales the signal's spread by sqrt(fan_in * v / 2). A hidden activation a = relu(z),
 * for a symmetric Gaussian z of spread s, has std s * sqrt(1/2 - 1/(2 pi)); the logits have std s.
 * Backward, dLoss/dz shrinks or grows by sqrt(fan_out * v / 2) per layer in the same way; theory does not
 * say how large the logits' gradient is, so the backward prediction starts from the measured one.
 */
import { parseInitializer, weightSecondMoment } from '../../init/initializers.ts';

/** std(relu(z)) / std(z) for a symmetric Gaussian z. */
const RELU_STD = Math.sqrt(0.5 - 1 / (2 * Math.PI));

/** A per-layer factor this close to 1 (within 10%) leaves a signal steady over a few dozen layers. */
const STEADY = 0.1;

/** The healthy band around a reference scale: within a factor of ten either way. */
export const BAND_FACTOR = 10;

function secondMoments(layers: readonly number[], init: string): number[] {
  const spec = parseInitializer(init);
  return layers.slice(0, -1).map((fanIn, l) => weightSecondMoment(spec, fanIn, layers[l + 1]));
}

/**
 * The predicted std of each layer's output (hidden activations after ReLU, then the logits), first to last,
 * for `layers` (input width first) under `init`, on inputs whose mean square is `inputMeanSquare`.
 */
export function predictedActivationStd(layers: readonly number[], init: string, inputMeanSquare: number): number[] {
  const v = secondMoments(layers, init);
  const out: number[] = [];
  let meanSquareIn = inputMeanSquare;
  v.forEach((moment, l) => {
    const zMeanSquare = layers[l] * moment * meanSquareIn;
    const last = l === v.length - 1;
    out.push(last ? Math.sqrt(zMeanSquare) : Math.sqrt(zMeanSquare) * RELU_STD);
    meanSquareIn = zMeanSquare / 2;
  });
  return out;
}

/**
 * The predicted std of dLoss/dz for each layer, first to last, starting from the measured std of the
 * logits' gradient (`outputGradientStd`) and going back through the stack.
 */
export function predictedGradientStd(layers: readonly number[], init: string, outputGradientStd: number): number[] {
  const v = secondMoments(layers, init);
  const L = v.length;
  const out = new Array<number>(L);
  out[L - 1] = outputGradientStd;
  // dLoss/dz of layer l comes back through layer l + 1's weight, whose fan_out is layers[l + 2].
  for (let l = L - 2; l >= 0; l--) out[l] = out[l + 1] * Math.sqrt((layers[l + 2] * v[l + 1]) / 2);
  return out;
}

/** The forward factor per hidden layer that theory predicts for a stack of equal widths `width`. */
export function predictedFactor(width: number, init: string): number {
  return Math.sqrt((width * weightSecondMoment(parseInitializer(init), width, width)) / 2);
}

export type VerdictKind = 'steady' | 'vanishes' | 'explodes' | 'breaks';

export interface Verdict {
  kind: VerdictKind;
  /** The measured factor per layer (geometric mean over the hidden layers); NaN when it breaks. */
  factor: number;
  /** "vanishes: ×0.71 per layer", "explodes: ×11.3 per layer", "steady: ×1.00 per layer", "breaks: ...". */
  text: string;
}

/** A factor with three significant digits and a multiplication sign: ×0.707, ×11.3, ×1.00. */
export function formatFactor(factor: number): string {
  if (!Number.isFinite(factor)) return `×${factor}`;
  if (factor !== 0 && (factor < 1e-3 || factor >= 1e4)) return `×${factor.toExponential(1)}`;
  return `×${factor.toPrecision(3)}`;
}

/**
 * The verdict on a signal's spread through the hidden layers (`hiddenStd`, first to last, the logits left
 * out): its geometric mean factor per layer, steady within 10% of 1.
 */
export function verdictOf(hiddenStd: readonly number[]): Verdict {
  const broken = hiddenStd.findIndex((s) => !Number.isFinite(s));
  if (broken >= 0) return { kind: 'breaks', factor: NaN, text: `breaks: not finite from layer ${broken + 1}` };
  const zero = hiddenStd.findIndex((s) => s === 0);
  if (zero >= 0) return { kind: 'vanishes', factor: 0, text: `vanishes: exactly zero from layer ${zero + 1}` };
  const n = hiddenStd.length;
  const factor = n < 2 ? 1 : Math.pow(hiddenStd[n - 1] / hiddenStd[0], 1 / (n - 1));
  const kind: VerdictKind = factor < 1 - STEADY ? 'vanishes' : factor > 1 + STEADY ? 'explodes' : 'steady';
  return { kind, factor, text: `${kind}: ${formatFactor(factor)} per layer` };
}

/** [low, high]: within BAND_FACTOR of `scale` either way. */
export function bandAround(scale: number): [number, number] {
  return [scale / BAND_FACTOR, scale * BAND_FACTOR];
}
