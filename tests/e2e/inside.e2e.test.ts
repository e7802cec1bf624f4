/**
 * <mlp-trainer>'s "Inside the network" panel in a real Chromium on software WebGPU, after a short run
 * (2 epochs of 10 steps on 1,000 images, 784-256-256-10):
 * - before a run it says that the measurements begin with one;
 * - after it, each chart has one line per layer (dead units: per hidden layer) over the steps the engine
 *   measured, within the run's steps; each layer has one histogram of activations and one of dLoss/dz, with
 *   bars and the range written under them; the readings are sentences, with no NaN in them;
 * - at 390x844 (a phone) nothing in the panel is wider than the window.
 * Screenshots of the panel go to results/screenshots/inside-1280.png and inside-390.png.
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, clickButton, fillTinyRun, openPage, progressStep, screenshot, shadowAttribute, shadowText, useSite, waitForShadow, waitForState } from './pages.ts';

const site = useSite();

const LINE_CHARTS = ['#inside-activations', '#inside-gradients', '#inside-updates', '#inside-dead'];

/**
 * A screenshot of the whole panel, in a window as tall as the page: scrolled to, the panel would sit under
 * the status strip that sticks to the top of the window.
 */
async function panelScreenshot(page: Page, name: string, viewport: typeof DESKTOP | typeof PHONE): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewport({ ...viewport, height });
  await screenshot(page, name, { element: 'mlp-trainer >>> #inside' });
  await page.setViewport(viewport);
}

/** Opens the page at `viewport`, trains the short run to its end and waits for the panel to have measurements. */
async function shortRun(viewport: typeof DESKTOP | typeof PHONE): Promise<Awaited<ReturnType<typeof openPage>>> {
  const opened = await openPage(site.browser, new URL('index.html', site.server.url).href, viewport);
  const { page } = opened;
  await waitForState(page, 'idle', 150_000);
  expect(await shadowText(page, '#inside-empty')).toMatch(/^No measurements yet/);
  await fillTinyRun(page, { trainLimit: 1000, epochs: 2, evalEachEpoch: false });
  await clickButton(page, 'start');
  await waitForState(page, 'finished', 150_000);
  await waitForShadow(page, '#inside', { attribute: 'data-last-step' });
  return opened;
}

/** Each line chart's series: label and the first and last x of its points. */
function chartLines(page: Page, id: string): Promise<Array<{ label: string; first: number; last: number; count: number }>> {
  return page.$eval(`mlp-trainer >>> ${id}`, (el) =>
    (el as HTMLElement & { series: Array<{ label: string; points: Array<[number, number | null]> }> }).series.map((s) => ({
      label: s.label,
      first: s.points[0][0],
      last: s.points[s.points.length - 1][0],
      count: s.points.length,
    })),
  );
}

describe('at 1280x800', () => {
  it("draws each layer's lines over the run's measured steps, a histogram per layer and kind, and readings", async () => {
    const { page, problems } = await shortRun(DESKTOP);
    try {
      const lastStep = await progressStep(page);
      expect(lastStep).toBe(20);
      const first = Number(await shadowAttribute(page, '#inside', 'data-first-step'));
      const last = Number(await shadowAttribute(page, '#inside', 'data-last-step'));
      const samples = Number(await shadowAttribute(page, '#inside', 'data-samples'));
      expect(await shadowAttribute(page, '#inside', 'data-layers')).toBe('3');
      expect(first).toBeGreaterThanOrEqual(1);
      expect(last).toBeGreaterThan(first);
      expect(last).toBeLessThanOrEqual(lastStep);
      expect(samples).toBeGreaterThanOrEqual(2);

      for (const id of LINE_CHARTS) {
        const lines = await chartLines(page, id);
        const labels = id === '#inside-dead' ? ['layer 1', 'layer 2'] : ['layer 1', 'layer 2', 'layer 3 (output)'];
        expect({ id, labels: lines.map((l) => l.label) }).toEqual({ id, labels });
        for (const line of lines) expect({ id, ...line }).toEqual({ id, label: line.label, first, last, count: samples });
        // uPlot drew them: the legend names every layer.
        const legend = await page.$$eval(`mlp-trainer >>> ${id} >>> .u-legend .u-series .u-label`, (cells) => cells.map((c) => c.textContent));
        expect(legend).toEqual(expect.arrayContaining(labels));
      }

      const histograms = await page.$$eval('mlp-trainer >>> #inside-histograms mlp-histogram', (els) =>
        els.map((el) => ({
          layer: el.getAttribute('data-layer'),
          kind: el.getAttribute('data-kind'),
          bars: el.shadowRoot!.querySelectorAll('rect').length,
          min: el.shadowRoot!.querySelector('.min')?.textContent ?? '',
          max: el.shadowRoot!.querySelector('.max')?.textContent ?? '',
          name: el.getAttribute('aria-label') ?? '',
        })),
      );
      expect(histograms.map((h) => `${h.layer} ${h.kind}`).sort()).toEqual(['1 activations', '1 gradients', '2 activations', '2 gradients', '3 activations', '3 gradients']);
      for (const h of histograms) {
        expect(h.bars, `layer ${h.layer} ${h.kind}`).toBeGreaterThan(0);
        expect(h.min, `layer ${h.layer} ${h.kind}`).toMatch(/\d/);
        expect(h.name).toMatch(/histogram of \d+ values from /);
      }
      // ReLU outputs are never negative: the hidden layers' activations start at 0.
      expect(histograms.filter((h) => h.kind === 'activations' && h.layer !== '3').map((h) => h.min)).toEqual(['0', '0']);

      const readings = await page.$$eval('mlp-trainer >>> #inside-readings li', (items) => items.map((li) => li.textContent?.trim() ?? ''));
      expect(readings.length).toBeGreaterThan(0);
      for (const text of readings) expect(text).toMatch(/^[A-Z].*\.$/);
      expect(readings.join(' ')).not.toMatch(/NaN|undefined|Infinity/);
      console.log(`Inside the network after the short run:\n  ${readings.join('\n  ')}`);

      await panelScreenshot(page, 'inside-1280', DESKTOP);
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('at 390x844 (a phone)', () => {
  it('keeps everything in the panel within the window', async () => {
    const { page, problems } = await shortRun(PHONE);
    try {
      const overflowing = await page.$eval('mlp-trainer >>> #inside', (panel) => {
        const wide: string[] = [];
        const walk = (root: Element | ShadowRoot) => {
          for (const el of root.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5)) wide.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(panel);
        return wide;
      });
      expect(overflowing).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      // Small multiples wrap: one layer a row, its two histograms side by side.
      const lefts = await page.$$eval('mlp-trainer >>> #inside-histograms > figure', (figs) => figs.map((f) => Math.round(f.getBoundingClientRect().left)));
      expect(new Set(lefts).size).toBe(1);
      await panelScreenshot(page, 'inside-390', PHONE);
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
