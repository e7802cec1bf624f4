// The trainer's settings without a browser: a draft becomes a Recipe or a FieldError that names its field
// (as data, from the ConfigError), says in one short sentence what is allowed and keeps the details (with
// what was typed, cut short) apart; the URL hash round-trips, applies every usable key of a mangled one and
// names each key it could not use. CPU only.
import { describe, expect, it } from 'vitest';
import { FieldError, draftToRecipe, fieldErrorFrom, parseLearningRate, presetDraft, quote, type Draft, type Field } from '../src/app/trainer/config.ts';
import { draftToHash, hashToDraft, parseLrChanges } from '../src/app/trainer/hash-state.ts';
import { RECIPES } from '../src/train/recipe.ts';
import { describeDataProblem } from '../src/app/trainer/data-problem.ts';

const MNIST = { inputs: 784, classes: 10, train: 60_000 };

function with_(values: Partial<Record<Field, string>>, base: Draft = presetDraft('quick')): Draft {
  return { ...base, values: { ...base.values, ...values } };
}

function refusal(draft: Draft, dataset = MNIST): FieldError {
  try {
    draftToRecipe(draft, dataset);
  } catch (error) {
    if (error instanceof FieldError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(draft.values)}`);
}

describe('draftToRecipe', () => {
  it('turns each preset into exactly its recipe', () => {
    for (const name of Object.keys(RECIPES) as Array<keyof typeof RECIPES>) expect(draftToRecipe(presetDraft(name), MNIST)).toEqual(RECIPES[name]);
  });

  it.each([
    ['lr', 'abc', 'Learning rate: a number above 0 and at most 10.'],
    ['lr', '50', 'Learning rate: a number above 0 and at most 10.'],
    ['epochs', '0', 'Epochs: an integer from 1 to 100000.'],
    ['layers', '784,0,10', 'Layer widths (width 2): an integer from 1 to 1048576.'],
    ['seed', '-1', 'Seed: an integer from 0 to 4294967295.'],
    ['bias-init', 'bogus', null],
  ] as const)('refuses %s = %j with one sentence by the field, the typed text in the details', (field, value, sentence) => {
    const error = refusal(with_({ [field]: value }));
    expect(error.field).toBe(field);
    if (sentence) expect(error.message).toBe(sentence);
    else expect(error.message).toMatch(/^Bias initializer: one of xavier-uniform, .* or he-normal:fan_out\.$/);
    expect(error.detail).toContain(`You typed "${value}".`);
  });

  it('names training images below the batch size as the training-images field, and a batch above all images as the batch', () => {
    const few = refusal(with_({ 'train-limit': '50' }));
    expect(few.field).toBe('train-limit');
    expect(few.message).toBe('Training images: at least the batch size (100), or 0 for all 60,000.');
    const big = refusal(with_({ batch: '60001', 'train-limit': '0' }));
    expect(big.field).toBe('batch');
    expect(big.message).toBe('Batch size: at most the 60,000 training images.');
  });

  it('refuses widths that do not fit the data, by the layers field', () => {
    const error = refusal(with_({ layers: '100,10' }));
    expect(error.field).toBe('layers');
    expect(error.message).toBe('Layer widths (width 1): 784 as the first width (the pixels of one image), e.g. 784,256,256,10.');
    expect(refusal(with_({ layers: '784,256,7' })).message).toBe('Layer widths (width 3): at least 10 as the last width (an output per class of the dataset), e.g. 784,256,256,10.');
  });

  it('carries the learning-rate changes of the draft into the recipe', () => {
    const draft = { ...presetDraft('mlp'), lrChanges: [{ step: 100, lr: 0.01 }] };
    expect(draftToRecipe(draft, MNIST).lrChanges).toEqual([{ step: 100, lr: 0.01 }]);
  });
});

describe('engine errors in the form\'s words', () => {
  it('maps a recipe field to the form field and quotes what was typed', () => {
    const error = fieldErrorFrom({ message: 'batch: batch size 100 is larger than the 50 examples', field: 'batch', allowed: 'an integer from 1 to 50 (the training images used)' }, { batch: '100' });
    expect(error.field).toBe('batch');
    expect(error.message).toBe('Batch size: an integer from 1 to 50 (the training images used).');
    expect(error.detail).toBe('You typed "100". batch: batch size 100 is larger than the 50 examples.');
    expect(fieldErrorFrom({ message: 'x', field: 'trainLimit', allowed: 'y' }).field).toBe('train-limit');
    expect(fieldErrorFrom({ message: 'the GPU device was lost' }).field).toBeNull();
  });

  it('parses a live learning rate with the same bound', () => {
    expect(parseLearningRate(' 0.01 ')).toBe(0.01);
    expect(() => parseLearningRate('11')).toThrow('Learning rate: a number above 0 and at most 10.');
  });

  it('cuts long text short when it quotes it', () => {
    expect(quote('x'.repeat(1000))).toHaveLength(42);
    expect(quote('a\n b')).toBe('"a b"');
  });
});

describe('the URL hash', () => {
  const fallback = presetDraft('quick');

  it('round-trips a draft, learning-rate changes included', () => {
    const draft: Draft = { ...with_({ init: 'normal:0,0.01', lr: '0.003' }, presetDraft('deep')), evalEachEpoch: false, lrChanges: [{ step: 1201, lr: 0.0005 }, { step: 2401, lr: 1e-4 }] };
    const hash = draftToHash(draft);
    expect(hash).toContain('init=normal:0,0.01');
    expect(hash).toContain('lr-changes=1201:0.0005,2401:0.0001');
    expect(hashToDraft(hash, fallback)).toEqual({ draft, problems: [] });
  });

  it('reads the lesson-deep preset by its name, and lists every preset for a name that is none', () => {
    const reading = hashToDraft('#recipe=lesson-deep', fallback)!;
    expect(reading).toEqual({ draft: presetDraft('lesson-deep'), problems: [] });
    expect(reading.draft.values.layers).toBe('784,512,512,512');
    expect(hashToDraft(draftToHash(reading.draft), fallback)).toEqual(reading);
    expect(hashToDraft('#recipe=deeper', fallback)!.problems).toEqual(['recipe "deeper" is not a preset (quick, mlp, deep or lesson-deep)']);
  });

  it('reads nothing from an empty hash', () => {
    expect(hashToDraft('', fallback)).toBeNull();
    expect(hashToDraft('#', fallback)).toBeNull();
  });

  it('keeps every valid key when one is bad, and names the bad one', () => {
    const reading = hashToDraft('#recipe=mlp&epochs=2&lr=abc&bogus=1&seed=5', fallback)!;
    expect(reading.draft.recipe).toBe('mlp');
    expect(reading.draft.values.epochs).toBe('2');
    expect(reading.draft.values.seed).toBe('5');
    expect(reading.draft.values.lr).toBe(String(RECIPES.mlp.lr));
    expect(reading.problems).toEqual(['unknown setting "bogus"', 'Learning rate "abc": a number above 0 and at most 10.']);
    expect(() => draftToRecipe(reading.draft, MNIST)).not.toThrow();
  });

  it('does not echo a long value or an unknown initializer in full', () => {
    const long = 'y'.repeat(1000);
    const reading = hashToDraft(`#init=${long}&${long}=1`, fallback)!;
    expect(reading.draft.values.init).toBe(RECIPES.quick.init);
    expect(reading.problems).toHaveLength(2);
    for (const problem of reading.problems) expect(problem).not.toContain('y'.repeat(40));
  });

  it('refuses lr-changes that are not increasing step:rate pairs', () => {
    expect(parseLrChanges('10:0.1,20:0.01')).toEqual([{ step: 10, lr: 0.1 }, { step: 20, lr: 0.01 }]);
    for (const text of ['1:0.1', '20:0.1,10:0.01', '5:abc', '5:11', '5', '']) expect(parseLrChanges(text)).toBeNull();
    const reading = hashToDraft('#lr-changes=5:abc&epochs=3', fallback)!;
    expect(reading.draft.lrChanges).toEqual([]);
    expect(reading.draft.values.epochs).toBe('3');
    expect(reading.problems[0]).toMatch(/^lr-changes is "5:abc"; use step:rate pairs/);
  });
});

describe('a dataset that cannot be loaded', () => {
  it('says which URL was tried, what came back, and how to set data-url', () => {
    const url = 'http://127.0.0.1:8000/docs/mnist/train-images-idx3-ubyte.gz';
    const page = describeDataProblem({ url, status: 200, html: true, firstBytes: '<!doctype html>' }, 'mnist/', 'wrong magic number');
    expect(page).toContain(url);
    expect(page).toContain('a web page (HTTP 200, starting "<!doctype html>")');
    expect(page).toContain('data-url attribute (now "mnist/")');
    expect(describeDataProblem({ url, status: 404, html: false, firstBytes: '' }, 'x/', '')).toContain('the server answered HTTP 404');
    expect(describeDataProblem({ url, status: null, html: false, firstBytes: '' }, 'x/', '')).toContain('no answer came');
    expect(describeDataProblem({ url, status: 200, html: false, firstBytes: '\\x00\\x00' }, 'x/', 'wrong magic number')).toContain('not what it should be (wrong magic number; it starts "\\x00\\x00")');
  });
});
