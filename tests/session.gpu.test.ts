/**
 * The worker's engine session, driven through its message protocol in Node (Dawn for the GPU, MNIST served
 * over HTTP the way the page fetches it; see session-harness.ts): runs, pause and resume, single steps,
 * prediction and export, the depth probe and the lab, a diverged run and a lost device; then every pair of
 * actions the page can send one right after the other (session.ts's table). Each pair test checks that
 * every request got exactly one reply, that no error carries GPU validation text, and what happened: the
 * second action was queued and done after the first, or refused with a sentence saying what to do. (The
 * cause of the page's "Run probe right after the lab's Start" GPU error, trainers built side by side freeing
 * each other's buffers, is pinned down deterministically in trainer-ownership.gpu.test.ts.)
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../src/engine/protocol.ts';
import { parseSafetensors } from '../src/data/safetensors.ts';
import { RECIPES, type Recipe } from '../src/train/recipe.ts';
import { DEFAULT_DIAGNOSTICS_EVERY } from '../src/train/sampling.ts';
import { mnistFiles, useSession, type Ask } from './session-harness.ts';

const h = useSession();

/** The lesson's model on 400 images: 4 steps an epoch. */
const small: Recipe = { ...RECIPES.mlp, trainLimit: 400, epochs: 2 };
/** A narrow model, quick to evaluate. */
const tiny: Recipe = { ...RECIPES.mlp, layers: [784, 32, 10], trainLimit: 400, epochs: 2 };
/** A run that is still training whenever the test acts on it (the test ends it). */
const long: Recipe = { ...tiny, trainLimit: 2000, epochs: 100 };
const labRecipe: Recipe = { ...tiny, trainLimit: 200, epochs: 1 };
const probeCommand: Ask = { type: 'probe', layers: [784, 64, 64, 64, 10], inits: ['he-normal', 'normal:0,0.01'], batch: 50, seed: 1 };

const idOf = (reply: Reply): number => reply.id;
const messageOf = (reply: Reply): string => (reply.type === 'error' ? reply.message : `(no error: ${reply.type})`);

/** Starts `recipe` and resolves once it is 'finished'. */
async function finishedRun(recipe: Recipe, evalEachEpoch = false): Promise<number> {
  const finished = h.next('state', (e) => e.state === 'finished');
  const id = idOf(await h.ask({ type: 'start', recipe, evalEachEpoch }));
  await finished;
  return id;
}

/** Starts the long run and resolves once it has taken steps. */
async function trainingRun(): Promise<number> {
  const stepped = h.next('progress');
  const id = idOf(await h.ask({ type: 'start', recipe: long, evalEachEpoch: false }));
  await stepped;
  return id;
}

beforeEach(async () => {
  // Whatever an earlier test left training stops here; any test also runs alone (-t).
  await h.ask({ type: 'stop' });
  await h.ask({ type: 'lab-stop' });
});

describe('engine session', () => {
  it('has loaded MNIST over HTTP (the .gz names answered 404, the plain ones the files)', () => {
    const ready = h.events.find((e) => e.type === 'ready');
    expect(ready?.type === 'ready' && ready.dataset).toMatchObject({ train: 60000, test: 10000, rows: 28, cols: 28, classes: 10 });
  });

  it('trains a run to the end with progress, epochs and evaluations', async () => {
    const from = h.events.length;
    const run = await finishedRun(small, true);
    const epochs = h.since(from, 'epoch');
    const evaluations = h.since(from, 'evaluation');
    expect(epochs.map((e) => e.run)).toEqual([run, run]);
    expect(evaluations.map((e) => e.evaluation.epoch)).toEqual([1, 2]);
    const last = evaluations[1].evaluation;
    expect(last.count).toBe(10000);
    expect(last.confusion.reduce((a, b) => a + b, 0)).toBe(10000);
    expect(last.sample.pixels).toHaveLength(784);
    expect(last.misclassified.every((d) => d.label !== d.prediction)).toBe(true);
    expect(h.since(from, 'progress').length).toBeGreaterThan(0);
    await h.expectClean(from);
  });

  it('classifies an image and exports weights PyTorch can load', async () => {
    await finishedRun(tiny);
    const from = h.events.length;
    const prediction = await h.ask({ type: 'predict', pixels: new Uint8Array(784).fill(30) });
    expect(prediction.type === 'prediction' && prediction.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const weights = await h.ask({ type: 'export-weights' });
    if (weights.type !== 'weights') throw new Error(messageOf(weights));
    expect(weights.filename).toBe('mlp-784-32-10.safetensors');
    expect(parseSafetensors(weights.bytes).tensors.get('0.weight')?.shape).toEqual([32, 784]);
    await h.expectClean(from);
  });

  it('pauses, resumes and takes single steps', async () => {
    const from = h.events.length;
    const paused = h.next('state', (e) => e.state === 'paused');
    await h.ask({ type: 'start', recipe: { ...tiny, epochs: 3 }, evalEachEpoch: false });
    expect(await h.ask({ type: 'pause' })).toMatchObject({ type: 'done' });
    await paused;
    const stepped = h.next('progress');
    expect(await h.ask({ type: 'step', recipe: tiny })).toMatchObject({ type: 'done' });
    expect((await stepped).progress.step).toBeGreaterThan(0);
    const finished = h.next('state', (e) => e.state === 'finished');
    await h.ask({ type: 'resume' });
    await finished;
    expect(h.since(from, 'progress').at(-1)!.progress.step).toBe(3 * 4);
    // A finished run is not resumed: the refusal says what to do instead.
    expect(messageOf(await h.ask({ type: 'resume' }))).toMatch(/^The run has finished its epochs: start a new run, or fine-tune/);
    await h.expectClean(from);
  });

  it('sends the main run\'s diagnostics to the page: in progress (first step, each epoch\'s last) and in epoch', async () => {
    // 4 steps an epoch, far fewer than DEFAULT_DIAGNOSTICS_EVERY: the samples are the first step and the epochs' last.
    expect(DEFAULT_DIAGNOSTICS_EVERY).toBeGreaterThan(8);
    const from = h.events.length;
    await finishedRun(small);
    const progress = h.since(from, 'progress');
    expect(progress.every((e) => Array.isArray(e.progress.diagnostics))).toBe(true);
    const samples = progress.flatMap((e) => e.progress.diagnostics ?? []);
    expect(samples.map((d) => d.step)).toEqual([1, 4, 8]);
    expect(samples[0].layers.map((l) => l.layer)).toEqual([1, 2, 3]);
    expect(samples[0].layers[0].actHistogram.counts.reduce((a, b) => a + b, 0)).toBe(small.batch * 256);
    expect(h.since(from, 'epoch').map((e) => e.result.diagnostics?.step)).toEqual([4, 8]);
    await h.expectClean(from);
  });

  it('runs the lab with diagnostics when asked: lab-diagnostics per initializer, in step order', async () => {
    const from = h.events.length;
    const done = h.next('lab-done');
    const lab = await h.ask({ type: 'lab', recipe: { ...labRecipe, trainLimit: 400 }, inits: ['xavier-uniform', 'he-normal'], diagnosticsEvery: 3 });
    await done;
    const events = h.since(from, 'lab-diagnostics');
    expect(events.every((e) => e.lab === lab.id)).toBe(true);
    for (const init of ['xavier-uniform', 'he-normal']) {
      // 4 steps: the first, the third, and the fourth (the epoch's last).
      expect(events.filter((e) => e.init === init).flatMap((e) => e.diagnostics.map((d) => d.step))).toEqual([1, 3, 4]);
    }
    const bad = await h.ask({ type: 'lab', recipe: labRecipe, inits: ['he-normal'], diagnosticsEvery: 0 });
    expect(bad).toMatchObject({ type: 'error', allowed: 'an integer from 1 to 1000000' });
    await h.expectClean(from);
  });

  it('ends a lab run that diverges there, naming its step and layer, while the others train to the end', async () => {
    const from = h.events.length;
    const done = h.next('lab-done');
    const lab = await h.ask({ type: 'lab', recipe: labRecipe, inits: ['normal:0,1e30', 'he-normal'], diagnosticsEvery: 1 });
    expect((await done).lab).toBe(lab.id);
    const diverged = h.since(from, 'lab-diverged');
    expect(diverged.map((e) => [e.lab, e.init, e.step])).toEqual([[lab.id, 'normal:0,1e30', 1]]);
    expect(diverged[0].message).toMatch(/loss became (NaN|-?Infinity) at epoch 1, step 1/);
    expect(diverged[0].message).toContain("the first value that was not finite is in layer 2's activations");
    expect(diverged[0].diagnostics?.nonFinite).toMatchObject({ layer: 2, step: 1 });
    // The other run took all its steps and was evaluated; the diverged one was not.
    expect(h.since(from, 'lab-epoch').map((e) => e.init)).toEqual(['he-normal']);
    expect(h.since(from, 'error')).toEqual([]);
    await h.expectClean(from);
  });

  it('probes a deep stack and runs the initialization lab', async () => {
    const from = h.events.length;
    const probe = await h.ask(probeCommand);
    if (probe.type !== 'probe') throw new Error(messageOf(probe));
    expect(probe.results.map((r) => r.init)).toEqual(['he-normal', 'normal:0,0.01']);
    expect(probe.results[1].activationStd[2]).toBeLessThan(probe.results[0].activationStd[2] / 100);
    // The images' mean square (pixels in [0, 1]), where the lab's theory starts: MNIST's is about 0.1.
    expect(probe.results[0].inputMeanSquare).toBeGreaterThan(0.08);
    expect(probe.results[0].inputMeanSquare).toBeLessThan(0.12);
    const done = h.next('lab-done');
    const lab = await h.ask({ type: 'lab', recipe: labRecipe, inits: ['xavier-uniform', 'normal:0,1'] });
    expect((await done).lab).toBe(lab.id);
    expect(h.since(from, 'lab-epoch').map((e) => e.init).sort()).toEqual(['normal:0,1', 'xavier-uniform']);
    // No initializer chosen: refused with the setting at fault, as data.
    const none = await h.ask({ type: 'lab', recipe: labRecipe, inits: [] });
    expect(none).toMatchObject({ type: 'error', field: 'init', allowed: 'at least one initializer' });
    await h.expectClean(from);
  });
});

describe('engine session faults', () => {
  it('keeps the last good weights when the loss stops being finite', async () => {
    const error = h.next('error');
    const paused = h.next('state', (e) => e.state === 'paused');
    await h.ask({ type: 'start', recipe: { ...tiny, init: 'normal:0,1e18' }, evalEachEpoch: false });
    const failure = await error;
    expect(failure.message).toMatch(/loss became (NaN|-?Infinity).*The run went back to its weights and optimizer state from before its first step: save, export or resume from there/);
    // The step measured again (diagnostics are on), as data and in words: here every tensor stayed finite (the
    // logits reach about 4e36) and the batch's sum of losses overflowed.
    expect(failure.diagnostics?.step).toBe(1);
    expect(failure.diagnostics?.nonFinite).toBeUndefined();
    expect(failure.diagnostics?.layers.at(-1)?.actMean).toBeLessThan(-1e35);
    expect(failure.message).toContain("every layer's activations and gradients were finite: the loss itself overflowed");
    await paused;
    // The kept state (here the initial weights: the first step failed) exports, and resumes: to the same stop.
    const exported = await h.ask({ type: 'export-weights' });
    if (exported.type !== 'weights') throw new Error(messageOf(exported));
    const file = parseSafetensors(exported.bytes);
    expect(file.metadata.layers).toBe('784,32,10');
    const again = h.next('error');
    expect(await h.ask({ type: 'resume' })).toMatchObject({ type: 'done' });
    expect((await again).message).toBe(failure.message);
  });

  it('survives a lost device: reports it, and recovers from the checkpoint, learning-rate changes included', async () => {
    const from = h.events.length;
    // A step of epoch 2 means epoch 1 finished and its snapshot was taken.
    const secondEpoch = h.next('progress', (e) => e.progress.epoch === 2);
    await h.ask({ type: 'start', recipe: { ...tiny, trainLimit: 2000, epochs: 3 }, evalEachEpoch: false });
    await secondEpoch;
    const change = await h.ask({ type: 'set-lr', lr: 5e-4 });
    if (change.type !== 'lr-set') throw new Error(messageOf(change));
    expect(change.step).toBeGreaterThan(4);
    expect(change.recipe.lrChanges).toEqual([{ step: change.step, lr: 5e-4 }]);
    const lost = h.next('device-lost');
    await h.ask({ type: 'simulate-device-loss' });
    const event = await lost;
    expect(event.checkpoint?.epoch).toBeGreaterThanOrEqual(1);
    expect(event.message).toMatch(/device was lost.*Resume to continue from the checkpoint kept after epoch/);
    expect(messageOf(await h.ask({ type: 'predict', pixels: new Uint8Array(784) }))).toBe('The GPU device was lost: resume on a new device (recover) first.');
    const paused = h.next('state', (e) => e.state === 'paused');
    await h.ask({ type: 'recover' });
    await paused;
    // The snapshot kept the change made after it: the run continues at the new rate from that step.
    const file = await h.ask({ type: 'export-weights' });
    if (file.type !== 'weights') throw new Error(messageOf(file));
    expect(JSON.parse(parseSafetensors(file.bytes).metadata.recipe).lrChanges).toEqual([{ step: change.step, lr: 5e-4 }]);
    const finished = h.next('state', (e) => e.state === 'finished');
    await h.ask({ type: 'resume' });
    await finished;
    await h.expectClean(from);
  });
});

describe('two actions, one right after the other', () => {
  it('probe while the lab starts, and the lab while a probe runs: both answered, no GPU error', async () => {
    const from = h.events.length;
    let labDone = h.next('lab-done');
    const [lab, probe] = await Promise.all([h.ask({ type: 'lab', recipe: labRecipe, inits: ['xavier-uniform', 'normal:0,1'] }), h.ask(probeCommand)]);
    expect(lab).toMatchObject({ type: 'done' });
    expect(probe.type === 'probe' && probe.results).toHaveLength(2);
    await labDone;
    labDone = h.next('lab-done');
    const [probe2, lab2] = await Promise.all([h.ask(probeCommand), h.ask({ type: 'lab', recipe: labRecipe, inits: ['he-normal'] })]);
    expect(probe2.type === 'probe' && probe2.results).toHaveLength(2);
    expect((await labDone).lab).toBe(lab2.id);
    expect(h.since(from, 'lab-epoch').map((e) => e.init).sort()).toEqual(['he-normal', 'normal:0,1', 'xavier-uniform']);
    await h.expectClean(from);
  });

  it('export twice: each request gets the same file', async () => {
    await finishedRun(tiny);
    const from = h.events.length;
    const [a, b] = await Promise.all([h.ask({ type: 'export-weights' }), h.ask({ type: 'export-weights' })]);
    if (a.type !== 'weights' || b.type !== 'weights') throw new Error(`${messageOf(a)} / ${messageOf(b)}`);
    expect(a.id).not.toBe(b.id);
    expect(b.bytes).toEqual(a.bytes);
    await h.expectClean(from);
  });

  it('stop during an import: the import completes, then stop finds no run to stop', async () => {
    await finishedRun(tiny);
    const file = await h.ask({ type: 'export-weights' });
    if (file.type !== 'weights') throw new Error(messageOf(file));
    await trainingRun();
    await h.ask({ type: 'pause' });
    const from = h.events.length;
    const [imported, stopped] = await Promise.all([h.ask({ type: 'import-weights', bytes: file.bytes, name: 'tiny.safetensors' }), h.ask({ type: 'stop' })]);
    expect(imported).toMatchObject({ type: 'weights-imported', layers: [784, 32, 10] });
    expect(stopped).toMatchObject({ type: 'done' });
    expect(h.since(from, 'state').map((e) => e.state)).toEqual(['imported']);
    await h.expectClean(from);
  });

  it('start during an evaluation: the new run replaces the old, whose last words end before it begins', async () => {
    const from = h.events.length;
    const evaluating = h.next('epoch');
    const first = idOf(await h.ask({ type: 'start', recipe: { ...tiny, epochs: 3 }, evalEachEpoch: true }));
    await evaluating; // the run now evaluates epoch 1 on the test set
    const finished = h.next('state', (e) => e.state === 'finished');
    const second = await h.ask({ type: 'start', recipe: tiny, evalEachEpoch: true });
    expect(second).toMatchObject({ type: 'done' });
    await finished;
    const replyAt = h.events.indexOf(second);
    const lateWords = h.events.slice(replyAt).filter((e) => (e.type === 'progress' || e.type === 'epoch' || e.type === 'evaluation') && e.run === first);
    expect(lateWords).toEqual([]);
    expect(h.since(replyAt, 'evaluation').map((e) => [e.run, e.evaluation.epoch])).toEqual([[second.id, 1], [second.id, 2]]);
    await h.expectClean(from);
  });

  it('import, step or fine-tune during a run: refused with a sentence, and the run trains on', async () => {
    const file = await (async () => {
      await finishedRun(tiny);
      const reply = await h.ask({ type: 'export-weights' });
      if (reply.type !== 'weights') throw new Error(messageOf(reply));
      return reply.bytes;
    })();
    await trainingRun();
    const from = h.events.length;
    const [imported, stepped, tuned] = await Promise.all([
      h.ask({ type: 'import-weights', bytes: file, name: 'tiny.safetensors' }),
      h.ask({ type: 'step', recipe: tiny }),
      h.ask({ type: 'fine-tune', recipe: long, evalEachEpoch: false }),
    ]);
    expect(messageOf(imported)).toBe('Pause or stop the run before importing weights; nothing was changed.');
    expect(messageOf(stepped)).toBe('The run is training: pause it before taking single steps.');
    expect(messageOf(tuned)).toBe('Pause or stop the run before fine-tuning its weights; nothing was changed.');
    const moreSteps = h.next('progress');
    await moreSteps;
    expect(h.since(from, 'state')).toEqual([]);
    expect(await h.ask({ type: 'stop' })).toMatchObject({ type: 'done' });
    expect(h.since(from, 'state').map((e) => e.state)).toEqual(['stopped']);
    await h.expectClean(from);
  });

  it('load-dataset during a run or the lab is refused; during a probe it waits for the probe', async () => {
    const files = await mnistFiles();
    await trainingRun();
    const from = h.events.length;
    expect(messageOf(await h.ask({ type: 'load-dataset', name: 'again', files }))).toBe('Pause or stop the run before loading a dataset; nothing was changed.');
    await h.ask({ type: 'stop' });
    const labDone = h.next('lab-done');
    await h.ask({ type: 'lab', recipe: { ...labRecipe, trainLimit: 2000, epochs: 100 }, inits: ['he-normal'] });
    expect(messageOf(await h.ask({ type: 'load-dataset', name: 'again', files }))).toBe('The initialization lab is training on the current dataset: stop it before loading another; nothing was changed.');
    await h.ask({ type: 'lab-stop' });
    await labDone;
    expect(h.since(from, 'ready')).toEqual([]);
    const ready = h.next('ready');
    const [probe, loaded] = await Promise.all([h.ask(probeCommand), h.ask({ type: 'load-dataset', name: 'MNIST again', files })]);
    expect(probe.type).toBe('probe');
    expect(loaded).toMatchObject({ type: 'done' });
    const event = await ready;
    expect(event.dataset).toMatchObject({ name: 'MNIST again', train: 60000, test: 10000 });
    expect(h.events.indexOf(probe)).toBeLessThan(h.events.indexOf(event));
    await h.expectClean(from);
  });

  it('set-lr with no run in progress is refused; with a paused run it is answered with the step it takes effect', async () => {
    await finishedRun(tiny);
    const from = h.events.length;
    expect(messageOf(await h.ask({ type: 'set-lr', lr: 0.01 }))).toBe('There is no run in progress to change the learning rate of; the rate you set applies when the next run starts.');
    await trainingRun();
    await h.ask({ type: 'pause' });
    const change = await h.ask({ type: 'set-lr', lr: 0.01 });
    if (change.type !== 'lr-set') throw new Error(messageOf(change));
    const last = h.since(from, 'progress').at(-1)!.progress.step;
    expect(change.step).toBe(last + 1);
    expect(change.recipe.lrChanges?.at(-1)).toEqual({ step: last + 1, lr: 0.01 });
    // A rate out of range: the setting at fault, as data.
    expect(await h.ask({ type: 'set-lr', lr: 50 })).toMatchObject({ type: 'error', field: 'lr', allowed: 'a number above 0 and at most 10' });
    await h.expectClean(from);
  });

  it('predict during a run: answered from the latest weights while the run trains on', async () => {
    await trainingRun();
    const from = h.events.length;
    const prediction = await h.ask({ type: 'predict', pixels: new Uint8Array(784).fill(200) });
    expect(prediction.type === 'prediction' && prediction.probabilities).toHaveLength(10);
    expect(h.since(from, 'state')).toEqual([]);
    await h.expectClean(from);
  });

  it('start twice quickly: the second run replaces the first and runs to the end', async () => {
    const from = h.events.length;
    const [first, second] = await Promise.all([h.ask({ type: 'start', recipe: { ...tiny, seed: 1 }, evalEachEpoch: true }), h.ask({ type: 'start', recipe: { ...tiny, seed: 2 }, evalEachEpoch: true })]);
    expect([first.type, second.type]).toEqual(['done', 'done']);
    const replyAt = h.events.indexOf(second);
    await h.until(replyAt, 'state', (e) => e.state === 'finished');
    const afterSecond = h.events.slice(replyAt);
    expect(afterSecond.filter((e) => 'run' in e && e.run === first.id)).toEqual([]);
    expect(h.since(replyAt, 'evaluation').map((e) => [e.run, e.evaluation.epoch])).toEqual([[second.id, 1], [second.id, 2]]);
    expect(h.since(from, 'progress').filter((e) => e.run === second.id).at(-1)!.progress.step).toBe(8);
    await h.expectClean(from);
  });

  it('lab-stop then lab: the running lab ends first, then the new one runs to its end', async () => {
    const running = await h.ask({ type: 'lab', recipe: { ...labRecipe, trainLimit: 2000, epochs: 100 }, inits: ['he-normal'] });
    const from = h.events.length;
    const newDone = h.next('lab-done', (e) => e.lab !== running.id);
    const [stopped, started] = await Promise.all([h.ask({ type: 'lab-stop' }), h.ask({ type: 'lab', recipe: labRecipe, inits: ['xavier-uniform'] })]);
    expect([stopped.type, started.type]).toEqual(['done', 'done']);
    const ended = h.since(from, 'lab-done').filter((e) => e.lab === running.id);
    expect(ended).toHaveLength(1);
    expect(h.events.indexOf(ended[0])).toBeLessThan(h.events.indexOf(stopped));
    expect((await newDone).lab).toBe(started.id);
    expect(h.since(from, 'lab-progress').filter((e) => e.lab === started.id).length).toBeGreaterThan(0);
    expect(h.since(from, 'lab-progress').filter((e) => e.lab === running.id && h.events.indexOf(e) > h.events.indexOf(stopped))).toEqual([]);
    await h.expectClean(from);
  });
});
