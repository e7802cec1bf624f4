/**
 * The benchmark page a visitor opens (bench/index.html of the built site): it shows the adapter on load with
 * its defaults set (our engine and TF.js WebGPU, 60 steps); run through its controls with our engine alone
 * for 3 steps on 500 images, it shows one figures row, the matmul variant our engine chose for each product,
 * and the run as JSON that parses with its fields, which Copy JSON copies as shown. An address with an option
 * it does not know says so and keeps that option's default. An engine whose job fails (here: its code does
 * not load) is said to have failed, in its progress line and in the results, and the next engine still runs.
 * A browser without WebGPU gets a sentence saying so, and only the wasm engine left to choose.
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/common.ts';
import { MATMUL_VARIANTS } from '../../src/gpu/matmul.ts';
import { launch } from './browser.ts';
import { openPage, shadowText, useSite } from './pages.ts';

const site = useSite();
const HOST = 'bench-page';
const benchUrl = (query = ''): string => new URL(`bench/index.html${query}`, site.server.url).href;

async function waitForPageState(page: Page, state: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction((state) => document.querySelector('bench-page')?.getAttribute('state') === state, { polling: 200, timeout }, state);
  } catch (error) {
    const progress = await shadowText(page, '#progress', HOST);
    throw new Error(`the bench page did not reach ${state} within ${timeout} ms: it is ${await page.$eval(HOST, (el) => el.getAttribute('state'))}; progress: ${progress}`, { cause: error });
  }
}

const checked = (page: Page, id: string): Promise<boolean> => page.$eval(`${HOST} >>> #${id}`, (el) => (el as HTMLInputElement).checked);
const disabled = (page: Page, id: string): Promise<boolean> => page.$eval(`${HOST} >>> #${id}`, (el) => (el as HTMLInputElement).disabled);
const cells = (page: Page, table: string): Promise<string[][]> =>
  page.$$eval(`${HOST} >>> #${table} tbody tr`, (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent?.trim() ?? '')));

describe('the bench page', () => {
  it('shows the adapter, runs our engine through its controls, and shows the figures, the matmul choices and the JSON', async () => {
    const { page, problems } = await openPage(site.browser, benchUrl());
    await site.browser.defaultBrowserContext().overridePermissions(new URL(site.server.url).origin, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    await waitForPageState(page, 'ready', 60_000);
    const vendor = await shadowText(page, '#vendor', HOST);
    expect(vendor).toBeTruthy();
    // SwiftShader here: the page must say the timings come from a CPU.
    expect(await shadowText(page, '#software', HOST)).toMatch(/^yes: /);
    expect([await checked(page, 'engine-ours'), await checked(page, 'engine-tfjs-webgpu'), await checked(page, 'engine-tfjs-wasm')]).toEqual([true, true, false]);
    expect(await page.$eval(`${HOST} >>> #count`, (el) => (el as HTMLInputElement).value)).toBe('60');

    await page.locator(`${HOST} >>> #engine-tfjs-webgpu`).click();
    await page.locator(`${HOST} >>> #count`).fill('3');
    await page.locator(`${HOST} >>> #train-limit`).fill('500');
    await page.locator(`${HOST} >>> #run`).click();
    await waitForPageState(page, 'done', 150_000);

    const rows = await cells(page, 'train-table');
    expect(rows.map((r) => r[0])).toEqual(['ours']);
    expect(Number(rows[0][1])).toBeGreaterThan(0);
    const choices = await cells(page, 'matmul-table');
    // mlp: three products per layer but the first (no input gradient), and the evaluation's forward per layer.
    expect(choices.length).toBeGreaterThanOrEqual(8);
    for (const [label, variant, source, shape] of choices) {
      expect(label).toMatch(/^layer \d/);
      expect(shape).toMatch(/^\d+x\d+x\d+/);
      expect(MATMUL_VARIANTS).toContain(variant);
      expect(['measured', 'cached', 'single', 'budget']).toContain(source);
    }

    const json = await shadowText(page, '#json', HOST);
    const report = JSON.parse(json!) as BenchReport;
    expect(report.options).toMatchObject({ engines: ['ours'], unit: 'steps', count: 3, trainLimit: 500, matmul: 'auto' });
    expect(report.adapter).toMatchObject({ vendor, software: true });
    expect(report.userAgent).toMatch(/Chrome\//);
    expect(report.errors).toEqual({});
    expect(Object.keys(report.results)).toEqual(['ours']);
    const ours = report.results.ours!;
    expect(ours).toMatchObject({ engine: 'ours', steps: 3, trainCount: 500, initialWeightsChecked: true });
    expect(ours.testAccuracy).toBeGreaterThan(0.3);
    expect(ours.matmul?.mode).toBe('auto');
    expect(ours.matmul?.entries.map((e) => [e.label, e.variant, e.source, e.shape])).toEqual(choices.map((c) => c.slice(0, 4)));
    expect(ours.matmul?.entries.every((e) => e.source !== 'measured' || MATMUL_VARIANTS.every((v) => (e.ms?.[v] ?? 0) > 0))).toBe(true);

    await page.locator(`${HOST} >>> #copy`).click();
    await page.waitForFunction(() => document.querySelector('bench-page')?.shadowRoot?.querySelector('#copy-note')?.textContent?.trim(), { timeout: 10_000 });
    expect(await shadowText(page, '#copy-note', HOST)).toBe('Copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(json);
    expect(problems.all()).toEqual([]);
    await page.close();
  });

  it('says which options in its address it did not take, and keeps their defaults', async () => {
    const { page, problems } = await openPage(site.browser, benchUrl('?engines=ours,cuda&steps=7&matmul=fastest'));
    await waitForPageState(page, 'ready', 60_000);
    const notice = await shadowText(page, '#address-problems', HOST);
    expect(notice).toMatch(/unknown engine "cuda"/);
    expect(notice).toMatch(/unknown matmul choice "fastest"/);
    expect(await page.$eval(`${HOST} >>> #count`, (el) => (el as HTMLInputElement).value)).toBe('7');
    expect(await page.$eval(`${HOST} >>> #matmul`, (el) => (el as HTMLSelectElement).value)).toBe('auto');
    expect(await checked(page, 'engine-tfjs-webgpu')).toBe(true);
    expect(problems.all()).toEqual([]);
    await page.close();
  });

  it('says in place that an engine failed, and still runs the next', async () => {
    const page = await site.browser.newPage();
    // Our engine's job cannot load its code (as on a flaky network); the TF.js wasm job can.
    await page.setRequestInterception(true);
    page.on('request', (request) => void (/\/assets\/ours-[^/]*\.js$/.test(request.url()) ? request.abort() : request.continue()));
    await page.goto(benchUrl('?engines=ours,tfjs-wasm&steps=2&train-limit=500'), { waitUntil: 'load' });
    await waitForPageState(page, 'ready', 60_000);
    await page.locator(`${HOST} >>> #run`).click();
    await waitForPageState(page, 'done', 120_000);
    expect(await shadowText(page, '#progress li[data-engine="ours"] .failed', HOST)).toMatch(/^failed: .*\/assets\/ours-/);
    expect(await shadowText(page, '.run-error[data-engine="ours"]', HOST)).toMatch(/^Our engine \(WebGPU\) failed: .*\/assets\/ours-/);
    expect((await cells(page, 'train-table')).map((r) => r[0])).toEqual(['tfjs-wasm']);
    const report = JSON.parse((await shadowText(page, '#json', HOST))!) as BenchReport;
    expect(report.errors.ours).toMatch(/\/assets\/ours-/);
    expect(Object.keys(report.results)).toEqual(['tfjs-wasm']);
    await page.close();
  });

  it('without WebGPU says so, and leaves TF.js wasm to run', async () => {
    const noGpu = await launch({ webgpu: false });
    try {
      const { page } = await openPage(noGpu.browser, benchUrl());
      await waitForPageState(page, 'ready', 60_000);
      expect(await shadowText(page, '#adapter-error', HOST)).toMatch(/^No WebGPU here: .*TF\.js wasm still can\.$/);
      expect([await disabled(page, 'engine-ours'), await disabled(page, 'engine-tfjs-webgpu'), await disabled(page, 'engine-tfjs-wasm')]).toEqual([true, true, false]);
      expect([await checked(page, 'engine-ours'), await checked(page, 'engine-tfjs-wasm')]).toEqual([false, true]);
      expect(await disabled(page, 'run')).toBe(false);
    } finally {
      await noGpu.close();
    }
  });
});
