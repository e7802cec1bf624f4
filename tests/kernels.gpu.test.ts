/**
 * The small kernels (softmax cross-entropy, Adam, SGD, evaluation) on the GPU against the float64 oracle.
 * Tolerances, as |got - want| <= atol + rtol |want|:
 *   softmax_ce dlogits: atol 1e-6, rtol 1e-6 (each is at most 1/B; float32 exp/log error is far below this)
 *   softmax_ce loss:    relative 1e-5 (float32 sum of B per-row losses)
 *   adam p, m, v:       atol 1e-6, rtol 1e-5 after every one of steps t = 1..5
 *   sgd p, buf:         atol 1e-6, rtol 1e-6 after every step, rtol taken of the sum of the magnitudes that
 *                       entered the value (momentum * buf + g cancels: buf ~ 0.3 from terms ~ 30 is off by ~2e-6)
 *   evaluate:           exact (predictions, confusion counts, correct count)
 * Exact zero gradients (with zero moments) must leave Adam's parameters bit-for-bit unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBindings, grid1d, slot, type BindingTable, type GpuContext, type KernelSpec } from '../src/gpu/context.ts';
import { prepare } from '../src/gpu/dispatch.ts';
import { preprocess } from '../src/gpu/preprocess.ts';
import { prepareEvaluate } from '../src/gpu/evaluate.ts';
import { healthyWords } from '../src/gpu/health.ts';
import { prepareAdam, prepareSgd } from '../src/gpu/optimizer-kernels.ts';
import { readFloats, readUints } from '../src/gpu/readback.ts';
import { prepareSoftmaxCe } from '../src/gpu/softmax-ce.ts';
import { StepSlots, type StepValues } from '../src/gpu/step-slots.ts';
import { Rng } from '../src/init/rng.ts';
import { adamStep, evaluateLogits, sgdStep, softmaxCrossEntropy } from '../src/reference/kernels.ts';
import { compare, gpuContext, run } from './gpu.ts';

let ctx: GpuContext;
const rng = new Rng(4321);
const uniform = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.nextFloat());
const maxErrors: string[] = [];

beforeAll(async () => {
  ctx = await gpuContext();
});
afterAll(() => {
  console.log(`small kernels, max |error| per case:\n  ${maxErrors.join('\n  ')}`);
  ctx?.destroy();
});

const upload = (label: string, data: Float32Array | Uint32Array): GPUBuffer => ctx.createStorage(label, data, 'activations');
const step = (v: Partial<StepValues>): StepValues => ({ batchBase: 0, lossSlot: 0, stepSize: 0, invSqrtBc2: 0, lr: 0, momentum: 0, ...v });

function permutation(n: number): Uint32Array {
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm;
}

/** Checks got against want, records the largest error under `label` and fails with the first bad element. */
function expectClose(label: string, got: Float32Array, want: Float64Array, atol: number, rtol: number): void {
  const r = compare(got, want, atol, rtol);
  maxErrors.push(`${label}: abs ${r.maxAbs.toExponential(2)}, rel ${r.maxRel.toExponential(2)}`);
  expect(r.ok, `${label}: element ${r.worst} got ${got[r.worst]} want ${want[r.worst]}`).toBe(true);
}

describe('softmax cross-entropy vs float64 reference', () => {
  /** Runs the kernel on `logits` (B x C) with labels gathered through a shuffled permutation at batch_base 5. */
  async function check(label: string, B: number, C: number, logits: Float32Array): Promise<void> {
    const base = 5;
    const count = base + B + 7;
    const labels = Uint32Array.from({ length: count }, () => rng.nextInt(C));
    const perm = permutation(count);
    const lossSlot = 3;
    const lossLog = new Float32Array(8).fill(-1);
    const slots = new StepSlots(ctx, 2, 'step');
    // Slot 0 is a decoy with another base and slot; the dispatch must read slot 1.
    slots.write([step({ batchBase: 0, lossSlot: 0 }), step({ batchBase: base, lossSlot })]);
    const bufs = { z: upload('logits', logits), labels: upload('labels', labels), perm: upload('perm', perm), loss: upload('loss log', lossLog), health: upload('health', healthyWords()) };
    const dispatch = await prepareSoftmaxCe(ctx, B, C, { logits: bufs.z, labels: bufs.labels, perm: bufs.perm, lossLog: bufs.loss, step: slots.binding(), health: bufs.health });
    await run(ctx, [dispatch], slots.offset(1));

    const y = Array.from(perm.subarray(base, base + B), (i) => labels[i]);
    const want = softmaxCrossEntropy(Float64Array.from(logits), y, B, C);
    expectClose(`softmax_ce ${label} ${B}x${C} dlogits`, await readFloats(ctx, bufs.z, 0, B * C), want.dlogits, 1e-6, 1e-6);
    const loss = await readFloats(ctx, bufs.loss, 0, lossLog.length);
    const rel = Math.abs(loss[lossSlot] - want.loss) / Math.max(Math.abs(want.loss), 1e-30);
    maxErrors.push(`softmax_ce ${label} ${B}x${C} loss: got ${loss[lossSlot]} want ${want.loss.toPrecision(9)}, rel ${rel.toExponential(2)}`);
    expect(Math.abs(loss[lossSlot] - want.loss), `loss ${loss[lossSlot]} vs ${want.loss}`).toBeLessThanOrEqual(1e-5 * Math.abs(want.loss) + 1e-7);
    expect(Array.from(loss).filter((_, i) => i !== lossSlot)).toEqual(new Array(lossLog.length - 1).fill(-1));
    expect(Array.from(await readUints(ctx, bufs.health, 0, 4)), 'a finite loss leaves the health words clear').toEqual([0, 0xffffffff, 0, 0]);
    Object.values(bufs).forEach((b) => ctx.destroyBuffer(b));
    ctx.destroyBuffer(slots.buffer);
  }

  for (const [B, C] of [[1, 1], [1, 10], [3, 2], [100, 10], [257, 13]]) {
    it(`${B}x${C}, logits in [-4, 4]`, () => check('normal', B, C, uniform(B * C, -4, 4)));
  }
  it('100x10, logits spread over [-80, 80]', () => check('±80', 100, 10, uniform(1000, -80, 80)));
  it('a row with a 1000 logit and a row with -1000 logits', async () => {
    const logits = uniform(6 * 10, -3, 3);
    logits[2 * 10 + 7] = 1000;
    logits.fill(-1000, 4 * 10, 5 * 10);
    logits[4 * 10 + 1] = -999;
    await check('±1000', 6, 10, logits);
  });

  it('a loss that is not finite sets the health flag, and Adam and SGD then leave every parameter as it was', async () => {
    const B = 4;
    const C = 3;
    const logits = uniform(B * C, -1, 1);
    logits[5] = Number.NaN;
    const slots = new StepSlots(ctx, 1, 'step');
    slots.write([step({ stepSize: 1e-3, invSqrtBc2: 1, lr: 0.1, momentum: 0.9 })]);
    const p0 = uniform(64, -1, 1);
    const bufs = {
      z: upload('logits', logits), labels: upload('labels', new Uint32Array(B)), perm: upload('perm', Uint32Array.from({ length: B }, (_, i) => i)),
      loss: upload('loss log', new Float32Array(1)), health: upload('health', healthyWords()),
      p: upload('params', p0), g: upload('grads', uniform(64, -1, 1)), m: upload('m', new Float32Array(64)), v: upload('v', new Float32Array(64)), buf: upload('momentum', new Float32Array(64)),
    };
    const dispatches = await Promise.all([
      prepareSoftmaxCe(ctx, B, C, { logits: bufs.z, labels: bufs.labels, perm: bufs.perm, lossLog: bufs.loss, step: slots.binding(), health: bufs.health }),
      prepareAdam(ctx, 64, { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, { params: bufs.p, grads: bufs.g, m: bufs.m, v: bufs.v, step: slots.binding(), health: bufs.health }),
      prepareSgd(ctx, 64, { params: bufs.p, grads: bufs.g, momentum: bufs.buf, step: slots.binding(), health: bufs.health }),
    ]);
    await run(ctx, dispatches, slots.offset(0));
    expect(Number.isFinite((await readFloats(ctx, bufs.loss, 0, 1))[0])).toBe(false);
    expect(Array.from(await readUints(ctx, bufs.health, 0, 4)), 'the loss bit, and no value reported').toEqual([1, 0xffffffff, 0, 0]);
    expect(Array.from(await readFloats(ctx, bufs.p, 0, 64))).toEqual(Array.from(p0));
    expect(Array.from(await readFloats(ctx, bufs.m, 0, 64))).toEqual(new Array(64).fill(0));
    Object.values(bufs).forEach((b) => ctx.destroyBuffer(b));
    ctx.destroyBuffer(slots.buffer);
  });
});

describe('the optimizers\' recording variants (a step sampled for diagnostics)', () => {
  it('update the parameters bit for bit as the plain kernels do, write new - old exactly, and 0 once the health flag is set', async () => {
    const floats = 1000;
    const p0 = uniform(floats, -1, 1);
    const g = uniform(floats, -1, 1);
    const slots = new StepSlots(ctx, 1, 'step');
    slots.write([step({ stepSize: 1e-3, invSqrtBc2: 1 / Math.sqrt(1 - 0.999), lr: 0.1, momentum: 0.9 })]);
    const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    for (const optimizer of ['adam', 'sgd'] as const) {
      const made = [0, 1].map((i) => ({
        p: upload(`params ${i}`, p0), g: upload(`grads ${i}`, g), a: upload(`state a ${i}`, new Float32Array(floats)), b: upload(`state b ${i}`, new Float32Array(floats)),
        health: upload(`health ${i}`, healthyWords()), delta: upload(`delta ${i}`, new Float32Array(floats).fill(7)),
      }));
      const prepareOne = (bufs: (typeof made)[number], record: boolean) => {
        const delta = record ? bufs.delta : undefined;
        return optimizer === 'adam'
          ? prepareAdam(ctx, floats, hyper, { params: bufs.p, grads: bufs.g, m: bufs.a, v: bufs.b, step: slots.binding(), health: bufs.health, delta })
          : prepareSgd(ctx, floats, { params: bufs.p, grads: bufs.g, momentum: bufs.a, step: slots.binding(), health: bufs.health, delta });
      };
      const [plain, recording] = await Promise.all([prepareOne(made[0], false), prepareOne(made[1], true)]);
      await run(ctx, [plain, recording], slots.offset(0));
      const [p1, q1, delta] = await Promise.all([readFloats(ctx, made[0].p, 0, floats), readFloats(ctx, made[1].p, 0, floats), readFloats(ctx, made[1].delta, 0, floats)]);
      expect(Buffer.from(q1.buffer).equals(Buffer.from(p1.buffer)), `${optimizer}: the recording variant's parameters`).toBe(true);
      expect(Array.from(delta), `${optimizer}: delta`).toEqual(Array.from(q1, (v, i) => Math.fround(v - p0[i])));
      // A diverged step: nothing updated, and the update recorded as zero (not the last sampled step's).
      ctx.write(made[1].health, Uint32Array.of(1));
      await run(ctx, [recording], slots.offset(0));
      expect(Array.from(await readFloats(ctx, made[1].p, 0, floats))).toEqual(Array.from(q1));
      expect(Array.from(await readFloats(ctx, made[1].delta, 0, floats))).toEqual(new Array(floats).fill(0));
      made.forEach((bufs) => Object.values(bufs).forEach((b) => ctx.destroyBuffer(b)));
    }
    ctx.destroyBuffer(slots.buffer);
  });
});

describe('optimizers vs float64 reference', () => {
  /**
   * Gradients of magnitude 1e-6 .. 10 with random signs, except for fixed elements (the same every step): about
   * 10% exact zeros (kind 1) and 10% at magnitude 10 every step (kind 2), which drive Adam's v to its largest.
   */
  function gradients(n: number, kind: Uint8Array): Float32Array {
    return Float32Array.from({ length: n }, (_, i) => {
      const sign = rng.nextFloat() < 0.5 ? -1 : 1;
      return kind[i] === 1 ? 0 : sign * (kind[i] === 2 ? 10 : 10 ** (-6 + 7 * rng.nextFloat()));
    });
  }
  const kinds = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => [0, 0, 0, 0, 0, 0, 0, 0, 1, 2][rng.nextInt(10)]);
  const parameters = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.nextFloat() < 0.5 ? -1 : 1) * (0.5 + rng.nextFloat()));

  const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const STEPS = 5;

  for (const floats of [4, 64, 1000, 1 << 18]) {
    it(`adam, ${floats} floats, steps 1..${STEPS}`, async () => {
      const p0 = parameters(floats);
      const kind = kinds(floats);
      const g = new Float32Array(floats);
      const bufs = { p: upload('params', p0), g: upload('grads', g), m: upload('m', new Float32Array(floats)), v: upload('v', new Float32Array(floats)), health: upload('health', healthyWords()) };
      const slots = new StepSlots(ctx, STEPS, 'step');
      slots.write(Array.from({ length: STEPS }, (_, i) => {
        const t = i + 1;
        return step({ stepSize: hyper.lr / (1 - hyper.beta1 ** t), invSqrtBc2: 1 / Math.sqrt(1 - hyper.beta2 ** t) });
      }));
      const dispatch = await prepareAdam(ctx, floats, hyper, { params: bufs.p, grads: bufs.g, m: bufs.m, v: bufs.v, step: slots.binding(), health: bufs.health });
      const want = { p: Float64Array.from(p0), m: new Float64Array(floats), v: new Float64Array(floats) };
      const err = { p: 0, m: 0, v: 0 };
      for (let t = 1; t <= STEPS; t++) {
        g.set(gradients(floats, kind));
        ctx.device.queue.writeBuffer(bufs.g, 0, g);
        await run(ctx, [dispatch], slots.offset(t - 1));
        adamStep(want.p, Float64Array.from(g), want.m, want.v, t, hyper);
        for (const name of ['p', 'm', 'v'] as const) {
          const got = await readFloats(ctx, bufs[name], 0, floats);
          const r = compare(got, want[name], 1e-6, 1e-5);
          err[name] = Math.max(err[name], r.maxAbs);
          expect(r.ok, `adam ${floats} t=${t} ${name}[${r.worst}]: got ${got[r.worst]} want ${want[name][r.worst]}`).toBe(true);
          if (name === 'p') {
            const moved = kind.reduce((k, c, i) => k + (c === 1 && got[i] !== p0[i] ? 1 : 0), 0);
            expect(moved, `adam ${floats} t=${t}: parameters with zero gradients changed`).toBe(0);
          }
        }
      }
      maxErrors.push(`adam ${floats} floats: p ${err.p.toExponential(2)}, m ${err.m.toExponential(2)}, v ${err.v.toExponential(2)}`);
      Object.values(bufs).forEach((b) => ctx.destroyBuffer(b));
      ctx.destroyBuffer(slots.buffer);
    });
  }

  for (const momentum of [0, 0.9]) {
    for (const floats of [4, 1000, 1 << 18]) {
      it(`sgd, momentum ${momentum}, ${floats} floats`, async () => {
        const p0 = parameters(floats);
        const kind = kinds(floats);
        const g = new Float32Array(floats);
        const bufs = { p: upload('params', p0), g: upload('grads', g), buf: upload('momentum', new Float32Array(floats)), health: upload('health', healthyWords()) };
        // A different learning rate every step, so reading the wrong slot shows.
        const lrs = [0.1, 0.05, 0.02, 0.01];
        const slots = new StepSlots(ctx, lrs.length, 'step');
        slots.write(lrs.map((lr) => step({ lr, momentum })));
        const dispatch = await prepareSgd(ctx, floats, { params: bufs.p, grads: bufs.g, momentum: bufs.buf, step: slots.binding(), health: bufs.health });
        const want = { p: Float64Array.from(p0), buf: new Float64Array(floats) };
        const err = { p: 0, buf: 0 };
        // The float64 sums of |terms| behind each value: bounds on the magnitudes float32 rounded along the way.
        const scale = { p: Float64Array.from(p0, Math.abs), buf: new Float64Array(floats) };
        for (let s = 0; s < lrs.length; s++) {
          g.set(gradients(floats, kind));
          ctx.device.queue.writeBuffer(bufs.g, 0, g);
          await run(ctx, [dispatch], slots.offset(s));
          sgdStep(want.p, Float64Array.from(g), want.buf, { lr: lrs[s], momentum });
          sgdStep(scale.p, Float64Array.from(g, (x) => -Math.abs(x)), scale.buf, { lr: lrs[s], momentum });
          for (const name of ['p', 'buf'] as const) {
            const got = await readFloats(ctx, bufs[name], 0, floats);
            const bad = got.findIndex((x, i) => !(Math.abs(x - want[name][i]) <= 1e-6 + 1e-6 * Math.abs(scale[name][i])));
            err[name] = got.reduce((e, x, i) => Math.max(e, Math.abs(x - want[name][i])), err[name]);
            expect(bad, `sgd ${floats} step ${s} ${name}[${bad}]: got ${got[bad]} want ${want[name][bad]}`).toBe(-1);
          }
        }
        maxErrors.push(`sgd momentum ${momentum} ${floats} floats: p ${err.p.toExponential(2)}, buf ${err.buf.toExponential(2)}`);
        Object.values(bufs).forEach((b) => ctx.destroyBuffer(b));
        ctx.destroyBuffer(slots.buffer);
      });
    }
  }
});

describe('grid1d', () => {
  const MAX = 65535;
  for (const count of [0, 1, 64, 65, MAX * 64, MAX * 64 + 1, MAX * 64 * 3 + 5, 1 << 26]) {
    it(`covers ${count} items with workgroups of 64 within ${MAX} per dimension`, () => {
      const [x, y] = grid1d(count, 64, MAX);
      const groups = Math.max(1, Math.ceil(count / 64));
      expect(x).toBeGreaterThanOrEqual(1);
      expect(x).toBeLessThanOrEqual(MAX);
      expect(y).toBeLessThanOrEqual(MAX);
      // Workgroup (wx, wy) covers items (wx + wy x) * 64 .. + 63: every item needs x y >= groups; less than
      // one row of x workgroups is wasted.
      expect(x * y).toBeGreaterThanOrEqual(groups);
      expect(x * (y - 1)).toBeLessThan(groups);
      if (groups <= MAX) expect([x, y]).toEqual([groups, 1]);
    });
  }
});

describe('evaluation vs float64 reference', () => {
  /** Evaluates `count` rows in batches of B (the last one padded), each batch's logits written before its dispatch. */
  async function check(B: number, C: number, count: number): Promise<void> {
    const batches = Math.ceil(count / B);
    // Small integer logits make ties common; some rows are all equal and some tie for the max at two places.
    const logits = Float32Array.from({ length: batches * B * C }, () => rng.nextInt(4));
    for (let r = 0; r < batches * B; r += 7) logits.fill(2.5, r * C, (r + 1) * C);
    for (let r = 3; r < batches * B; r += 11) {
      logits[r * C + (C - 1)] = 9;
      logits[r * C + 1] = 9;
    }
    const labels = Uint32Array.from({ length: count }, () => rng.nextInt(C));
    const SENTINEL = 0xffffffff;
    // Predictions has room past count so that a write for a padding row would show.
    const bufs = {
      z: upload('logits', new Float32Array(B * C)),
      labels: upload('labels', labels),
      pred: upload('predictions', new Uint32Array(batches * B).fill(SENTINEL)),
      confusion: ctx.createStorage('confusion', new Uint32Array(C * C), 'metrics'),
    };
    const slots = new StepSlots(ctx, batches, 'step');
    slots.write(Array.from({ length: batches }, (_, k) => step({ batchBase: k * B })));
    const dispatch = await prepareEvaluate(ctx, B, C, count, { logits: bufs.z, labels: bufs.labels, predictions: bufs.pred, confusion: bufs.confusion, step: slots.binding() });
    for (let k = 0; k < batches; k++) {
      ctx.device.queue.writeBuffer(bufs.z, 0, logits, k * B * C, B * C);
      await run(ctx, [dispatch], slots.offset(k));
    }

    const want = evaluateLogits(Float64Array.from(logits.subarray(0, count * C)), labels, count, C);
    const pred = await readUints(ctx, bufs.pred, 0, batches * B);
    expect(Array.from(pred.subarray(0, count))).toEqual(Array.from(want.predictions));
    expect(Array.from(pred.subarray(count)).every((p) => p === SENTINEL), 'padding rows wrote predictions').toBe(true);
    const confusion = await readUints(ctx, bufs.confusion, 0, C * C);
    expect(Array.from(confusion)).toEqual(Array.from(want.confusion));
    const correct = Array.from({ length: C }, (_, c) => confusion[c * C + c]).reduce((a, b) => a + b, 0);
    expect(correct).toBe(want.correct);
    maxErrors.push(`evaluate ${count} rows in batches of ${B}, C=${C}: exact (${want.correct} correct)`);
    Object.values(bufs).forEach((b) => ctx.destroyBuffer(b));
    ctx.destroyBuffer(slots.buffer);
  }

  it('C=10, 150 rows in batches of 64 (last batch 22 rows)', () => check(64, 10, 150));
  it('C=3, 250 rows in batches of 100 (last batch 50 rows)', () => check(100, 3, 250));
  it('C=10, a single partial batch', () => check(64, 10, 5));
});

describe('compile errors', () => {
  it('name their own kernel and variant, even while other kernels compile at the same time', async () => {
    const good = `@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n@compute @workgroup_size(1) fn main() { x[0] = 1.0; }`;
    const broken = (name: string) => ({
      name,
      source: `@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n#if \${FLAG}\n@compute @workgroup_size(1) fn main() { x[0] = y; }\n#endif`,
      defines: { FLAG: true },
      constants: {},
      bindings: { x: slot(0, 'read_write') },
    });
    const results = await Promise.allSettled([
      ctx.kernel({ name: 'first-good', source: good, defines: {}, constants: {}, bindings: { x: slot(0, 'read_write') } }),
      ctx.kernel(broken('broken-a')),
      ctx.kernel({ name: 'second-good', source: good.replace('1.0', '2.0'), defines: {}, constants: {}, bindings: { x: slot(0, 'read_write') } }),
      ctx.kernel(broken('broken-b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    const messages = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    expect(messages[0]).toMatch(/^kernel broken-a \(FLAG=true\) failed to compile:\n {2}broken-a\.wgsl 3:\d+: .*y/);
    expect(messages[1]).toMatch(/^kernel broken-b \(FLAG=true\) failed to compile:\n {2}broken-b\.wgsl 3:\d+: .*y/);
  });
});

describe('binding tables', () => {
  const source = [
    '${STEP}',
    '@group(0) @binding(0) var<storage, read> a: array<f32>;',
    '#if ${OUT}',
    '@group(0) @binding(1) var<storage, read_write> out: array<f32>;',
    '#endif',
    '@group(0) @binding(2) var<uniform> step: Step;',
    '@compute @workgroup_size(1) fn main() {',
    '#if ${OUT}',
    '  out[0] = a[0] + f32(step.batch_base);',
    '#endif',
    '}',
  ].join('\n');
  const spec = (bindings: BindingTable, out = true): KernelSpec => ({ name: 'drift', source, defines: { OUT: out }, constants: {}, bindings });

  it("are checked against the shader's declarations: names, numbers and access", () => {
    const code = (out: boolean) => preprocess('drift', source, { OUT: out });
    const table = { a: slot(0, 'read'), out: slot(1, 'read_write'), step: slot(2, 'uniform_dynamic') };
    expect(checkBindings(table, code(true))).toBeNull();
    expect(checkBindings({ ...table, out: null }, code(false))).toBeNull();
    expect(checkBindings(table, code(false))).toBe('the table lists out (binding 1 read_write), the shader does not declare it');
    expect(checkBindings({ ...table, out: null }, code(true))).toBe('the shader declares out (binding 1 read_write), the table does not');
    expect(checkBindings({ ...table, a: slot(3, 'read') }, code(true))).toBe('a is binding 0 read in the shader, 3 read in the table');
    expect(checkBindings({ ...table, a: slot(0, 'read_write') }, code(true))).toBe('a is binding 0 read in the shader, 0 read_write in the table');
  });

  it('a table that drifted from its shader fails to compile with what differs, naming the variant', async () => {
    await expect(ctx.kernel(spec({ a: slot(0, 'read'), out: slot(2, 'read_write'), step: slot(1, 'uniform') }))).rejects.toThrow(
      'kernel drift (OUT=true): its binding table does not match the shader: out is binding 1 read_write in the shader, 2 read_write in the table; step is binding 2 uniform in the shader, 1 uniform in the table',
    );
  });

  it('bind groups are built by name: a missing buffer, one the variant does not bind, or an unknown name is an error', async () => {
    const buffer = ctx.createBuffer('drift', 64, GPUBufferUsage.STORAGE, 'metrics');
    const uniform = ctx.createBuffer('drift step', 256, GPUBufferUsage.UNIFORM, 'uniforms');
    try {
      const table = { a: slot(0, 'read'), out: slot(1, 'read_write'), step: slot(2, 'uniform_dynamic') };
      const d = await prepare(ctx, spec(table), { a: buffer, out: { buffer, offset: 0, size: 16 }, step: { buffer: uniform, size: 16 } }, [1, 1, 1]);
      expect(d.usesStep).toBe(true);
      await expect(prepare(ctx, spec(table), { a: buffer, step: uniform }, [1, 1, 1], 'no out')).rejects.toThrow('no out: out (binding 1, read_write) has no buffer');
      await expect(prepare(ctx, spec({ ...table, out: null }, false), { a: buffer, out: buffer, step: uniform }, [1, 1, 1], 'extra')).rejects.toThrow(
        'extra: out is given a buffer, but this variant of drift does not bind it',
      );
      await expect(prepare(ctx, spec(table) as KernelSpec<string>, { a: buffer, out: buffer, step: uniform, typo: buffer }, [1, 1, 1], 'typo')).rejects.toThrow('typo: drift has no binding named typo');
    } finally {
      ctx.destroyBuffer(buffer);
      ctx.destroyBuffer(uniform);
    }
  });
});
