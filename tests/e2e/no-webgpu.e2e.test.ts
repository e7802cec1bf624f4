/**
 * The demo page where WebGPU cannot run, both ways a browser can say so: navigator.gpu is there but offers no
 * adapter (a blocklisted GPU, or WebGPU turned off), and there is no navigator.gpu at all (an older browser).
 * The lab says what is missing; the trainer shows <mlp-offline-demo> instead of itself: the reason and what
 * to do, the recorded run of the lesson drawn from the committed JSON (every point of it), and the drawing
 * pad classifying through the CPU forward pass with the bundled weights: a stroke drawn with the mouse, and a
 * test digit loaded from the keyboard, which must get exactly the prediction that the same forward pass
 * gives in Node for those weights and that image. Nothing needs the engine, nothing fails, nothing is
 * clipped on a phone, and the test digits are fetched only when asked for. The library build does the same
 * from docs/embed.html, with the weights fetched as a file from beside its modules.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hideNavigatorGpu, launch, webgpuStatus, collectProblems } from './browser.ts';
import { screenshot, shadowText, trainerState, waitForShadow } from './pages.ts';
import { startStaticServer, type StaticServer } from './server.ts';
import { loadMnist } from '../../src/data/node.ts';
import { paramsFromSafetensors } from '../../src/app/trainer/lesson-model.ts';
import { predictProbabilities } from '../../src/reference/predict.ts';
import type { LayerParams } from '../../src/reference/mlp.ts';
import type { RecordedRun } from '../../src/train/recording.ts';
import type { PadPrediction } from '../../src/app/widgets/digit-pad.ts';

const RECORDED = new URL('../../src/app/trainer/recorded/', import.meta.url);
const record = JSON.parse(readFileSync(new URL('lesson-run.json', RECORDED), 'utf8')) as RecordedRun;
const params: LayerParams[] = paramsFromSafetensors(new Uint8Array(readFileSync(new URL('lesson-weights.safetensors', RECORDED))));

let server: StaticServer;
/** A test digit the CPU model gets wrong (so a right answer cannot come from the label) and what it predicts. */
let probe: { index: number; label: number; pixels: Uint8Array; prediction: number };

beforeAll(async () => {
  server = await startStaticServer(inject('e2eDist'));
  const { test } = await loadMnist();
  const size = test.rows * test.cols;
  const predictAt = (index: number) => {
    const p = predictProbabilities(params, test.pixels.subarray(index * size, (index + 1) * size), 1);
    return p.indexOf(Math.max(...p));
  };
  let index = 0;
  while (index < 1000 && predictAt(index) === test.labels[index]) index++;
  if (index === 1000) index = 0;
  probe = { index, label: test.labels[index], pixels: test.pixels.slice(index * size, (index + 1) * size), prediction: predictAt(index) };
});

afterAll(async () => {
  await server?.stop();
});

const PAD = 'mlp-trainer >>> mlp-offline-demo >>> mlp-digit-pad';

/**
 * Waits for `selector` in the offline demo's shadow root (or, with `pad`, its digit pad's), polling: a
 * selector with >>> waits on mutations of the document, which do not see changes inside shadow roots.
 */
async function waitInDemo(page: Page, selector: string, o: { pad?: boolean; timeout?: number } = {}): Promise<void> {
  await page.waitForFunction(
    (selector, pad) => {
      const demo = document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('mlp-offline-demo')?.shadowRoot;
      const root = pad ? demo?.querySelector('mlp-digit-pad')?.shadowRoot : demo;
      return Boolean(root?.querySelector(selector));
    },
    { polling: 100, timeout: o.timeout ?? 60_000 },
    selector,
    o.pad ?? false,
  );
}

/** Shadow text inside the offline demo (or, with `pad`, inside its digit pad). */
function demoText(page: Page, id: string, pad = false): Promise<string | null> {
  return page.evaluate(
    (id, pad) => {
      const demo = document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('mlp-offline-demo')?.shadowRoot;
      const root = pad ? demo?.querySelector('mlp-digit-pad')?.shadowRoot : demo;
      return root?.querySelector(id)?.textContent?.trim().replace(/\s+/g, ' ') ?? null;
    },
    id,
    pad,
  );
}

/** The pad's bar values (their texts, in percent) and its data-prediction. */
function bars(page: Page): Promise<{ values: number[]; prediction: string | null }> {
  return page.$eval(`${PAD} >>> #probabilities`, (ol) => ({
    values: [...ol.querySelectorAll('.value')].map((el) => parseFloat(el.textContent ?? '')),
    prediction: ol.getAttribute('data-prediction'),
  }));
}

/** Draws a 7 with the mouse: across the top, then down to the left. */
async function drawSeven(page: Page): Promise<void> {
  const canvas = await page.waitForSelector(`${PAD} >>> #draw-pad`);
  await canvas!.scrollIntoView();
  const box = (await canvas!.boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...at(0.25, 0.22));
  await page.mouse.down();
  await page.mouse.move(...at(0.75, 0.22), { steps: 8 });
  await page.mouse.move(...at(0.42, 0.85), { steps: 10 });
  await page.mouse.up();
}

async function checkOffline(browser: Browser, o: { hide: boolean; status: RegExp; trainerSays: RegExp; labSays: RegExp; screenshotName: string; viewport: { width: number; height: number } }) {
  const page = await browser.newPage();
  try {
    await page.setViewport(o.viewport);
    const problems = collectProblems(page);
    const firstRequest = server.requests.length;
    const requested = (test: (path: string) => boolean) => server.requests.slice(firstRequest).some(test);
    if (o.hide) await hideNavigatorGpu(page);
    await page.goto(new URL('index.html', server.url).href, { waitUntil: 'load' });
    expect(await webgpuStatus(page)).toMatch(o.status);
    await page.evaluate(() => {
      const seen: PadPrediction[] = [];
      (window as unknown as { predictions: PadPrediction[] }).predictions = seen;
      document.addEventListener('pad-prediction', (event) => seen.push((event as CustomEvent<PadPrediction>).detail));
    });

    // The reason, friendly, in place of the trainer; nothing that needs the engine.
    await waitInDemo(page, '#offline-reason');
    const reason = await demoText(page, '#offline-reason');
    expect(reason).toMatch(/^WebGPU is not available here, so nothing trains live on this page\./);
    expect(reason).toMatch(o.trainerSays);
    expect(await page.$('mlp-trainer >>> #start')).toBeNull();
    expect(await trainerState(page)).toBe('error');

    const lab = await waitForShadow(page, '#unsupported', { host: 'init-lab', timeout: 60_000 });
    expect(lab).toMatch(o.labSays);
    expect(await shadowText(page, '#engine-status', 'init-lab')).toBe('WebGPU is not available here.');
    // Without navigator.gpu the element knows before it starts the engine's worker; with it, the worker asks for an adapter.
    if (o.hide) expect(page.workers()).toHaveLength(0);

    // The recorded run: its final numbers, its date and command, and every point of it drawn by uPlot.
    await waitInDemo(page, '#recorded-accuracy');
    expect(await demoText(page, '#recorded-accuracy')).toBe(`${(record.test_accuracy * 100).toFixed(2)}%`);
    expect(await demoText(page, '#recorded-date')).toContain(new Date(record.date).toLocaleDateString('en-US', { dateStyle: 'medium', timeZone: 'UTC' }));
    expect(await demoText(page, '#recorded-date')).toContain(record.adapter);
    expect(await demoText(page, '#recorded-command')).toBe(record.command);
    const drawn = (id: string) =>
      page.$eval(`mlp-trainer >>> mlp-offline-demo >>> ${id}`, (chart) => {
        const plot = (chart as unknown as { plot: { data: number[][]; width: number; height: number } | null }).plot;
        return plot ? { x: [...plot.data[0]], y: [...plot.data[1]], width: plot.width, height: plot.height } : null;
      });
    const loss = await drawn('#recorded-loss');
    expect(loss?.y).toEqual(record.steps.loss);
    expect(loss?.x.at(-1)).toBe(record.epochs.length);
    expect(loss!.width).toBeGreaterThan(200);
    const accuracy = await drawn('#recorded-accuracy-chart');
    expect(accuracy?.x).toEqual(record.epochs.map((e) => e.epoch));
    expect(accuracy?.y).toEqual(record.epochs.map((e) => e.test_accuracy * 100));

    // A drawing, classified on the CPU: a prediction and ten bars that add up to 100%.
    await waitInDemo(page, '#draw-pad[aria-disabled="false"]', { pad: true });
    await drawSeven(page);
    await waitInDemo(page, '#probabilities[data-prediction]', { pad: true });
    const drawnBars = await bars(page);
    expect(drawnBars.values).toHaveLength(10);
    expect(Math.abs(drawnBars.values.reduce((a, b) => a + b, 0) - 100)).toBeLessThanOrEqual(0.5);
    expect(await demoText(page, '#pad-prediction', true)).toBe(`Prediction: ${drawnBars.prediction}.`);
    const fromDrawing = await page.evaluate(() => (window as unknown as { predictions: PadPrediction[] }).predictions.at(-1));
    expect(fromDrawing?.source).toBe('drawing');
    expect(Math.abs(fromDrawing!.probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
    expect(String(fromDrawing?.prediction)).toBe(drawnBars.prediction);
    await screenshot(page, `${o.screenshotName}-pad-drawn`, { element: 'mlp-trainer >>> mlp-offline-demo >>> mlp-digit-pad' });

    // A test digit from the keyboard: the test files are fetched only now; the pad shows exactly its pixels
    // (upscaled) and the prediction is the one Node's forward pass gives for that image.
    expect(requested((path) => path.includes('t10k'))).toBe(false);
    await page.locator(`${PAD} >>> #test-index`).fill(String(probe.index));
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (index) => ((window as unknown as { predictions: PadPrediction[] }).predictions.at(-1)?.index ?? -1) === index,
      { polling: 100, timeout: 60_000 },
      probe.index,
    );
    expect(requested((path) => path.endsWith('t10k-images-idx3-ubyte.gz'))).toBe(true);
    // A page that cannot train never downloads the training set.
    expect(requested((path) => path.includes('train-images'))).toBe(false);
    const fromTest = await page.evaluate(() => (window as unknown as { predictions: PadPrediction[] }).predictions.at(-1));
    expect(fromTest).toMatchObject({ source: 'test-image', index: probe.index, label: probe.label, prediction: probe.prediction });
    expect((await bars(page)).prediction).toBe(String(probe.prediction));
    expect(await demoText(page, '#pad-prediction', true)).toBe(
      `Prediction: ${probe.prediction}. Test image ${probe.index}, true label ${probe.label}: ${probe.prediction === probe.label ? 'correct' : 'wrong'}.`,
    );
    const shown = await page.$eval(`${PAD} >>> #draw-pad`, (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const rgba = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const cell = c.width / 28;
      return Array.from({ length: 28 * 28 }, (_, i) => rgba[4 * ((Math.floor(i / 28) * cell + cell / 2) * c.width + (i % 28) * cell + cell / 2)]);
    });
    expect(shown).toEqual(Array.from(probe.pixels));

    // Nothing runs off the side of the screen (a phone included).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const right = await page.$eval(`${PAD} >>> #probabilities`, (el) => el.getBoundingClientRect().right);
    expect(right).toBeLessThanOrEqual(o.viewport.width);

    await screenshot(page, o.screenshotName);
    await screenshot(page, `${o.screenshotName}-offline-demo`, { element: 'mlp-trainer' });
    expect(problems.all()).toEqual([]);
  } finally {
    await page.close();
  }
}

describe('without WebGPU', () => {
  it('no adapter (launch({ webgpu: false })): the lab says so; the trainer shows the recorded run and a CPU model to draw for', async () => {
    const chromium = await launch({ webgpu: false });
    try {
      await checkOffline(chromium.browser, {
        hide: false,
        status: /^no adapter$/,
        trainerSays: /no GPU adapter is available.*chrome:\/\/gpu/,
        labSays: /no GPU adapter is available/,
        screenshotName: 'no-webgpu',
        viewport: { width: 1280, height: 800 },
      });
    } finally {
      await chromium.close();
    }
  });

  it('no navigator.gpu, on a phone: the same, before any worker starts', async () => {
    const chromium = await launch();
    try {
      await checkOffline(chromium.browser, {
        hide: true,
        status: /^no navigator\.gpu$/,
        trainerSays: /does not offer WebGPU.*Chrome or Edge/,
        labSays: /does not offer WebGPU/,
        screenshotName: 'no-webgpu-phone',
        viewport: { width: 390, height: 844 },
      });
    } finally {
      await chromium.close();
    }
  });

  it('a number that is no test image, and test digits that cannot be fetched: the pad says so, and drawing still works', async () => {
    const chromium = await launch();
    const page = await chromium.browser.newPage();
    try {
      await page.setViewport({ width: 1280, height: 800 });
      const problems = collectProblems(page);
      await hideNavigatorGpu(page);
      await page.goto(new URL('index.html', server.url).href, { waitUntil: 'load' });
      await waitInDemo(page, '#draw-pad[aria-disabled="false"]', { pad: true });
      // First a number that is not a test image: the field is marked and the message says what is allowed.
      await page.locator(`${PAD} >>> #test-index`).fill('10000');
      await page.keyboard.press('Enter');
      await waitInDemo(page, '#test-index[aria-invalid="true"]', { pad: true });
      expect(await demoText(page, '#test-status', true)).toBe('Test image must be a whole number from 0 to 9999, not "10000".');

      await page.$eval('mlp-trainer', (trainer) => trainer.setAttribute('data-url', 'missing/'));
      await page.locator(`${PAD} >>> #test-index`).fill('3');
      await page.keyboard.press('Enter');
      await waitInDemo(page, '#test-status.error', { pad: true });
      expect(await page.$eval(`${PAD} >>> #test-index`, (input) => input.getAttribute('aria-invalid'))).toBe('false');
      expect(await demoText(page, '#test-status', true)).toMatch(/^Could not load test image 3: .*missing\/t10k-(images-idx3|labels-idx1)-ubyte.*\. Drawing still works\.$/);
      expect(await page.$eval(`${PAD} >>> #probabilities`, (ol) => ol.hasAttribute('data-prediction'))).toBe(false);
      await drawSeven(page);
      await waitInDemo(page, '#probabilities[data-prediction]', { pad: true });
      await screenshot(page, 'no-webgpu-test-digits-missing', { element: 'mlp-trainer >>> mlp-offline-demo >>> mlp-digit-pad' });
      expect(problems.all().filter((line) => !line.includes('/missing/') && !line.includes('404'))).toEqual([]);
    } finally {
      await page.close();
      await chromium.close();
    }
  });

  it('the library (docs/embed.html, lib/): the same offline view, its weights and record fetched from beside the library\'s code', async () => {
    const chromium = await launch();
    const page = await chromium.browser.newPage();
    try {
      await page.setViewport({ width: 1280, height: 800 });
      const problems = collectProblems(page);
      const firstRequest = server.requests.length;
      await hideNavigatorGpu(page);
      await page.goto(new URL('docs/embed.html', server.url).href, { waitUntil: 'load' });
      await waitInDemo(page, '#recorded-accuracy');
      expect(await demoText(page, '#recorded-accuracy')).toBe(`${(record.test_accuracy * 100).toFixed(2)}%`);
      await waitInDemo(page, '#draw-pad[aria-disabled="false"]', { pad: true });
      await page.locator(`${PAD} >>> #test-index`).fill(String(probe.index));
      await page.keyboard.press('Enter');
      await waitInDemo(page, `#probabilities[data-prediction="${probe.prediction}"]`, { pad: true });
      expect(await demoText(page, '#pad-prediction', true)).toContain(`Test image ${probe.index}, true label ${probe.label}`);
      // Files, not base64 inside the code: the weights beside lib/'s modules, the test digits from data-url.
      const requests = server.requests.slice(firstRequest);
      expect(requests.filter((path) => /^\/lib\/.*lesson-weights.*\.safetensors$/.test(path))).toHaveLength(1);
      expect(requests).toContain('/lib/mnist/t10k-images-idx3-ubyte.gz');
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
      await chromium.close();
    }
  });
});
