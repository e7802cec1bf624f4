import { describe, expect, it } from 'vitest';
import { defaultLabText, parseLabForm, parseProbeForm } from '../src/app/lab/lab-form.ts';

const probeText = { depth: '20', width: '256', seed: '777' };

describe('parseProbeForm', () => {
  it('builds a deep ReLU stack between the dataset shape', () => {
    const parsed = parseProbeForm({ ...probeText, depth: '10', width: '64' }, ['he-normal', 'xavier-uniform']);
    expect(parsed).toEqual({ ok: true, value: { layers: [784, ...new Array(10).fill(64), 10], inits: ['he-normal', 'xavier-uniform'], batch: 100, seed: 777 } });
  });

  it.each([
    ['9', 'probe-depth'],
    ['31', 'probe-depth'],
    ['12.5', 'probe-depth'],
    ['', 'probe-depth'],
  ])('rejects depth %j, naming the field and the range', (depth, field) => {
    const parsed = parseProbeForm({ ...probeText, depth }, ['he-normal']);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.field).toBe(field);
      expect(parsed.message).toMatch(/Depth .* from 10 to 30/);
    }
  });

  it('rejects a width that is not a positive whole number', () => {
    for (const width of ['0', '-3', '2.5', 'abc']) {
      const parsed = parseProbeForm({ ...probeText, width }, ['he-normal']);
      expect(parsed.ok ? null : parsed.field).toBe('probe-width');
      if (!parsed.ok) expect(parsed.message).toMatch(/Width .* whole number from 1/);
    }
  });

  it('asks for at least one initializer', () => {
    const parsed = parseProbeForm(probeText, []);
    expect(parsed.ok ? null : parsed.field).toBe('probe-inits');
  });
});

describe('parseLabForm', () => {
  it('turns the defaults into the mlp recipe on 6000 images for 3 epochs', () => {
    const parsed = parseLabForm(defaultLabText(), ['xavier-uniform', 'normal:0,1']);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value.inits).toEqual(['xavier-uniform', 'normal:0,1']);
      expect(parsed.value.recipe).toMatchObject({ layers: [784, 256, 256, 10], epochs: 3, trainLimit: 6000, lr: 0.001, batch: 100, seed: 777, init: 'xavier-uniform', optimizer: 'adam' });
    }
  });

  it.each([
    [{ layers: '784,abc,10' }, 'lab-layers', /Layers/],
    [{ layers: '100,10' }, 'lab-layers', /start with 784/],
    [{ epochs: '0' }, 'lab-epochs', /Epochs .* from 1/],
    [{ trainLimit: '70000' }, 'lab-train-limit', /Training images .* 0 to 60000/],
    [{ lr: '-1' }, 'lab-lr', /Learning rate .* above 0/],
    [{ batch: '7000' }, 'lab-batch', /Batch size .* from 1 to 6000/],
    [{ seed: '1.5' }, 'lab-seed', /Seed/],
  ])('rejects %j in %s', (change, field, message) => {
    const parsed = parseLabForm({ ...defaultLabText(), ...change }, ['he-normal']);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.field).toBe(field);
      expect(parsed.message).toMatch(message);
    }
  });

  it('asks for at least one initializer', () => {
    const parsed = parseLabForm(defaultLabText(), []);
    expect(parsed.ok ? null : parsed.field).toBe('lab-inits');
  });
});
