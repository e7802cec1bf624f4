/**
 * The lesson, stark, as <init-lab> shows it with its defaults (20 hidden ReLU layers of 256, the probe's
 * four initializers, SGD with momentum): the probe's verdicts and theory beside the measurement, then the
 * stack trained from each initializer with live diagnostics. From the numbers the page reports: He ends
 * with a lower loss than Xavier, Xavier lower than N(0, 0.01), and N(0, 0.01) stays within 2 points of
 * chance. Prints the figures; screenshots results/screenshots/lab-stack-1280.png and lab-stack-390.png.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './browser.ts';
import { openPage, screenshot, useSite } from './pages.ts';

const site = useSite();
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  ({ page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href));
  await page.setViewport({ width: 1280, height: 800 });
  await page.waitForFunction(() => document.querySelector('init-lab')?.shadowRoot?.querySelector('#engine-status')?.textContent?.startsWith('Ready'), {
    polling: 200,
    timeout: 150_000,
  });
});

afterAll(async () => {
  await page?.close();
});

interface Verdict {
  init: string;
  kind: string;
  factor: number;
  predicted: number;
}

interface StackResult {
  init: string;
  steps: number;
  loss: number;
  accuracy: number | null;
  diverged: boolean;
}

describe('<init-lab> makes the lesson stark', () => {
  it('the probe judges each initializer from its numbers, beside what theory predicts', async () => {
    await page.locator('init-lab >>> #probe-run').click();
    await page.waitForFunction(() => document.querySelector('init-lab')?.shadowRoot?.querySelector('#probe-results[data-verdicts]'), { polling: 200, timeout: 120_000 });
    const verdicts = JSON.parse((await page.$eval('init-lab >>> #probe-results', (el) => el.getAttribute('data-verdicts')))!) as Verdict[];
    const by = new Map(verdicts.map((v) => [v.init, v]));
    console.log(verdicts.map((v) => `${v.init}: ${v.kind} x${v.factor.toPrecision(3)} per layer (theory x${v.predicted.toPrecision(3)})`).join('; '));
    expect(by.get('he-normal')?.kind).toBe('steady');
    expect(by.get('xavier-uniform')?.kind).toBe('vanishes');
    expect(by.get('normal:0,0.01')?.kind).toBe('vanishes');
    expect(by.get('normal:0,1')?.kind).toBe('explodes');
    // Measured and predicted agree within 10% per layer.
    for (const v of verdicts) expect(Math.abs(v.factor / v.predicted - 1), v.init).toBeLessThan(0.1);
    const takeaway = await page.$eval('init-lab >>> #probe-takeaway', (el) => el.textContent?.replace(/\s+/g, ' ').trim());
    expect(takeaway).toMatch(/^He normal keeps the signal's spread through all 20 layers; .*Xavier uniform shrinks it ×0\.\d+ per layer \(theory ×0\.707\)/);
  });

  it('trained with the defaults, He beats Xavier, Xavier beats N(0, 0.01), and N(0, 0.01) stays at chance', async () => {
    // Minutes on a software adapter: polled from here (a waitForFunction is one protocol call, which times out after 180 s).
    const status = () => page.$eval('init-lab >>> #stack-summary', (el) => el.getAttribute('data-status'));
    const started = performance.now();
    await page.locator('init-lab >>> #stack-start').click();
    // Live diagnostics: the per-layer charts fill while the runs train (N(0, 1) leaves them when it diverges).
    await page.waitForFunction(() => ((document.querySelector('init-lab')?.shadowRoot?.querySelector('#stack-gradient-chart') as unknown as { series: unknown[] } | null)?.series.length ?? 0) >= 3, { polling: 500, timeout: 300_000 });
    for (let waited = 0; ['running', 'stopping'].includes((await status()) ?? '') && waited < 840; waited++) await new Promise((done) => setTimeout(done, 1000));
    expect(await status()).toBe('finished');
    const seconds = (performance.now() - started) / 1000;
    const results = JSON.parse((await page.$eval('init-lab >>> #stack-summary', (el) => el.getAttribute('data-results')))!) as StackResult[];
    const by = new Map(results.map((r) => [r.init, r]));
    console.log(`trained in ${seconds.toFixed(0)} s: ` + results.map((r) => (r.diverged ? `${r.init} diverged` : `${r.init} loss ${r.loss.toFixed(4)}, accuracy ${((r.accuracy ?? NaN) * 100).toFixed(2)}%, ${r.steps} steps`)).join('; '));
    const [he, xavier, small] = [by.get('he-normal')!, by.get('xavier-uniform')!, by.get('normal:0,0.01')!];
    expect(he.loss).toBeLessThan(xavier.loss);
    expect(xavier.loss).toBeLessThan(small.loss);
    expect(Math.abs(small.accuracy! - 0.1)).toBeLessThanOrEqual(0.02);
    expect(by.get('normal:0,1')?.diverged).toBe(true);
    const charted = await page.$eval('init-lab >>> #stack-gradient-chart', (el) => (el as unknown as { series: Array<{ label: string }> }).series.map((s) => s.label));
    expect(charted).toEqual(['Xavier uniform', 'He normal', 'N(0, 0.01)']);
    expect(await page.$eval('init-lab >>> #stack-diverged', (el) => el.textContent?.trim())).toMatch(/^N\(0, 1\) diverged, so it is left out of the charts/);
    const takeaway = await page.$eval('init-lab >>> #stack-takeaway', (el) => el.textContent?.replace(/\s+/g, ' ').trim());
    expect(takeaway).toMatch(/^He normal learned most: /);
    expect(takeaway).toContain('N(0, 0.01) (');
    expect(takeaway).toMatch(/N\(0, 1\) diverged at step \d+/);
    const table = await page.$$eval('init-lab >>> #stack-table tbody tr', (rows) => rows.map((r) => Array.from(r.children, (c) => c.textContent?.trim())));
    console.log(table.map((r) => r.join(' | ')).join('\n'));
    expect(table.every((r) => !r.includes('NaN'))).toBe(true);

    await screenshot(page, 'lab-stack-1280', { element: 'init-lab' });
    await page.setViewport({ width: 390, height: 844 });
    await new Promise((done) => setTimeout(done, 500));
    await screenshot(page, 'lab-stack-390', { element: 'init-lab' });
    expect(problems.all()).toEqual([]);
  }, 900_000);
});
