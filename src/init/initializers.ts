/**
 * Weight and bias initializers, all drawn from a seeded Rng so that a seed fixes the starting point of a run.
 *
 * Layout: a weight is stored (out, in) row-major, the layout of PyTorch's nn.Linear.weight, so element
 * (o, i) sits at o * fanIn + i, fan_in = in and fan_out = out. A bias has length fanOut and is filled with
 * the same fans as its layer's weight (PyTorch's default bias bound uses the weight's fan_in).
 *
 * Every fan-based scheme is one variance-scaling rule (as in tfjs-layers):
 *   var = scale / fan,  fan = fan_in | fan_out | (fan_in + fan_out) / 2
 *   normal:  w ~ N(0, var)                       (plain, not truncated: PyTorch's kaiming_normal_ convention)
 *   uniform: w ~ U(-b, b) with b = sqrt(3 * var)   (U(-b, b) has variance b^2 / 3)
 * so that
 *   Xavier/Glorot (gain g): scale = g^2, fan_avg  ->  var = 2 g^2 / (fan_in + fan_out), b = g sqrt(6 / (fan_in + fan_out))
 *   He/Kaiming (gain g):    scale = g^2, fan_in or fan_out  ->  std = g / sqrt(fan), b = g sqrt(3 / fan)
 *   LeCun:                  scale = 1, fan_in
 * PyTorch's nn.Linear default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias alike, is kept as its
 * own kind: it equals scale 1/3 with fan_in, but computing the bound directly matches PyTorch bit for bit.
 *
 * Draws: U(a, b) is a + (b - a) * rng.nextFloat(); N(mean, std) is mean + std * rng.nextNormal(). Values
 * are computed in float64 and rounded once when stored into the Float32Array.
 */
import type { Rng } from './rng.ts';

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'uniform' | 'normal';
export type Nonlinearity = 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid';

export type Initializer =
  /** var = scale / fan, see the module comment. */
  | { kind: 'variance_scaling'; scale: number; mode: FanMode; distribution: Distribution }
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'constant'; value: number }
  /** PyTorch nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for weights and biases. */
  | { kind: 'pytorch_linear' };

export class InitializerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InitializerError';
  }
}

const FAN_MODES: readonly FanMode[] = ['fan_in', 'fan_out', 'fan_avg'];
const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'normal'];
const NONLINEARITIES: readonly Nonlinearity[] = ['linear', 'relu', 'leaky_relu', 'tanh', 'sigmoid'];

/**
 * PyTorch's recommended gain for a nonlinearity (torch.nn.init.calculate_gain). The negative slope applies
 * to leaky_relu only and defaults to 0.01 there, as in PyTorch; passing one for another nonlinearity is an
 * error rather than silently ignored.
 */
export function calculateGain(nonlinearity: Nonlinearity, negativeSlope?: number): number {
  if (negativeSlope !== undefined && nonlinearity !== 'leaky_relu') {
    throw new InitializerError(`a negative slope applies only to leaky_relu, not ${nonlinearity}`);
  }
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'relu':
      return Math.SQRT2;
    case 'tanh':
      return 5 / 3;
    case 'leaky_relu': {
      const a = negativeSlope ?? 0.01;
      if (!Number.isFinite(a)) throw new InitializerError(`leaky_relu negative slope must be finite, got ${a}`);
      return Math.sqrt(2 / (1 + a * a));
    }
    default:
      throw new InitializerError(
        `unknown nonlinearity "${String(nonlinearity)}"; expected one of: ${NONLINEARITIES.join(', ')}`,
      );
  }
}

// ---- constructors -------------------------------------------------------------------------------------------

/** The core every fan-based scheme reduces to: var = scale / fan. */
export function varianceScaling(scale: number, mode: FanMode, distribution: Distribution): Initializer {
  return checked({ kind: 'variance_scaling', scale, mode, distribution });
}

/** Glorot & Bengio (2010): U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform(gain = 1): Initializer {
  return varianceScaling(positiveGain(gain) ** 2, 'fan_avg', 'uniform');
}

/** Glorot & Bengio (2010): N(0, gain^2 * 2 / (fan_in + fan_out)). */
export function xavierNormal(gain = 1): Initializer {
  return varianceScaling(positiveGain(gain) ** 2, 'fan_avg', 'normal');
}

export interface KaimingOptions {
  /** Default fan_in, which preserves the forward signal's variance; fan_out preserves the gradient's. */
  mode?: 'fan_in' | 'fan_out';
  /** Default relu. */
  nonlinearity?: Nonlinearity;
  /** leaky_relu only; default 0.01 (calculateGain's default, whereas PyTorch's kaiming_* default a = 0). */
  negativeSlope?: number;
}

/** He et al. (2015): U(-b, b), b = gain * sqrt(3 / fan). */
export function kaimingUniform(opts: KaimingOptions = {}): Initializer {
  return kaiming(opts, 'uniform');
}

/** He et al. (2015): N(0, (gain / sqrt(fan))^2). */
export function kaimingNormal(opts: KaimingOptions = {}): Initializer {
  return kaiming(opts, 'normal');
}

function kaiming(opts: KaimingOptions, distribution: Distribution): Initializer {
  const mode = opts.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') {
    throw new InitializerError(`Kaiming mode must be fan_in or fan_out, got ${String(mode)}`);
  }
  const nonlinearity = opts.nonlinearity ?? 'relu';
  const gain = calculateGain(nonlinearity, opts.negativeSlope);
  // Square the table's exact value where it has one, so He's scale is exactly 2, not sqrt(2)^2 = 2.0000000000000004.
  const a = opts.negativeSlope ?? 0.01;
  const scale = nonlinearity === 'relu' ? 2 : nonlinearity === 'leaky_relu' ? 2 / (1 + a * a) : gain * gain;
  return varianceScaling(scale, mode, distribution);
}

/** LeCun (1998): U(-b, b) with var 1 / fan_in. */
export function lecunUniform(): Initializer {
  return varianceScaling(1, 'fan_in', 'uniform');
}

/** LeCun (1998): N(0, 1 / fan_in). */
export function lecunNormal(): Initializer {
  return varianceScaling(1, 'fan_in', 'normal');
}

export function normal(mean = 0, std = 1): Initializer {
  return checked({ kind: 'normal', mean, std });
}

export function uniform(low = 0, high = 1): Initializer {
  return checked({ kind: 'uniform', low, high });
}

export function constant(value: number): Initializer {
  return checked({ kind: 'constant', value });
}

export function zeros(): Initializer {
  return constant(0);
}

export function pytorchLinearDefault(): Initializer {
  return { kind: 'pytorch_linear' };
}

function positiveGain(gain: number): number {
  if (!(Number.isFinite(gain) && gain > 0)) throw new InitializerError(`gain must be a finite number > 0, got ${gain}`);
  return gain;
}

/** Rejects parameters that would fill NaN, infinities or a degenerate distribution. */
function checked(init: Initializer): Initializer {
  const finite = (what: string, x: number): void => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InitializerError(`${what} must be a finite number, got ${x}`);
  };
  switch (init.kind) {
    case 'variance_scaling':
      finite('scale', init.scale);
      if (init.scale <= 0) throw new InitializerError(`scale must be > 0, got ${init.scale}`);
      if (!FAN_MODES.includes(init.mode)) {
        throw new InitializerError(`mode must be one of ${FAN_MODES.join(', ')}, got ${String(init.mode)}`);
      }
      if (!DISTRIBUTIONS.includes(init.distribution)) {
        throw new InitializerError(
          `distribution must be one of ${DISTRIBUTIONS.join(', ')}, got ${String(init.distribution)}`,
        );
      }
      break;
    case 'normal':
      finite('mean', init.mean);
      finite('std', init.std);
      if (init.std <= 0) throw new InitializerError(`std must be > 0, got ${init.std} (use constant for a fixed value)`);
      break;
    case 'uniform':
      finite('low', init.low);
      finite('high', init.high);
      if (init.low >= init.high) throw new InitializerError(`low must be < high, got low ${init.low}, high ${init.high}`);
      break;
    case 'constant':
      finite('value', init.value);
      break;
    case 'pytorch_linear':
      break;
    default:
      throw new InitializerError(`unknown initializer kind "${String((init as { kind: unknown }).kind)}"`);
  }
  return init;
}

// ---- filling ------------------------------------------------------------------------------------------------

/**
 * Fills `out` (a weight of shape (fanOut, fanIn), row-major, i.e. PyTorch's (out, in) layout, or a bias of
 * length fanOut) in index order, drawing from `rng`. Returns `out`.
 */
export function fill(init: Initializer, out: Float32Array, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  for (const [name, fan] of [['fanIn', fanIn], ['fanOut', fanOut]] as const) {
    if (!Number.isInteger(fan) || fan <= 0) throw new InitializerError(`${name} must be a positive integer, got ${fan}`);
  }
  checked(init);
  switch (init.kind) {
    case 'variance_scaling': {
      const fan = init.mode === 'fan_in' ? fanIn : init.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
      const variance = init.scale / fan;
      if (init.distribution === 'uniform') {
        const bound = Math.sqrt(3 * variance);
        return fillUniform(out, -bound, bound, rng);
      }
      return fillNormal(out, 0, Math.sqrt(variance), rng);
    }
    case 'normal':
      return fillNormal(out, init.mean, init.std, rng);
    case 'uniform':
      return fillUniform(out, init.low, init.high, rng);
    case 'constant':
      return out.fill(init.value);
    case 'pytorch_linear': {
      const bound = 1 / Math.sqrt(fanIn);
      return fillUniform(out, -bound, bound, rng);
    }
  }
}

/**
 * E[w^2] of the values `init` draws for a (fanOut, fanIn) weight: the variance plus the squared mean. This is
 * what sets how a layer scales its signal (E[z^2] = fan_in * E[w^2] * E[x^2]), so the lab's theory uses it.
 */
export function weightSecondMoment(init: Initializer, fanIn: number, fanOut: number): number {
  checked(init);
  switch (init.kind) {
    case 'variance_scaling': {
      const fan = init.mode === 'fan_in' ? fanIn : init.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
      return init.scale / fan;
    }
    case 'normal':
      return init.std * init.std + init.mean * init.mean;
    case 'uniform':
      // U(a, b): E[w^2] = (a^2 + ab + b^2) / 3.
      return (init.low * init.low + init.low * init.high + init.high * init.high) / 3;
    case 'constant':
      return init.value * init.value;
    case 'pytorch_linear':
      return 1 / (3 * fanIn);
  }
}

function fillUniform(out: Float32Array, low: number, high: number, rng: Rng): Float32Array {
  const width = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + width * rng.nextFloat();
  return out;
}

function fillNormal(out: Float32Array, mean: number, std: number, rng: Rng): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = mean + std * rng.nextNormal();
  return out;
}

// ---- names for the CLI and UI -------------------------------------------------------------------------------

/** Every name here is a complete specification on its own (the UI can list them as they are). */
export const INITIALIZER_NAMES: readonly string[] = [
  'xavier-uniform',
  'xavier-normal',
  'he-uniform',
  'he-normal',
  'lecun-uniform',
  'lecun-normal',
  'pytorch-default',
  'normal',
  'uniform',
  'zeros',
];

const GRAMMAR = [
  'NAME or NAME:ARG,ARG,... where an ARG is a value or KEY=VALUE; names ignore case and accept _ for -:',
  '  xavier-uniform | xavier-normal [:GAIN | :NONLINEARITY]  (keys: gain; glorot-* is an alias)',
  '  he-uniform | he-normal [:MODE,NONLINEARITY,SLOPE in any order, each optional]',
  '      (keys: mode, nonlinearity, slope; kaiming-* is an alias; default fan_in, relu)',
  '  lecun-uniform | lecun-normal | pytorch-default | zeros  (no arguments)',
  '  normal[:MEAN,STD]  (default 0,1; keys: mean, std)    uniform[:LOW,HIGH]  (default 0,1; keys: low, high)',
  '  constant:VALUE    variance-scaling:SCALE[,MODE[,DISTRIBUTION]]  (default fan_in, normal)',
  `  MODE: ${FAN_MODES.join(' | ')}   NONLINEARITY: ${NONLINEARITIES.join(' | ')}`,
  `  e.g. normal:0,0.01  uniform:-0.1,0.1  he-normal:fan_out  xavier-uniform:gain=1.41  kaiming-uniform:leaky_relu,0.2`,
].join('\n');

const ALIASES: Record<string, string> = {
  'kaiming-uniform': 'he-uniform',
  'kaiming-normal': 'he-normal',
  'glorot-uniform': 'xavier-uniform',
  'glorot-normal': 'xavier-normal',
};

const NO_ARGUMENT_PRESETS: Record<string, () => Initializer> = {
  'lecun-uniform': lecunUniform,
  'lecun-normal': lecunNormal,
  'pytorch-default': pytorchLinearDefault,
  zeros,
};

/** Parses a specification such as 'he-normal:fan_out' or 'normal:0,0.01'; see GRAMMAR for the forms. */
export function parseInitializer(text: string): Initializer {
  if (typeof text !== 'string') throw new InitializerError(`an initializer must be text such as "xavier-uniform", got a ${text === null ? 'null' : typeof text}`);
  const spec = text.trim();
  const colon = spec.indexOf(':');
  const rawName = (colon < 0 ? spec : spec.slice(0, colon)).trim().toLowerCase().replace(/_/g, '-');
  const name = ALIASES[rawName] ?? rawName;
  const fail = (why: string): never => {
    throw new InitializerError(`bad initializer "${spec}": ${why}\n${GRAMMAR}`);
  };
  try {
    const args = colon < 0 ? null : splitArgs(spec.slice(colon + 1));
    switch (name) {
      case 'xavier-uniform':
      case 'xavier-normal': {
        const gain = parseXavierGain(args);
        return name === 'xavier-uniform' ? xavierUniform(gain) : xavierNormal(gain);
      }
      case 'he-uniform':
      case 'he-normal': {
        const opts = parseKaiming(args);
        return name === 'he-uniform' ? kaimingUniform(opts) : kaimingNormal(opts);
      }
      case 'lecun-uniform':
      case 'lecun-normal':
      case 'pytorch-default':
      case 'zeros':
        if (args) fail(`${name} takes no arguments`);
        return NO_ARGUMENT_PRESETS[name]();
      case 'normal': {
        const [mean, std] = bindPair(args, 'mean', 'std', 0, 1);
        return normal(mean, std);
      }
      case 'uniform': {
        const [low, high] = bindPair(args, 'low', 'high', 0, 1);
        return uniform(low, high);
      }
      case 'constant': {
        const v = bindOrdered(args, ['value']);
        if (v.value === undefined) fail('constant needs a value, e.g. constant:0.1');
        return constant(parseNumber('value', v.value!));
      }
      case 'variance-scaling': {
        const v = bindOrdered(args, ['scale', 'mode', 'distribution']);
        if (v.scale === undefined) fail('variance-scaling needs a scale, e.g. variance-scaling:2,fan_in,normal');
        return varianceScaling(
          parseNumber('scale', v.scale!),
          parseChoice('mode', v.mode ?? 'fan_in', FAN_MODES),
          parseChoice('distribution', v.distribution ?? 'normal', DISTRIBUTIONS),
        );
      }
      default:
        return fail(
          spec === ''
            ? 'empty specification'
            : `unknown name "${rawName}"; expected one of ${INITIALIZER_NAMES.join(', ')}, constant, variance-scaling`,
        );
    }
  } catch (e) {
    // Errors from the helpers and constructors (std <= 0, low >= high, ...) get the text and grammar attached.
    if (e instanceof InitializerError && !e.message.startsWith('bad initializer')) fail(e.message);
    throw e;
  }
}

interface Args {
  positional: string[];
  named: Map<string, string>;
}

function splitArgs(text: string): Args {
  const args: Args = { positional: [], named: new Map() };
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '') throw new InitializerError('empty argument (two commas in a row, or a trailing comma or colon)');
    const eq = token.indexOf('=');
    if (eq < 0) {
      args.positional.push(token);
      continue;
    }
    const key = token.slice(0, eq).trim().toLowerCase();
    const value = token.slice(eq + 1).trim();
    if (key === '' || value === '') throw new InitializerError(`malformed argument "${token}", expected KEY=VALUE`);
    if (args.named.has(key)) throw new InitializerError(`${key} given twice`);
    args.named.set(key, value);
  }
  return args;
}

/** Binds positional arguments in the order of `keys`, then named ones; rejects extras, unknowns, repeats. */
function bindOrdered(args: Args | null, keys: readonly string[]): Record<string, string | undefined> {
  const bound: Record<string, string | undefined> = {};
  if (!args) return bound;
  if (args.positional.length > keys.length) {
    throw new InitializerError(`too many arguments: expected at most ${keys.length} (${keys.join(', ')})`);
  }
  args.positional.forEach((value, i) => (bound[keys[i]] = value));
  for (const [key, value] of args.named) {
    if (!keys.includes(key)) throw new InitializerError(`unknown key "${key}"; expected ${keys.join(', ')}`);
    if (bound[key] !== undefined) throw new InitializerError(`${key} given twice`);
    bound[key] = value;
  }
  return bound;
}

/** normal and uniform: a lone positional number would be ambiguous (mean or std?), so it is refused. */
function bindPair(args: Args | null, a: string, b: string, defA: number, defB: number): [number, number] {
  if (args && args.positional.length === 1 && args.named.size === 0) {
    throw new InitializerError(`give both ${a} and ${b} (e.g. ${a},${b}) or name them (${b}=...)`);
  }
  const v = bindOrdered(args, [a, b]);
  return [
    v[a] === undefined ? defA : parseNumber(a, v[a]!),
    v[b] === undefined ? defB : parseNumber(b, v[b]!),
  ];
}

function parseXavierGain(args: Args | null): number {
  const v = bindOrdered(args, ['gain']);
  if (v.gain === undefined) return 1;
  const asName = v.gain.toLowerCase();
  return (NONLINEARITIES as readonly string[]).includes(asName)
    ? calculateGain(asName as Nonlinearity)
    : parseNumber('gain', v.gain);
}

/** he-*: positional arguments are recognized by their form, so 'he-normal:tanh' and 'he-normal:fan_out' both work. */
function parseKaiming(args: Args | null): KaimingOptions {
  const opts: KaimingOptions = {};
  const set = <K extends keyof KaimingOptions>(key: K, value: KaimingOptions[K]): void => {
    if (opts[key] !== undefined) throw new InitializerError(`${key} given twice`);
    opts[key] = value;
  };
  if (!args) return opts;
  const kaimingModes = ['fan_in', 'fan_out'] as const;
  for (const token of args.positional) {
    const word = token.toLowerCase().replace(/-/g, '_');
    if ((kaimingModes as readonly string[]).includes(word)) set('mode', word as 'fan_in' | 'fan_out');
    else if ((NONLINEARITIES as readonly string[]).includes(word)) set('nonlinearity', word as Nonlinearity);
    else if (isNumber(token)) set('negativeSlope', Number(token));
    else {
      throw new InitializerError(
        `"${token}" is not a mode (${kaimingModes.join(', ')}), a nonlinearity (${NONLINEARITIES.join(', ')}) or a slope`,
      );
    }
  }
  for (const [key, value] of args.named) {
    if (key === 'mode') set('mode', parseChoice('mode', value, kaimingModes));
    else if (key === 'nonlinearity') set('nonlinearity', parseChoice('nonlinearity', value, NONLINEARITIES));
    else if (key === 'slope') set('negativeSlope', parseNumber('slope', value));
    else throw new InitializerError(`unknown key "${key}"; expected mode, nonlinearity, slope`);
  }
  if (opts.negativeSlope !== undefined && opts.nonlinearity !== 'leaky_relu') {
    throw new InitializerError('a slope needs nonlinearity leaky_relu, e.g. he-uniform:leaky_relu,0.2');
  }
  return opts;
}

// Plain decimal only: Number() would also take '', ' ', '0x10', 'Infinity' and '1_0'-like surprises.
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function isNumber(text: string): boolean {
  return NUMBER_RE.test(text) && Number.isFinite(Number(text));
}

function parseNumber(what: string, text: string): number {
  if (!isNumber(text)) throw new InitializerError(`${what} must be a finite decimal number, got "${text}"`);
  return Number(text);
}

function parseChoice<T extends string>(what: string, text: string, allowed: readonly T[]): T {
  const word = text.toLowerCase().replace(/-/g, '_');
  if (!(allowed as readonly string[]).includes(word)) {
    throw new InitializerError(`${what} must be one of ${allowed.join(', ')}, got "${text}"`);
  }
  return word as T;
}

// ---- labels -------------------------------------------------------------------------------------------------

/** A short human label: "Xavier uniform", "He normal (fan_out)", "N(0, σ=0.01)", "U(-0.1, 0.1)". */
export function describeInitializer(init: Initializer): string {
  switch (init.kind) {
    case 'variance_scaling': {
      const dist = init.distribution;
      const gain = Math.sqrt(init.scale);
      // Which named scheme produced it; the scale gives back the gain, up to rounding.
      if (init.mode === 'fan_avg') return `Xavier ${dist}${near(init.scale, 1) ? '' : ` (gain ${fmt(gain)})`}`;
      if (init.mode === 'fan_in' && near(init.scale, 1)) return `LeCun ${dist}`;
      const notes = [near(init.scale, 2) ? '' : `gain ${fmt(gain)}`, init.mode === 'fan_out' ? 'fan_out' : ''];
      const extra = notes.filter(Boolean).join(', ');
      return `He ${dist}${extra ? ` (${extra})` : ''}`;
    }
    case 'normal':
      return `N(${fmt(init.mean)}, σ=${fmt(init.std)})`;
    case 'uniform':
      return `U(${fmt(init.low)}, ${fmt(init.high)})`;
    case 'constant':
      return init.value === 0 ? 'Zeros' : `Constant ${fmt(init.value)}`;
    case 'pytorch_linear':
      return 'PyTorch default U(±1/√fan_in)';
  }
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}
