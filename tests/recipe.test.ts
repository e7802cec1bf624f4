// validateRecipe: every preset passes; every bad field is refused with a ConfigError naming the field, the
// value it got and the allowed range. checkRecipeFitsData: a recipe against its data, more outputs than
// classes allowed (the lesson's deep cell), fewer refused. CPU only.
import { describe, expect, it } from 'vitest';
import { checkRecipeFitsData, ConfigError, lrAt, parseWidths, RECIPE_DESCRIPTIONS, RECIPES, validateRecipe, type Recipe } from '../src/train/recipe.ts';
import { INITIALIZER_NAMES } from '../src/init/initializers.ts';
import { MAX_WIDTH } from '../src/layers/mlp.ts';

const base = (): Recipe => ({ ...RECIPES.mlp, layers: [...RECIPES.mlp.layers] });

/** The ConfigError message validateRecipe throws for `base()` with `change` applied. */
function rejection(change: Partial<Recipe> | Record<string, unknown>): string {
  const recipe = { ...base(), ...change } as Recipe;
  try {
    validateRecipe(recipe);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`validateRecipe accepted ${JSON.stringify(change)}`);
}

describe('validateRecipe accepts', () => {
  it.each(Object.keys(RECIPES) as Array<keyof typeof RECIPES>)('the %s preset, returning it unchanged', (name) => {
    const recipe = { ...RECIPES[name], layers: [...RECIPES[name].layers] };
    const copy = structuredClone(recipe);
    expect(validateRecipe(recipe)).toBe(recipe);
    expect(recipe).toEqual(copy);
  });

  it('the edges of each range', () => {
    for (const change of [
      { layers: [1, 1] },
      { layers: [784, MAX_WIDTH, 10] },
      { lr: 10 },
      { batch: 65536 },
      { seed: 0 },
      { seed: 0xffffffff },
      { momentum: 0.999 },
      { beta2: 0 },
      { eps: 1 },
      { trainLimit: 0 },
      { optimizer: 'sgd' as const, momentum: 0.9 },
      { init: 'normal:0,0.01', biasInit: 'zeros' },
    ]) {
      expect(() => validateRecipe({ ...base(), ...change })).not.toThrow();
    }
  });
});

describe('validateRecipe rejects, naming the field and the allowed range', () => {
  const widthRange = `an integer from 1 to ${MAX_WIDTH}`;

  it.each([
    ['a negative width', [784, -5, 10], 'layers[1] is -5'],
    ['a zero width', [784, 256, 0], 'layers[2] is 0'],
    ['a fractional width', [784.5, 256, 10], 'layers[0] is 784.5'],
    ['a NaN width', [784, NaN, 10], 'layers[1] is NaN'],
    ['a width above MAX_WIDTH', [784, MAX_WIDTH + 1, 10], `layers[1] is ${MAX_WIDTH + 1}`],
  ])('%s', (_, layers, start) => {
    const message = rejection({ layers });
    expect(message.startsWith(start)).toBe(true);
    expect(message).toContain(widthRange);
  });

  it('a single width or none', () => {
    for (const layers of [[784], []]) {
      const message = rejection({ layers });
      expect(message).toMatch(/^layers is \[(784)?\]; allowed: at least two widths/);
      expect(message).toContain('784,256,256,10');
    }
  });

  it('an unknown weight or bias initializer, listing the allowed names', () => {
    for (const field of ['init', 'biasInit'] as const) {
      const message = rejection({ [field]: 'bogus' });
      expect(message.startsWith(`${field}: bad initializer "bogus": unknown name "bogus"`)).toBe(true);
      for (const name of INITIALIZER_NAMES) expect(message).toContain(name);
    }
    expect(rejection({ init: 'normal:0,-1' })).toMatch(/^init: .*std must be > 0/);
  });

  it('an optimizer other than adam or sgd', () => {
    expect(rejection({ optimizer: 'rmsprop' })).toBe('optimizer is "rmsprop"; allowed: "adam" or "sgd"');
  });

  it.each([
    [0, 'lr is 0'],
    [-0.1, 'lr is -0.1'],
    [NaN, 'lr is NaN'],
    [Infinity, 'lr is Infinity'],
    [10.5, 'lr is 10.5'],
  ])('lr %s', (lr, start) => {
    expect(rejection({ lr })).toBe(`${start}; allowed: a number above 0 and at most 10`);
  });

  it.each([0, 2.5, -1, 65537])('batch %s', (batch) => {
    const message = rejection({ batch });
    expect(message).toBe(`batch is ${batch}; allowed: an integer from 1 to 65536 (and at most the number of training images)`);
  });

  it.each([0, 1.5, 100_001])('epochs %s', (epochs) => {
    expect(rejection({ epochs })).toBe(`epochs is ${epochs}; allowed: an integer from 1 to 100000`);
  });

  it.each([-1, 2 ** 32, 7.5, NaN])('seed %s', (seed) => {
    expect(rejection({ seed })).toBe(`seed is ${seed}; allowed: an integer from 0 to 4294967295`);
  });

  it.each([
    ['momentum', 1],
    ['momentum', -0.1],
    ['beta1', 1],
    ['beta2', 1],
    ['beta2', NaN],
  ] as const)('%s %s', (field, value) => {
    expect(rejection({ [field]: value })).toBe(`${field} is ${value}; allowed: a number in [0, 1)`);
  });

  it.each([0, -1e-8, 2])('eps %s', (eps) => {
    expect(rejection({ eps })).toBe(`eps is ${eps}; allowed: a number above 0 and at most 1`);
  });

  it.each([-1, 0.5])('trainLimit %s', (trainLimit) => {
    expect(rejection({ trainLimit })).toBe(`trainLimit is ${trainLimit}; allowed: an integer >= 0 (0 means all training images)`);
  });

  it('values of the wrong type, as a recipe read from JSON could hold', () => {
    expect(rejection({ lr: '0.001' })).toBe('lr is "0.001"; allowed: a number above 0 and at most 10');
    expect(rejection({ layers: '784,10' })).toMatch(/^layers is "784,10"; allowed: at least two widths/);
    expect(rejection({ batch: undefined })).toMatch(/^batch is undefined; allowed:/);
  });
});

describe('ConfigError carries its field as data', () => {
  function fault(change: Partial<Recipe> | Record<string, unknown>): ConfigError {
    try {
      validateRecipe({ ...base(), ...change } as Recipe);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error(`validateRecipe accepted ${JSON.stringify(change)}`);
  }

  it.each([
    [{ lr: 0 }, 'lr', null, 'a number above 0 and at most 10'],
    [{ layers: [784, 0, 10] }, 'layers', 1, 'an integer from 1 to 1048576'],
    [{ biasInit: 'bogus' }, 'biasInit', null, null],
    [{ batch: 0 }, 'batch', null, 'an integer from 1 to 65536 (and at most the number of training images)'],
    [{ trainLimit: -1 }, 'trainLimit', null, 'an integer >= 0 (0 means all training images)'],
  ] as const)('%j: field %s, index %s', (change, field, index, allowed) => {
    const error = fault(change);
    expect(error.field).toBe(field);
    expect(error.index).toBe(index);
    if (allowed) expect(error.allowed).toBe(allowed);
    else expect(error.allowed).toMatch(/^one of xavier-uniform, .*normal:0,0\.01/);
  });
});

describe('parseWidths: one parser for the CLI, the form and the lab', () => {
  it.each([
    ['784,256,256,10', [784, 256, 256, 10]],
    [' 784, 256 ,10 ', [784, 256, 10]],
    ['784 512 10', [784, 512, 10]],
  ])('reads %j', (text, widths) => {
    expect(parseWidths(text)).toEqual(widths);
  });

  it.each([
    ['', 'layers', null],
    ['784', 'layers', null],
    ['784,,10', 'layers', 1],
    ['784,256,x', 'layers', 2],
    ['784,2.5,10', 'layers', 1],
    [`784,${MAX_WIDTH + 1},10`, 'layers', 1],
    ['784,10,', 'layers', 2],
  ] as const)('refuses %j, naming the width', (text, field, index) => {
    try {
      parseWidths(text);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
      expect((error as ConfigError).index).toBe(index);
      return;
    }
    throw new Error(`parseWidths accepted ${JSON.stringify(text)}`);
  });
});

describe('learning-rate changes', () => {
  it('lrAt applies each change from its step on', () => {
    const recipe = { lr: 0.1, lrChanges: [{ step: 5, lr: 0.01 }, { step: 9, lr: 0.001 }] };
    expect([1, 4, 5, 8, 9, 100].map((step) => lrAt(recipe, step))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
    expect(lrAt({ lr: 0.5 }, 7)).toBe(0.5);
  });

  it('validateRecipe accepts increasing steps from 2 and refuses the rest, naming the change', () => {
    expect(() => validateRecipe({ ...base(), lrChanges: [{ step: 2, lr: 0.01 }, { step: 300, lr: 1e-4 }] })).not.toThrow();
    for (const [lrChanges, index] of [
      [[{ step: 1, lr: 0.01 }], 0],
      [[{ step: 5, lr: 0.01 }, { step: 5, lr: 0.02 }], 1],
      [[{ step: 5, lr: 0 }], 0],
      [[{ step: 5, lr: 11 }], 0],
      [[{ step: 2.5, lr: 0.1 }], 0],
    ] as const) {
      try {
        validateRecipe({ ...base(), lrChanges: lrChanges as unknown as Recipe['lrChanges'] });
        throw new Error(`accepted ${JSON.stringify(lrChanges)}`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).field).toBe('lrChanges');
        expect((error as ConfigError).index).toBe(index);
      }
    }
    expect(rejection({ lrChanges: 'soon' })).toMatch(/^lrChanges is "soon"; allowed: a list of \{ step, lr \}/);
  });
});

describe('checkRecipeFitsData: the last width against the classes', () => {
  const MNIST = { inputs: 784, classes: 10, train: 60_000, name: 'mnist' };
  const fits = (layers: number[]): void => checkRecipeFitsData({ layers, batch: 100, trainLimit: 0 }, MNIST);

  it('lesson-deep is the model the lesson\'s deep cell trains: 784-512-512-512, 512 outputs for 10 classes', () => {
    expect(RECIPES['lesson-deep']).toEqual({ ...RECIPES.deep, layers: [784, 512, 512, 512] });
    expect(RECIPE_DESCRIPTIONS['lesson-deep']).toContain('784-512-512-512');
    expect(() => fits(RECIPES['lesson-deep'].layers)).not.toThrow();
  });

  it('accepts as many outputs as classes, or more', () => {
    for (const layers of [[784, 10], [784, 256, 256, 10], [784, 32, 11], [784, 32, 16], [784, 512, 512, 512]]) expect(() => fits(layers)).not.toThrow();
  });

  it('refuses fewer outputs than classes, naming the width, the classes and the least allowed', () => {
    for (const last of [1, 7, 9]) {
      let error: unknown;
      try {
        fits([784, 256, last]);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const fault = error as ConfigError;
      expect(fault.message).toBe(`the last width is ${last} but mnist has 10 classes; the last width must be at least 10, one output per class`);
      expect(fault.field).toBe('layers');
      expect(fault.index).toBe(2);
      expect(fault.allowed).toBe('at least 10 as the last width (an output per class of mnist), e.g. 784,256,256,10');
    }
  });
});
