/**
 * The demo page in a real Chromium on software WebGPU, driven as a person would: a short run from the form,
 * its results (loss, test accuracy, the random digit, the misclassified grid, the confusion matrix), the
 * drawing pad, weight export, a refused import that loses nothing, the export imported back (the run's
 * accuracy exactly) and fine-tuned, a longer run that stays smooth and stops on request, and the depth probe
 * of <init-lab>. The tests of each describe share one page and run in order.
 *
 * Runs are tiny (a few hundred images, batch 100): SwiftShader takes ~0.1-0.3 s per step here and 5-10 s to
 * evaluate the 10,000 test images, so evaluations are kept to the ones a test looks at.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/data/safetensors.ts';
import type { PageProblems } from './browser.ts';
import type { MlpTrainer } from '../../src/app/trainer/mlp-trainer.ts';
import {
  clickButton,
  fillTinyRun,
  openPage,
  progressStep,
  screenshot,
  shadowAttribute,
  shadowText,
  trainerState,
  useSite,
  waitForShadow,
  waitForState,
  waitForStep,
} from './pages.ts';

const site = useSite();

/** What the page shows of the model it holds: state, accuracy, loss summary and curve, Export, and the pad's verdict. */
async function modelOnScreen(page: Page) {
  return {
    state: await trainerState(page),
    accuracy: await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'),
    accuracyText: await shadowText(page, '#accuracy-summary'),
    loss: await shadowText(page, '#loss-summary'),
    curve: await page.$eval('mlp-trainer', (el) => (el as MlpTrainer).history.current?.losses ?? []),
    exportDisabled: await page.$eval('mlp-trainer >>> #export', (b) => (b as HTMLButtonElement).disabled),
    prediction: await shadowAttribute(page, '#probabilities', 'data-prediction'),
    bars: await page.$$eval('mlp-trainer >>> #probabilities .value', (cells) => cells.map((c) => c.textContent)),
  };
}
let page: Page;
let problems: PageProblems;
let downloads: string;

beforeAll(async () => {
  downloads = await mkdtemp(join(tmpdir(), 'mlp-e2e-downloads-'));
  ({ page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href));
  // Both elements load MNIST and upload it to the GPU before they are ready.
  await waitForState(page, 'idle', 150_000);
});

afterAll(async () => {
  await page?.close();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

describe('<mlp-trainer> on the demo page', () => {
  it('trains 1 epoch on 500 images from the form and shows loss, accuracy and the evaluation', async () => {
    expect(await progressStep(page)).toBe(0);
    expect(await shadowText(page, '#loss-summary')).toBe('No training loss yet.');

    await fillTinyRun(page, { trainLimit: 500, epochs: 1, evalEachEpoch: true });
    await clickButton(page, 'start');
    await waitForState(page, 'running', 30_000);
    // Five steps of 100, then the evaluation of the 10,000 test images: the state stays running through both.
    await waitForStep(page, 1, 60_000);
    await screenshot(page, 'trainer-running');
    await waitForState(page, 'finished', 150_000);

    expect(await progressStep(page)).toBe(5);
    expect(await shadowAttribute(page, '#progress', 'max')).toBe('5');
    expect(await shadowText(page, '#loss-summary')).toMatch(/^Loss \d+\.\d{4} at epoch 1\.00 \(step 5\); mean loss of epoch 1: \d+\.\d{4}\.$/);

    const accuracy = Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'));
    expect(accuracy).toBeGreaterThan(0.3);
    expect(await shadowText(page, '#accuracy-summary')).toMatch(/^Test accuracy \d+\.\d\d% after epoch 1 \(.* of 10,000 test images\)\.$/);

    const sampleLabel = await shadowAttribute(page, '#sample', 'data-label');
    const samplePrediction = await shadowAttribute(page, '#sample', 'data-prediction');
    expect(sampleLabel).toMatch(/^\d$/);
    expect(samplePrediction).toMatch(/^\d$/);

    expect(await shadowAttribute(page, '#confusion', 'data-total')).toBe('10000');
    const correct = Number(await shadowAttribute(page, '#confusion', 'data-correct'));
    expect(correct).toBe(Math.round(accuracy * 10000));
    const wrong = Number(await shadowAttribute(page, '#misclassified', 'data-count'));
    expect(wrong).toBe(10000 - correct);
    const shown = await page.$$eval('mlp-trainer >>> #misclassified li', (items) => items.length);
    expect(shown).toBe(Math.min(48, wrong));

    await screenshot(page, 'trainer-finished');
    expect(problems.all()).toEqual([]);
  });

  it('classifies a digit drawn on the pad: a prediction and ten probability bars', async () => {
    const pad = await page.waitForSelector('mlp-trainer >>> #draw-pad[aria-disabled="false"]', { timeout: 30_000 });
    expect(pad).not.toBeNull();
    await pad!.scrollIntoView();
    const box = (await pad!.boundingBox())!;
    // A "7": a bar across the top, then a diagonal down to the lower left.
    const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
    await page.mouse.move(...at(0.3, 0.25));
    await page.mouse.down();
    await page.mouse.move(...at(0.7, 0.25), { steps: 10 });
    await page.mouse.move(...at(0.45, 0.8), { steps: 15 });
    await page.mouse.up();

    await waitForShadow(page, '#probabilities', { attribute: 'data-prediction', timeout: 30_000 });
    const bars = await page.$$eval('mlp-trainer >>> #probabilities li', (items) =>
      items.map((li) => ({ digit: li.querySelector('.digit')?.textContent, value: li.querySelector('.value')?.textContent ?? '' })),
    );
    expect(bars.map((b) => b.digit)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const percents = bars.map((b) => Number.parseFloat(b.value));
    expect(percents.every((p) => p >= 0 && p <= 100)).toBe(true);
    expect(percents.reduce((a, b) => a + b, 0)).toBeCloseTo(100, -1);
    const prediction = Number(await shadowAttribute(page, '#probabilities', 'data-prediction'));
    expect(percents[prediction]).toBe(Math.max(...percents));
    await screenshot(page, 'trainer-draw-pad', { element: 'mlp-trainer >>> section[part="pad"]' });
  });

  it('exports the weights as a safetensors download with 0.weight of shape [256, 784]', async () => {
    const cdp: CDPSession = await site.browser.target().createCDPSession();
    try {
      const done = new Promise<void>((resolve, reject) => {
        cdp.on('Browser.downloadProgress', (event: { state: string }) => {
          if (event.state === 'completed') resolve();
          if (event.state === 'canceled') reject(new Error('the download was canceled'));
        });
      });
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, eventsEnabled: true });
      await clickButton(page, 'export');
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('no download completed within 30 s')), 30_000))]);
    } finally {
      await cdp.detach();
    }
    const files = (await readdir(downloads)).filter((name) => name.endsWith('.safetensors'));
    expect(files).toEqual(['mlp-784-256-256-10.safetensors']);
    const parsed = parseSafetensors(new Uint8Array(await readFile(join(downloads, files[0]))));
    expect(parsed.tensors.get('0.weight')).toMatchObject({ dtype: 'F32', shape: [256, 784] });
    expect([...parsed.tensors.keys()].sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']);
  });

  it('refuses a weight file of random bytes next to the import, and loses nothing: accuracy, curve, Export and the pad stay', async () => {
    const before = await modelOnScreen(page);
    expect(before.curve.length).toBe(5);
    expect(before.exportDisabled).toBe(false);
    expect(before.prediction).toMatch(/^\d$/);

    const garbage = join(downloads, 'garbage.safetensors');
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24; // not a safetensors header
    await writeFile(garbage, bytes);
    const input = (await page.waitForSelector('mlp-trainer >>> #import:not([disabled])', { timeout: 30_000 })) as ElementHandle<HTMLInputElement> | null;
    await input!.uploadFile(garbage);
    const message = await waitForShadow(page, '#import-result.alert', { timeout: 60_000 });
    expect(message).toMatch(/^Could not import garbage\.safetensors: .+ Nothing was changed: the model you had is still loaded\.$/);
    expect(await shadowText(page, '#error')).toBeNull();

    const after = await modelOnScreen(page);
    expect(after).toEqual(before);
    // The pad still classifies with the model that was kept.
    expect(await page.$eval('mlp-trainer >>> #draw-pad', (el) => el.getAttribute('aria-disabled'))).toBe('false');
    await screenshot(page, 'import-refused', { element: 'mlp-trainer >>> section[part="weights"]' });
    expect(problems.all()).toEqual([]);
  });

  it('imports the exported weights back: the exporting run\'s accuracy exactly, then Fine-tune trains them', async () => {
    const before = Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'));
    const input = (await page.waitForSelector('mlp-trainer >>> #import:not([disabled])', { timeout: 30_000 })) as ElementHandle<HTMLInputElement> | null;
    await input!.uploadFile(join(downloads, 'mlp-784-256-256-10.safetensors'));
    const message = await waitForShadow(page, '#import-result.ok', { timeout: 60_000 });
    expect(message).toMatch(/^Imported mlp-784-256-256-10\.safetensors \(784-256-256-10\): \d+\.\d\d% on the 10,000 test images\./);
    expect(Number(await shadowAttribute(page, '#import-result', 'data-accuracy'))).toBe(before);
    expect(Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'))).toBe(before);
    expect(await shadowText(page, '#accuracy-summary')).toMatch(/of the imported weights/);
    await waitForState(page, 'imported', 30_000);
    expect(await shadowText(page, '#progress-text')).toMatch(/^Imported weights loaded\. · test accuracy \d+\.\d\d%$/);
    // The earlier run stays on the chart; the imported model is a run of its own, marked at step 0.
    expect(await shadowAttribute(page, '#loss-summary', 'data-runs')).toBe('2');
    await screenshot(page, 'import-loaded', { element: 'mlp-trainer >>> section[part="weights"]' });

    await clickButton(page, 'fine-tune');
    await waitForState(page, ['running', 'finished'], 30_000);
    await waitForState(page, 'finished', 150_000);
    expect(await progressStep(page)).toBe(5);
    expect(Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'))).toBeGreaterThan(0.3);
    expect(problems.all()).toEqual([]);
  });

  it('keeps the main thread responsive during a run, which advances and stops within seconds on Stop', async () => {
    // 40 epochs of all 60,000 images without evaluations: far longer than the ~10 s measured here, however
    // fast the adapter (the software adapter trains about 1,500 samples/s).
    await fillTinyRun(page, { trainLimit: 0, epochs: 40, evalEachEpoch: false });
    await clickButton(page, 'start');
    await waitForState(page, 'running', 30_000);
    expect(await shadowText(page, '#import-result')).toBeNull(); // the import's message went with the new run
    await waitForStep(page, 1, 60_000);
    const firstStep = await progressStep(page);
    const firstLoss = await shadowText(page, '#loss-summary');

    // requestAnimationFrame gaps over ~10 s of training: a frame that waits long means a janky page.
    const gaps = await page.evaluate(
      (ms) =>
        new Promise<number[]>((resolve) => {
          const gaps: number[] = [];
          let last = performance.now();
          const end = last + ms;
          const tick = (now: number) => {
            gaps.push(now - last);
            last = now;
            if (now < end) requestAnimationFrame(tick);
            else resolve(gaps);
          };
          requestAnimationFrame(tick);
        }),
      10_000,
    );
    const sorted = [...gaps].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
    const max = sorted[sorted.length - 1];
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`rAF gaps over 10 s of training: ${gaps.length} frames, median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    // Measured first, on the shared 2-core machine with SwiftShader training in the worker (load average ~7):
    // 575-600 frames in 10 s, median 16.7 ms, p99 16.8-50 ms, max 50-100 ms over four runs. The bounds leave
    // 3x (p99) and 5x (max) of slack for a busier machine; a main thread blocked by the engine or by rendering
    // every progress message would break them (a blocked frame costs hundreds of ms here).
    expect(gaps.length).toBeGreaterThan(300);
    expect(p99).toBeLessThan(150);
    expect(max).toBeLessThan(500);

    expect(await trainerState(page)).toBe('running');
    const laterStep = await progressStep(page);
    expect(laterStep).toBeGreaterThan(firstStep);
    expect(await shadowText(page, '#loss-summary')).not.toBe(firstLoss);

    const stopAsked = Date.now();
    await clickButton(page, 'stop');
    await waitForState(page, 'stopped', 10_000);
    const stopSeconds = (Date.now() - stopAsked) / 1000;
    console.log(`Stop took ${stopSeconds.toFixed(2)} s (at step ${await progressStep(page)} of 24,000)`);
    const stoppedAt = await progressStep(page);
    expect(stoppedAt).toBeLessThan(24_000);
    await new Promise((done) => setTimeout(done, 2000));
    expect(await progressStep(page)).toBe(stoppedAt);
    expect(await trainerState(page)).toBe('stopped');
    expect(problems.all()).toEqual([]);
  });
});

describe('<init-lab> depth probe', () => {
  it('shows the signal vanishing under N(0, 0.01) and holding under He on 10 layers of 256', async () => {
    await waitForShadow(page, '#probe-run:not([disabled])', { host: 'init-lab', timeout: 60_000 });
    await page.locator('init-lab >>> #probe-depth').fill('10');
    await page.locator('init-lab >>> #probe-width').fill('256');
    for (const init of ['xavier-uniform', 'xavier-normal', 'he-uniform', 'he-normal', 'pytorch-default', 'normal:0,1', 'normal:0,0.01']) {
      const want = init === 'he-normal' || init === 'normal:0,0.01';
      const box = `init-lab >>> #probe-inits input[value="${init}"]`;
      if ((await page.$eval(box, (el) => (el as HTMLInputElement).checked)) !== want) await page.locator(box).click();
    }
    await page.locator('init-lab >>> #probe-run').click();
    const handle = await page.waitForFunction(() => document.querySelector('init-lab')?.shadowRoot?.querySelector('#probe-results')?.getAttribute('data-results'), {
      polling: 200,
      timeout: 120_000,
    });
    const results = JSON.parse((await handle.jsonValue()) as string) as Array<{ init: string; activationStd: number[]; gradientStd: number[]; weightGradientStd: number[] }>;
    expect(results.map((r) => r.init).sort()).toEqual(['he-normal', 'normal:0,0.01']);
    const hidden = (init: string) => results.find((r) => r.init === init)!.activationStd.slice(0, 10);
    const small = hidden('normal:0,0.01');
    const he = hidden('he-normal');
    console.log(`probe activation std, N(0, 0.01): ${small.map((v) => v.toExponential(2)).join(' ')}`);
    console.log(`probe activation std, he-normal:  ${he.map((v) => v.toExponential(2)).join(' ')}`);
    expect(small).toHaveLength(10);
    expect(he).toHaveLength(10);
    // Each layer of 256 under N(0, 0.01) scales the std by about sqrt(256 * 1e-4 / 2) ≈ 0.11: nine layers, ~1e-9.
    expect(small[9] / small[0]).toBeLessThan(1e-6);
    // He keeps the variance of a ReLU stack steady; one batch of 100 and finite width leave some drift.
    for (const std of he) {
      expect(std / he[0]).toBeGreaterThanOrEqual(0.25);
      expect(std / he[0]).toBeLessThanOrEqual(4);
    }
    await screenshot(page, 'depth-probe', { element: 'init-lab >>> section[part="probe"]' });
    expect(problems.all()).toEqual([]);
  });
});
