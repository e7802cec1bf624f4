/**
 * The page with a model of more outputs than classes, as the lesson's deep cell trains (512 logits for
 * MNIST's 10 labels): the lesson-deep preset is offered and fills its widths; a tiny stand-in (784-32-16,
 * 300 images, 1 epoch) trains, and the confusion matrix shows 10 rows of 10 classes plus an "other" column
 * (predictions of outputs 10..15) whose counts add up to the 10,000 test images; the pad shows a bar per class
 * and one "other" bar.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './browser.ts';
import { clickButton, fillSetting, fillTinyRun, openPage, screenshot, shadowAttribute, useSite, waitForShadow, waitForState } from './pages.ts';

const site = useSite();
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  ({ page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href));
  await waitForState(page, 'idle', 150_000);
});

afterAll(async () => {
  await page?.close();
});

describe('a model with more outputs than classes on the page', () => {
  it('offers the lesson-deep preset, which fills the widths the lesson\'s deep cell trains', async () => {
    const options = await page.$$eval('mlp-trainer >>> #recipe option', (items) => items.map((o) => [(o as HTMLOptionElement).value, o.textContent?.trim()]));
    expect(options).toContainEqual(['lesson-deep', 'Lesson\'s deep cell: 784-512×3, 15 epochs']);
    await page.select('mlp-trainer >>> #recipe', 'lesson-deep');
    const layers = () => page.$eval('mlp-trainer >>> #layers', (input) => (input as HTMLInputElement).value);
    const deadline = Date.now() + 10_000;
    while ((await layers()) !== '784,512,512,512' && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    expect(await layers()).toBe('784,512,512,512');
  });

  it('trains 784-32-16 and shows the confusion matrix with an "other" column and the pad with an "other" bar', async () => {
    await fillSetting(page, 'layers', '784,32,16');
    await fillTinyRun(page, { trainLimit: 300, epochs: 1, evalEachEpoch: true });
    await clickButton(page, 'start');
    await waitForState(page, 'finished', 150_000);

    const total = Number(await shadowAttribute(page, '#confusion', 'data-total'));
    const correct = Number(await shadowAttribute(page, '#confusion', 'data-correct'));
    expect(total).toBe(10000);
    expect(await waitForShadow(page, '#other-outputs')).toBe('other');
    const rows = await page.$$eval('mlp-trainer >>> #confusion >>> tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => Number(td.textContent))));
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(row).toHaveLength(11);
    expect(rows.flat().reduce((a, b) => a + b, 0)).toBe(total);
    expect(rows.reduce((sum, row, r) => sum + row[r], 0)).toBe(correct);

    // A misclassified digit predicted as an output past the classes says "other", as the matrix does.
    const arrows = await page.$$eval('mlp-trainer >>> #misclassified li span', (spans) => spans.map((span) => span.textContent?.trim() ?? ''));
    expect(arrows.every((text) => /^\d → (\d|other)$/.test(text)), arrows.join(', ')).toBe(true);
    await page.locator('mlp-trainer >>> #test-index').fill('0');
    await clickButton(page, 'load-test');
    await waitForShadow(page, '#probabilities', { attribute: 'data-prediction', timeout: 30_000 });
    const bars = await page.$$eval('mlp-trainer >>> #probabilities li', (items) => items.map((li) => [li.querySelector('.digit')?.textContent, Number.parseFloat(li.querySelector('.value')?.textContent ?? '')] as const));
    expect(bars.map(([label]) => label)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'other']);
    expect(bars.map(([, p]) => p).reduce((a, b) => a + b, 0)).toBeCloseTo(100, -1);
    // For a person to look at: the evaluation and the pad, at the desktop size and at a phone's width.
    for (const [width, height] of [[1280, 800], [390, 844]]) {
      await page.setViewport({ width, height });
      await screenshot(page, `outputs-evaluation-${width}`, { element: 'mlp-trainer >>> section[part="evaluation"]' });
      await screenshot(page, `outputs-pad-${width}`, { element: 'mlp-trainer >>> section[part="pad"]' });
    }
    expect(problems.all()).toEqual([]);
  });
});
