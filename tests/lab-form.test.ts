// The lab's forms: what each accepts, which control a refusal points at (by the field carried as data, never
// by message text), that widths and the learning rate follow the shared rules of src/train/recipe.ts, and
// that every refusal is one short sentence. CPU only.
import { describe, expect, it } from 'vitest';
import { LAB_FIELD_IDS, PROBE_FIELD_IDS, STACK_FIELD_IDS, STACK_STEPS, defaultLabText, defaultStackText, engineError, parseLabForm, parseProbeForm, parseStackForm, probeShapeError } from '../src/app/lab/lab-form.ts';
import { MAX_WIDTH } from '../src/layers/mlp.ts';
import { LR_ALLOWED, MAX_LR, WIDTHS_ALLOWED } from '../src/train/recipe.ts';

const probeText = { depth: '20', width: '256', seed: '777' };

/** The refusal of the comparison form with `change` applied to the defaults (fails the test if accepted). */
function labRefusal(change: Partial<ReturnType<typeof defaultLabText>>, inits = ['he-normal']) {
  const parsed = parseLabForm({ ...defaultLabText(), ...change }, inits);
  if (parsed.ok) throw new Error(`parseLabForm accepted ${JSON.stringify(change)}`);
  return parsed;
}

/** One short sentence: what the message under a field must be. */
function expectShortSentence(message: string): void {
  expect(message).toMatch(/^[A-Z].*\.$/);
  expect(message.length).toBeLessThanOrEqual(140);
}

describe('parseProbeForm', () => {
  it('builds a deep ReLU stack between the dataset shape', () => {
    const parsed = parseProbeForm({ ...probeText, depth: '10', width: '64' }, ['he-normal', 'xavier-uniform']);
    expect(parsed).toEqual({ ok: true, value: { layers: [784, ...new Array(10).fill(64), 10], inits: ['he-normal', 'xavier-uniform'], batch: 100, seed: 777 } });
  });

  it.each(['9', '31', '12.5', '', 'ten'])('rejects depth %j, naming the field and the range in one sentence', (depth) => {
    const parsed = parseProbeForm({ ...probeText, depth }, ['he-normal']);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.field).toBe('probe-depth');
      expect(parsed.message).toBe('Depth (hidden layers): a whole number from 10 to 30.');
    }
  });

  it.each(['0', '-3', '2.5', 'abc', '2049'])('rejects width %j', (width) => {
    const parsed = parseProbeForm({ ...probeText, width }, ['he-normal']);
    expect(parsed.ok ? null : parsed.field).toBe('probe-width');
    if (!parsed.ok) expect(parsed.message).toBe('Width (units per layer): a whole number from 1 to 2048.');
  });

  it('asks for at least one initializer', () => {
    const parsed = parseProbeForm(probeText, []);
    expect(parsed.ok ? null : parsed.field).toBe('probe-inits');
    if (!parsed.ok) expectShortSentence(parsed.message);
  });
});

describe('probeShapeError', () => {
  it('accepts the range the probe form accepts', () => {
    for (const [depth, width] of [['10', '1'], ['30', '2048'], ['20', '256']]) expect(probeShapeError({ depth, width })).toBeNull();
  });

  it.each([
    ['99', '256', 'probe-depth', 'Depth (hidden layers): a whole number from 10 to 30.'],
    ['NaN', '256', 'probe-depth', 'Depth (hidden layers): a whole number from 10 to 30.'],
    ['20', '0', 'probe-width', 'Width (units per layer): a whole number from 1 to 2048.'],
    ['20', '4096', 'probe-width', 'Width (units per layer): a whole number from 1 to 2048.'],
    ['5', '0', 'probe-depth', 'Depth (hidden layers): a whole number from 10 to 30.'],
  ])('refuses depth %j and width %j under %s, in the sentence parseProbeForm says', (depth, width, field, message) => {
    expect(probeShapeError({ depth, width })).toEqual({ field, message });
    const parsed = parseProbeForm({ ...probeText, depth, width }, ['he-normal']);
    expect(parsed).toEqual({ ok: false, field, message });
  });
});

describe('parseLabForm', () => {
  it('turns the defaults into the mlp model trained by SGD with momentum 0.9 on 6000 images for 3 epochs', () => {
    const parsed = parseLabForm(defaultLabText(), ['xavier-uniform', 'normal:0,1']);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value.inits).toEqual(['xavier-uniform', 'normal:0,1']);
      expect(parsed.value.recipe).toMatchObject({ layers: [784, 256, 256, 10], epochs: 3, trainLimit: 6000, lr: 0.02, batch: 100, seed: 777, init: 'xavier-uniform', optimizer: 'sgd', momentum: 0.9 });
    }
  });

  it.each([
    ['sgd', { optimizer: 'sgd', momentum: 0 }],
    ['adam', { optimizer: 'adam', momentum: 0 }],
  ])('offers %s too', (optimizer, want) => {
    const parsed = parseLabForm({ ...defaultLabText(), optimizer }, ['he-normal']);
    expect(parsed.ok && parsed.value.recipe).toMatchObject(want);
  });

  it('refuses an optimizer it does not offer, under the menu', () => {
    expect(labRefusal({ optimizer: 'rmsprop' })).toEqual({ ok: false, field: 'lab-optimizer', message: 'Optimizer: one of SGD with momentum 0.9, SGD, Adam.' });
  });

  it('reads widths with the shared parser: spaces as well as commas', () => {
    for (const layers of ['784 128 10', ' 784, 128 ,10 ', '784,128 10']) {
      const parsed = parseLabForm({ ...defaultLabText(), layers }, ['he-normal']);
      expect(parsed.ok ? parsed.value.recipe.layers : parsed.message).toEqual([784, 128, 10]);
    }
  });

  it('refuses a bad width with the shared rule, naming which width', () => {
    expect(labRefusal({ layers: '784,abc,10' })).toMatchObject({ field: 'lab-layers', message: `Layer widths (width 2): an integer from 1 to ${MAX_WIDTH}.` });
    expect(labRefusal({ layers: `784,${MAX_WIDTH + 1},10` })).toMatchObject({ field: 'lab-layers', message: `Layer widths (width 2): an integer from 1 to ${MAX_WIDTH}.` });
    expect(labRefusal({ layers: '784' })).toMatchObject({ field: 'lab-layers', message: `Layer widths: ${WIDTHS_ALLOWED}.` });
  });

  it("refuses widths that do not fit the dataset's inputs and classes, by the shared rule (checkRecipeFitsData)", () => {
    expect(labRefusal({ layers: '100,10' })).toMatchObject({ field: 'lab-layers', message: 'Layer widths (width 1): 784 as the first width (the pixels of one image), e.g. 784,256,256,10.' });
    expect(labRefusal({ layers: '784,256,7' })).toMatchObject({ field: 'lab-layers', message: 'Layer widths (width 3): at least 10 as the last width (an output per class of the dataset), e.g. 784,256,256,10.' });
  });

  it('takes the learning-rate bound from the shared rule (MAX_LR)', () => {
    const at = parseLabForm({ ...defaultLabText(), lr: String(MAX_LR) }, ['he-normal']);
    expect(at.ok ? at.value.recipe.lr : at.message).toBe(MAX_LR);
    for (const lr of [String(MAX_LR * 1.01), '0', '-1', 'abc', '', 'Infinity']) {
      expect(labRefusal({ lr })).toMatchObject({ field: 'lab-lr', message: `Learning rate: ${LR_ALLOWED}.` });
    }
  });

  it.each([
    [{ epochs: '0' }, 'lab-epochs', 'Epochs: a whole number from 1 to 1000.'],
    [{ trainLimit: '70000' }, 'lab-train-limit', 'Training images: a whole number from 0 to 60000 (0 means all).'],
    [{ batch: '7000' }, 'lab-train-limit', 'Training images: at least the batch size (7000), or 0 for all 60,000.'],
    [{ batch: '70000', trainLimit: '0' }, 'lab-batch', 'Batch size: a whole number from 1 to 65536.'],
    [{ batch: '60001', trainLimit: '0' }, 'lab-batch', 'Batch size: at most the 60,000 training images.'],
    [{ seed: '1.5' }, 'lab-seed', 'Seed: a whole number from 0 to 4294967295.'],
  ])('rejects %j in %s with one sentence', (change, field, message) => {
    expect(labRefusal(change)).toMatchObject({ field, message });
  });

  it('asks for at least one initializer', () => {
    const refusal = labRefusal({}, []);
    expect(refusal.field).toBe('lab-inits');
    expectShortSentence(refusal.message);
  });
});

describe('parseStackForm', () => {
  it("trains the probe's stack (biases zero, as probed) by SGD with momentum for STACK_STEPS batches of 100, one epoch", () => {
    const parsed = parseStackForm(probeText, defaultStackText(), ['he-normal', 'normal:0,0.01']);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.inits).toEqual(['he-normal', 'normal:0,0.01']);
    expect(parsed.value.recipe).toMatchObject({ layers: [784, ...new Array(20).fill(256), 10], biasInit: 'zeros', optimizer: 'sgd', momentum: 0.9, lr: 0.02, batch: 100, epochs: 1, trainLimit: STACK_STEPS * 100, seed: 777 });
  });

  it.each([
    [{ steps: '0' }, 'stack-steps', 'Steps: a whole number from 1 to 600 (100 images each).'],
    [{ steps: '601' }, 'stack-steps', 'Steps: a whole number from 1 to 600 (100 images each).'],
    [{ lr: 'abc' }, 'stack-lr', `Learning rate: ${LR_ALLOWED}.`],
    [{ optimizer: 'lbfgs' }, 'stack-optimizer', 'Optimizer: one of SGD with momentum 0.9, SGD, Adam.'],
  ])('rejects %j under %s', (change, field, message) => {
    expect(parseStackForm(probeText, { ...defaultStackText(), ...change }, ['he-normal'])).toEqual({ ok: false, field, message });
  });

  it("refuses a bad stack under the probe's own fields", () => {
    expect(parseStackForm({ ...probeText, depth: '40' }, defaultStackText(), ['he-normal'])).toMatchObject({ ok: false, field: 'probe-depth' });
    expect(parseStackForm(probeText, defaultStackText(), [])).toMatchObject({ ok: false, field: 'probe-inits' });
  });
});

describe('engineError', () => {
  const start = { id: 'lab-start', sentence: 'The comparison stopped because the engine failed; press Start comparison to try again.' };

  it('puts a refusal under the input of the field it carries, whatever its message says', () => {
    const fault = { message: 'the last chunk of training order could not be uploaded', field: 'batch' };
    const shown = engineError(fault, LAB_FIELD_IDS, start);
    expect(shown.field).toBe('lab-batch');
    expectShortSentence(shown.message);
    expect(shown.detail).toBe(fault.message);
  });

  it("words the sentence from the fault's allowed range and width index when it has them", () => {
    const fault = { message: 'layers[2] is 4096; allowed: at most 2048 on this adapter', field: 'layers', allowed: 'at most 2048 on this adapter', index: 2 };
    expect(engineError(fault, LAB_FIELD_IDS, start)).toEqual({ field: 'lab-layers', message: 'Layer widths (width 3): at most 2048 on this adapter.', detail: fault.message });
    expect(engineError(fault, PROBE_FIELD_IDS, { id: 'probe-run', sentence: 'x' }).field).toBe('probe-width');
    expect(engineError(fault, STACK_FIELD_IDS, { id: 'stack-start', sentence: 'x' }).field).toBe('probe-width');
  });

  it('puts a failure with no field, or one the form has no input for, next to the button, with the words in the details', () => {
    const gpu = { message: '[Buffer "training order"] used in submit while destroyed' };
    expect(engineError(gpu, LAB_FIELD_IDS, start)).toEqual({ field: 'lab-start', message: start.sentence, detail: gpu.message });
    expect(engineError({ message: 'beta1 is 2', field: 'beta1' }, LAB_FIELD_IDS, start).field).toBe('lab-start');
    expect(engineError({ message: 'no such field', field: 'toString' }, LAB_FIELD_IDS, start).field).toBe('lab-start');
    expect(engineError({ message: 'batch is 7000', field: 'batch' }, PROBE_FIELD_IDS, { id: 'probe-run', sentence: 'x' }).field).toBe('probe-run');
  });
});
