import { describe, it, expect } from 'vitest';
import {
  Rng,
  INITIALIZER_NAMES,
  InitializerError,
  calculateGain,
  constant,
  describeInitializer,
  fill,
  kaimingNormal,
  kaimingUniform,
  lecunNormal,
  lecunUniform,
  normal,
  parseInitializer,
  pytorchLinearDefault,
  uniform,
  varianceScaling,
  xavierNormal,
  xavierUniform,
  zeros,
  type Initializer,
} from '../src/init';

/** What a scheme should produce for given fans, written out from the papers' formulas, not from the module. */
type Expected =
  | { type: 'uniform'; low: number; high: number }
  | { type: 'normal'; mean: number; std: number }
  | { type: 'constant'; value: number };

const sym = (b: number): Expected => ({ type: 'uniform', low: -b, high: b });
const centred = (std: number): Expected => ({ type: 'normal', mean: 0, std });
const TANH = 5 / 3;
const LEAKY_02 = Math.sqrt(2 / (1 + 0.2 * 0.2));
const LEAKY_DEFAULT = Math.sqrt(2 / (1 + 0.01 * 0.01));

const SCHEMES: { label: string; init: Initializer; expected: (fanIn: number, fanOut: number) => Expected }[] = [
  { label: 'xavier uniform', init: xavierUniform(), expected: (i, o) => sym(Math.sqrt(6 / (i + o))) },
  { label: 'xavier uniform gain 1.41', init: xavierUniform(1.41), expected: (i, o) => sym(1.41 * Math.sqrt(6 / (i + o))) },
  { label: 'xavier normal', init: xavierNormal(), expected: (i, o) => centred(Math.sqrt(2 / (i + o))) },
  { label: 'xavier normal tanh gain', init: xavierNormal(TANH), expected: (i, o) => centred(TANH * Math.sqrt(2 / (i + o))) },
  { label: 'he uniform fan_in relu', init: kaimingUniform(), expected: (i) => sym(Math.SQRT2 * Math.sqrt(3 / i)) },
  { label: 'he uniform fan_out relu', init: kaimingUniform({ mode: 'fan_out' }), expected: (_, o) => sym(Math.sqrt(6 / o)) },
  {
    label: 'he uniform leaky_relu default slope',
    init: kaimingUniform({ nonlinearity: 'leaky_relu' }),
    expected: (i) => sym(LEAKY_DEFAULT * Math.sqrt(3 / i)),
  },
  { label: 'he normal fan_in relu', init: kaimingNormal(), expected: (i) => centred(Math.SQRT2 / Math.sqrt(i)) },
  { label: 'he normal fan_in linear', init: kaimingNormal({ nonlinearity: 'linear' }), expected: (i) => centred(1 / Math.sqrt(i)) },
  {
    label: 'he normal fan_out leaky_relu 0.2',
    init: kaimingNormal({ mode: 'fan_out', nonlinearity: 'leaky_relu', negativeSlope: 0.2 }),
    expected: (_, o) => centred(LEAKY_02 / Math.sqrt(o)),
  },
  { label: 'lecun uniform', init: lecunUniform(), expected: (i) => sym(Math.sqrt(3 / i)) },
  { label: 'lecun normal', init: lecunNormal(), expected: (i) => centred(1 / Math.sqrt(i)) },
  { label: 'pytorch default', init: pytorchLinearDefault(), expected: (i) => sym(1 / Math.sqrt(i)) },
  { label: 'normal(0.5, 0.02)', init: normal(0.5, 0.02), expected: () => ({ type: 'normal', mean: 0.5, std: 0.02 }) },
  { label: 'uniform(-0.3, 0.1)', init: uniform(-0.3, 0.1), expected: () => ({ type: 'uniform', low: -0.3, high: 0.1 }) },
  { label: 'constant 0.1', init: constant(0.1), expected: () => ({ type: 'constant', value: 0.1 }) },
  { label: 'zeros', init: zeros(), expected: () => ({ type: 'constant', value: 0 }) },
];

/** [fanIn, fanOut]; the weight has shape (fanOut, fanIn). */
const STAT_FANS: [number, number][] = [
  [784, 256],
  [256, 256],
  [256, 10],
];
const BOUND_ONLY_FANS: [number, number][] = [
  [3, 5],
  [1, 1],
];

function meanAndVariance(xs: Float32Array): { mean: number; variance: number } {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { mean, variance: ss / (xs.length - 1) };
}

/** Checks support always; checks moments only when the sample is large enough to say anything. */
function checkAgainst(xs: Float32Array, e: Expected, withStats: boolean): void {
  const n = xs.length;
  if (e.type === 'constant') {
    expect(xs.every((x) => x === Math.fround(e.value))).toBe(true);
    return;
  }
  if (e.type === 'uniform') {
    // Rounding to float32 is monotone, so values can reach but never pass the rounded ends.
    const lo = Math.fround(e.low);
    const hi = Math.fround(e.high);
    expect(xs.every((x) => x >= lo && x <= hi)).toBe(true);
    if (!withStats) return;
    // The interval must be used in full: P(no draw in the top 20/n of it) = (1 - 20/n)^n ~ e^-20.
    const slack = ((e.high - e.low) * 20) / n;
    expect(xs.reduce((m, x) => Math.max(m, x), -Infinity)).toBeGreaterThanOrEqual(e.high - slack);
    expect(xs.reduce((m, x) => Math.min(m, x), Infinity)).toBeLessThanOrEqual(e.low + slack);
  } else {
    // P(|z| > 7) ~ 2.6e-12 per draw: a value this far out means a wrong scale, not bad luck.
    expect(xs.every((x) => Math.abs(x - e.mean) <= 7 * e.std)).toBe(true);
    if (!withStats) return;
  }
  const mean = e.type === 'uniform' ? (e.low + e.high) / 2 : e.mean;
  const variance = e.type === 'uniform' ? (e.high - e.low) ** 2 / 12 : e.std ** 2;
  const s = meanAndVariance(xs);
  // Mean: standard error sigma / sqrt(n); allow 5 of them.
  expect(Math.abs(s.mean - mean)).toBeLessThanOrEqual((5 * Math.sqrt(variance)) / Math.sqrt(n));
  // Variance: standard error sqrt((mu4 - sigma^4) / n), i.e. sigma^2 sqrt(2/n) for a normal (mu4 = 3 sigma^4)
  // and sigma^2 sqrt(0.8/n) for a uniform (mu4 = 9/5 sigma^4); allow 5 of them.
  const excess = e.type === 'uniform' ? 0.8 : 2;
  expect(Math.abs(s.variance - variance)).toBeLessThanOrEqual(5 * variance * Math.sqrt(excess / n));
}

describe('fill: distributions match their formulas', () => {
  for (const { label, init, expected } of SCHEMES) {
    it(label, () => {
      let seed = 100;
      for (const [fanIn, fanOut] of STAT_FANS) {
        const w = fill(init, new Float32Array(fanIn * fanOut), fanIn, fanOut, new Rng(seed++));
        checkAgainst(w, expected(fanIn, fanOut), true);
      }
      for (const [fanIn, fanOut] of [...STAT_FANS, ...BOUND_ONLY_FANS]) {
        const w = fill(init, new Float32Array(fanIn * fanOut), fanIn, fanOut, new Rng(seed++));
        checkAgainst(w, expected(fanIn, fanOut), false);
        // A bias uses its layer's fans (PyTorch's default bias bound is 1 / sqrt(fan_in) too).
        const b = fill(init, new Float32Array(fanOut), fanIn, fanOut, new Rng(seed++));
        checkAgainst(b, expected(fanIn, fanOut), false);
      }
    });
  }

  it('is repeatable for a seed and differs between seeds', () => {
    for (const { label, init } of SCHEMES) {
      if (init.kind === 'constant') continue;
      const draw = (seed: number): Float32Array => fill(init, new Float32Array(256 * 10), 256, 10, new Rng(seed));
      expect(draw(11), label).toEqual(draw(11));
      expect(draw(11), label).not.toEqual(draw(12));
    }
  });

  it('draws in index order with the documented formulas', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    const u = fill(uniform(-2, 3), new Float32Array(50), 10, 5, a);
    expect(u).toEqual(Float32Array.from({ length: 50 }, () => -2 + 5 * b.nextFloat()));
    const g = fill(normal(1, 0.5), new Float32Array(51), 3, 17, a);
    expect(g).toEqual(Float32Array.from({ length: 51 }, () => 1 + 0.5 * b.nextNormal()));
    const bound = 1 / Math.sqrt(7);
    const p = fill(pytorchLinearDefault(), new Float32Array(4), 7, 4, a);
    expect(p).toEqual(Float32Array.from({ length: 4 }, () => -bound + 2 * bound * b.nextFloat()));
  });

  it('rejects non-positive or fractional fans and invalid initializers', () => {
    const rng = new Rng(1);
    for (const [fi, fo] of [
      [0, 4],
      [4, 0],
      [-1, 4],
      [1.5, 4],
      [4, NaN],
    ]) {
      expect(() => fill(xavierUniform(), new Float32Array(4), fi, fo, rng)).toThrow(/must be a positive integer/);
    }
    const bad = { kind: 'normal', mean: 0, std: -1 } as Initializer;
    expect(() => fill(bad, new Float32Array(4), 2, 2, rng)).toThrow(InitializerError);
  });
});

describe('the variance-scaling core', () => {
  it('is what every fan-based scheme reduces to', () => {
    expect(xavierUniform()).toEqual(varianceScaling(1, 'fan_avg', 'uniform'));
    expect(xavierNormal(2)).toEqual(varianceScaling(4, 'fan_avg', 'normal'));
    expect(kaimingUniform()).toEqual(varianceScaling(2, 'fan_in', 'uniform'));
    expect(kaimingNormal({ mode: 'fan_out' })).toEqual(varianceScaling(2, 'fan_out', 'normal'));
    expect(lecunUniform()).toEqual(varianceScaling(1, 'fan_in', 'uniform'));
    expect(lecunNormal()).toEqual(varianceScaling(1, 'fan_in', 'normal'));
  });

  it('rejects bad arguments in the constructors', () => {
    expect(() => varianceScaling(0, 'fan_in', 'normal')).toThrow(/scale must be > 0/);
    expect(() => varianceScaling(1, 'fan_sum' as never, 'normal')).toThrow(/mode must be one of/);
    expect(() => varianceScaling(1, 'fan_in', 'cauchy' as never)).toThrow(/distribution must be one of/);
    expect(() => xavierUniform(0)).toThrow(/gain must be/);
    expect(() => xavierNormal(NaN)).toThrow(/gain must be/);
    expect(() => normal(0, 0)).toThrow(/std must be > 0/);
    expect(() => uniform(1, 1)).toThrow(/low must be < high/);
    expect(() => constant(Infinity)).toThrow(/finite/);
    expect(() => kaimingUniform({ nonlinearity: 'relu', negativeSlope: 0.2 })).toThrow(/only to leaky_relu/);
  });
});

describe('calculateGain', () => {
  it("follows PyTorch's table", () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('relu')).toBe(Math.SQRT2);
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('leaky_relu')).toBeCloseTo(LEAKY_DEFAULT, 15);
    expect(calculateGain('leaky_relu', 0.2)).toBeCloseTo(LEAKY_02, 15);
    expect(calculateGain('leaky_relu', 0)).toBeCloseTo(Math.SQRT2, 15);
  });

  it('rejects unknown nonlinearities and stray slopes', () => {
    expect(() => calculateGain('gelu' as never)).toThrow(/unknown nonlinearity "gelu".*relu/);
    expect(() => calculateGain('tanh', 0.1)).toThrow(InitializerError);
    expect(() => calculateGain('leaky_relu', NaN)).toThrow(/finite/);
  });
});

describe('parseInitializer', () => {
  it('parses every preset name on its own', () => {
    for (const name of INITIALIZER_NAMES) {
      const init = parseInitializer(name);
      expect(describeInitializer(init).length, name).toBeGreaterThan(0);
    }
  });

  const cases: [string, Initializer][] = [
    ['xavier-uniform', xavierUniform()],
    ['xavier-normal', xavierNormal()],
    ['glorot-uniform', xavierUniform()],
    ['Glorot_Normal', xavierNormal()],
    ['xavier-uniform:gain=1.41', xavierUniform(1.41)],
    ['xavier-normal:2', xavierNormal(2)],
    ['xavier-uniform:tanh', xavierUniform(5 / 3)],
    ['he-uniform', kaimingUniform()],
    ['he-normal', kaimingNormal()],
    ['kaiming-uniform', kaimingUniform()],
    ['kaiming_normal', kaimingNormal()],
    ['he-normal:fan_out', kaimingNormal({ mode: 'fan_out' })],
    ['he-uniform:fan-out,linear', kaimingUniform({ mode: 'fan_out', nonlinearity: 'linear' })],
    ['kaiming-uniform:leaky_relu,0.2', kaimingUniform({ nonlinearity: 'leaky_relu', negativeSlope: 0.2 })],
    ['he-normal:0.2,fan_out,leaky_relu', kaimingNormal({ mode: 'fan_out', nonlinearity: 'leaky_relu', negativeSlope: 0.2 })],
    ['he-normal:mode=fan_out,nonlinearity=tanh', kaimingNormal({ mode: 'fan_out', nonlinearity: 'tanh' })],
    ['he-uniform:nonlinearity=leaky_relu,slope=0.1', kaimingUniform({ nonlinearity: 'leaky_relu', negativeSlope: 0.1 })],
    ['lecun-uniform', lecunUniform()],
    ['lecun-normal', lecunNormal()],
    ['pytorch-default', pytorchLinearDefault()],
    ['normal', normal(0, 1)],
    ['normal:0,0.01', normal(0, 0.01)],
    ['normal: -1 , 2.5e-1 ', normal(-1, 0.25)],
    ['normal:std=0.01', normal(0, 0.01)],
    ['normal:mean=1', normal(1, 1)],
    ['uniform', uniform(0, 1)],
    ['uniform:-0.1,0.1', uniform(-0.1, 0.1)],
    ['uniform:high=2,low=.5', uniform(0.5, 2)],
    ['constant:0.1', constant(0.1)],
    ['constant:value=-3', constant(-3)],
    ['zeros', zeros()],
    ['  ZEROS ', zeros()],
    ['variance-scaling:2', varianceScaling(2, 'fan_in', 'normal')],
    ['variance-scaling:0.5,fan_avg,uniform', varianceScaling(0.5, 'fan_avg', 'uniform')],
  ];
  for (const [text, expected] of cases) {
    it(`parses "${text}"`, () => expect(parseInitializer(text)).toEqual(expected));
  }

  const rejections: [string, RegExp][] = [
    ['', /empty specification/],
    ['foo', /unknown name "foo".*xavier-uniform.*he-normal.*pytorch-default/],
    ['xavier', /unknown name "xavier"/],
    ['normal:0,-1', /std must be > 0/],
    ['normal:0,0', /std must be > 0/],
    ['normal:0,NaN', /std must be a finite decimal number, got "NaN"/],
    ['normal:0,abc', /std must be a finite decimal number/],
    ['normal:0,Infinity', /finite decimal/],
    ['normal:0,1e999', /finite decimal/],
    ['normal:0x10,1', /mean must be a finite decimal/],
    ['normal:0.01', /give both mean and std/],
    ['normal:0,1,2', /too many arguments/],
    ['normal:0,,1', /empty argument/],
    ['normal:', /empty argument/],
    ['normal:sigma=1', /unknown key "sigma"; expected mean, std/],
    ['normal:1,mean=2', /mean given twice/],
    ['uniform:1,0', /low must be < high/],
    ['uniform:0.5,0.5', /low must be < high/],
    ['constant', /constant needs a value/],
    ['constant:x', /value must be a finite decimal/],
    ['zeros:1', /zeros takes no arguments/],
    ['pytorch-default:fan_in', /takes no arguments/],
    ['xavier-uniform:0', /gain must be a finite number > 0/],
    ['xavier-uniform:gain=', /malformed argument/],
    ['he-uniform:fan_avg', /"fan_avg" is not a mode \(fan_in, fan_out\)/],
    ['he-normal:relu,0.2', /a slope needs nonlinearity leaky_relu/],
    ['he-normal:fan_in,fan_out', /mode given twice/],
    ['he-normal:gelu', /"gelu" is not a mode.*nonlinearity \(linear, relu, leaky_relu, tanh, sigmoid\)/],
    ['he-normal:scale=2', /unknown key "scale"; expected mode, nonlinearity, slope/],
    ['variance-scaling', /needs a scale/],
    ['variance-scaling:1,fan_sum', /mode must be one of fan_in, fan_out, fan_avg/],
    ['variance-scaling:1,fan_in,cauchy', /distribution must be one of uniform, normal/],
  ];
  for (const [text, message] of rejections) {
    it(`rejects "${text}"`, () => {
      expect(() => parseInitializer(text)).toThrow(InitializerError);
      expect(() => parseInitializer(text)).toThrow(message);
    });
  }

  it('names the input and shows the grammar when it fails', () => {
    let message = '';
    try {
      parseInitializer('he-normal:fan_sideways');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('bad initializer "he-normal:fan_sideways"');
    expect(message).toContain('kaiming-* is an alias');
    expect(message).toContain('normal[:MEAN,STD]');
  });
});

describe('describeInitializer', () => {
  it('gives short labels', () => {
    expect(describeInitializer(xavierUniform())).toBe('Xavier uniform');
    expect(describeInitializer(xavierNormal(1.41))).toBe('Xavier normal (gain 1.41)');
    expect(describeInitializer(kaimingNormal())).toBe('He normal');
    expect(describeInitializer(kaimingUniform({ mode: 'fan_out' }))).toBe('He uniform (fan_out)');
    expect(describeInitializer(kaimingUniform({ nonlinearity: 'tanh' }))).toBe('He uniform (gain 1.667)');
    expect(describeInitializer(lecunNormal())).toBe('LeCun normal');
    expect(describeInitializer(pytorchLinearDefault())).toContain('PyTorch default');
    expect(describeInitializer(normal(0, 0.01))).toBe('N(0, σ=0.01)');
    expect(describeInitializer(uniform(-0.1, 0.1))).toBe('U(-0.1, 0.1)');
    expect(describeInitializer(constant(0.1))).toBe('Constant 0.1');
    expect(describeInitializer(zeros())).toBe('Zeros');
  });
});
