/**
 * The page a person meets, in a real Chromium on software WebGPU, judged at 1280x800 and at 390x844:
 * - before any scrolling, the title, Start, the progress line, the live loss chart and the drawing pad are in
 *   view, and the first run is the Quick preset (its duration here is printed); the progress stays in view
 *   (sticky) while the page scrolls during a run;
 * - a bad setting is answered next to its field, inside the viewport, with the field focused (in the bar and
 *   behind "More settings");
 * - earlier runs stay on the charts, labelled by what differed, until cleared; a learning-rate change is
 *   marked on the loss curve and recorded in the link;
 * - on a phone nothing is wider than the window unless it scrolls with a cue, and the headings of the whole
 *   page go down one level at a time.
 * Screenshots before and during a run at both sizes go to results/screenshots/page-*.png.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './browser.ts';
import { DESKTOP, PHONE, clickButton, fillSetting, fillTinyRun, openPage, progressStep, screenshot, shadowAttribute, shadowText, trainerState, useSite, waitForShadow, waitForState, waitForStep } from './pages.ts';

const site = useSite();

/** Where an element (a puppeteer selector, `>>>` for shadow roots) sits against the window. */
async function placement(page: Page, selector: string): Promise<{ inView: boolean; top: number; bottom: number }> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return { inView: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.width > 0 && r.height > 0, top: r.top, bottom: r.bottom };
  });
}

/** The id of the element focused inside <mlp-trainer>'s shadow root. */
function focusedSetting(page: Page): Promise<string | null> {
  return page.evaluate(() => document.querySelector('mlp-trainer')?.shadowRoot?.activeElement?.id ?? null);
}

describe('at 1280x800', () => {
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    ({ page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href, DESKTOP));
    await waitForState(page, 'idle', 150_000);
  });

  afterAll(async () => {
    await page?.close();
  });

  it('shows the title, Start, the progress line, the loss chart and the pad before any scrolling, with Quick as the first run', async () => {
    expect(await page.evaluate(() => scrollY)).toBe(0);
    for (const selector of ['h1', 'mlp-trainer >>> #start', 'mlp-trainer >>> #progress-text', 'mlp-trainer >>> #loss-chart', 'mlp-trainer >>> #draw-pad']) {
      expect({ selector, ...(await placement(page, selector)) }).toMatchObject({ selector, inView: true });
    }
    expect(await page.$eval('mlp-trainer >>> #recipe', (el) => (el as HTMLSelectElement).value)).toBe('quick');
    expect(await page.$eval('mlp-trainer >>> #epochs', (el) => (el as HTMLInputElement).value)).toBe('2');
    await screenshot(page, 'page-1280-before', { viewport: true });

    // A person reads the page for a few seconds before pressing Start; meanwhile the engine compiles its kernels.
    await new Promise((done) => setTimeout(done, 5000));
    const started = Date.now();
    await clickButton(page, 'start');
    await waitForState(page, 'running', 30_000);
    await waitForStep(page, 60, 60_000);
    await screenshot(page, 'page-1280-running', { viewport: true });
    // Scrolled down to the evaluation, the progress line is still in view.
    await page.evaluate(() => window.scrollTo(0, 900));
    expect(await placement(page, 'mlp-trainer >>> #progress-text')).toMatchObject({ inView: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await waitForState(page, 'finished', 150_000);
    console.log(`Quick preset (200 steps and 2 evaluations of 10,000 test images): ${((Date.now() - started) / 1000).toFixed(1)} s from Start to finished`);
    expect(await progressStep(page)).toBe(200);
    expect(Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'))).toBeGreaterThan(0.85);
    await screenshot(page, 'page-1280-finished', { viewport: true });
    expect(problems.all()).toEqual([]);
  });

  it('answers a bad learning rate next to the field, in view, with the field focused', async () => {
    await fillSetting(page, 'lr', 'abc');
    await page.keyboard.press('Enter');
    const message = await waitForShadow(page, '#lr-error', { timeout: 10_000 });
    expect(message).toMatch(/^Learning rate: a number above 0 and at most 10\./);
    expect(message).toContain('You typed "abc".');
    expect(await placement(page, 'mlp-trainer >>> #lr-error')).toMatchObject({ inView: true });
    expect(await focusedSetting(page)).toBe('lr');
    expect(await shadowAttribute(page, '#lr', 'aria-invalid')).toBe('true');
    expect(await shadowAttribute(page, '#lr', 'aria-describedby')).toContain('lr-error');
    expect(await shadowText(page, '#error')).toBeNull();
    await screenshot(page, 'bad-learning-rate', { viewport: true });

    await fillSetting(page, 'lr', '0.001');
    expect(await shadowText(page, '#lr-error')).toBeNull();
    expect(await shadowAttribute(page, '#lr', 'aria-invalid')).toBe('false');
  });

  it('answers training images below the batch size by that field, opening "More settings" to show it', async () => {
    await page.evaluate(() => document.querySelector('mlp-trainer')!.shadowRoot!.querySelector('details.more')!.removeAttribute('open'));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.$eval('mlp-trainer', (el) => {
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('#train-limit')!;
      input.value = '50';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await clickButton(page, 'start');
    const message = await waitForShadow(page, '#train-limit-error', { timeout: 10_000 });
    expect(message).toMatch(/^Training images: at least the batch size \(100\), or 0 for all 60,000\./);
    expect(await page.$eval('mlp-trainer >>> details.more', (el) => (el as HTMLDetailsElement).open)).toBe(true);
    expect(await placement(page, 'mlp-trainer >>> #train-limit-error')).toMatchObject({ inView: true });
    expect(await focusedSetting(page)).toBe('train-limit');
    expect(await trainerState(page)).toBe('finished');
    await fillSetting(page, 'train-limit', '10000');
    expect(await shadowText(page, '#train-limit-error')).toBeNull();
  });

  it('keeps the first run on the charts, labelled by what differed; marks a learning-rate change and puts it in the link', async () => {
    await fillTinyRun(page, { trainLimit: 1000, epochs: 20, evalEachEpoch: false });
    await fillSetting(page, 'init', 'normal:0,0.01');
    await clickButton(page, 'start');
    await waitForState(page, 'running', 30_000);
    await waitForStep(page, 10, 60_000);
    await fillSetting(page, 'lr', '0.01');
    await page.keyboard.press('Enter');
    const marked = await page.waitForFunction(() => /Marked: lr 0\.01 at step (\d+)/.exec(document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('#loss-summary')?.textContent ?? '')?.[1], { polling: 100, timeout: 30_000 });
    const changeStep = Number(await marked.jsonValue());
    expect(changeStep).toBeGreaterThan(10);
    expect(await page.evaluate(() => location.hash)).toContain(`lr-changes=${changeStep}:0.01`);
    expect(await page.evaluate(() => location.hash)).toContain('lr=0.001');
    await clickButton(page, 'stop');
    await waitForState(page, 'stopped', 10_000);

    expect(await shadowAttribute(page, '#loss-summary', 'data-runs')).toBe('2');
    const legend = await page.$$eval('mlp-trainer >>> #loss-chart >>> .u-legend .u-series .u-label', (labels) => labels.map((l) => l.textContent));
    expect(legend).toContain('Run 1: init xavier-uniform, 2 epochs, 10,000 images');
    expect(legend).toContain('Run 2 (now)');
    // With nothing hovered, the legend shows each run's latest loss, not a dash.
    const values = await page.$$eval('mlp-trainer >>> #loss-chart >>> .u-legend .u-series .u-value', (cells) => cells.map((c) => c.textContent));
    expect(values.slice(1).every((v) => /^\d+\.\d{4}$/.test(v ?? ''))).toBe(true);
    await screenshot(page, 'page-1280-compare', { viewport: true });

    await clickButton(page, 'clear-runs');
    expect(await shadowAttribute(page, '#loss-summary', 'data-runs')).toBe('1');
    expect(problems.all()).toEqual([]);
  });
});

describe('at 390x844 (a phone)', () => {
  it('fits the window: nothing is wider unless it scrolls with a cue; screenshots before and during a run', async () => {
    const { page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href, PHONE);
    try {
      await waitForState(page, 'idle', 150_000);
      await screenshot(page, 'page-390-before', { viewport: true });
      await fillTinyRun(page, { trainLimit: 500, epochs: 1, evalEachEpoch: true });
      await clickButton(page, 'start');
      await waitForStep(page, 2, 60_000);
      await screenshot(page, 'page-390-running', { viewport: true });
      await waitForState(page, 'finished', 150_000);
      await screenshot(page, 'page-390-finished');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      // The confusion matrix is wider than a phone: it scrolls inside its card, and says so.
      const scroller = await page.$eval('mlp-trainer >>> #confusion-scroll', (el) => ({
        overflowing: el.hasAttribute('overflowing'),
        hint: getComputedStyle(el.shadowRoot!.querySelector('#hint')!).display,
        focusable: el.shadowRoot!.querySelector('[tabindex="0"]') !== null,
      }));
      expect(scroller).toEqual({ overflowing: true, hint: 'block', focusable: true });
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the whole page', () => {
  it('has headings that go down one level at a time, inside the elements too', async () => {
    const { page } = await openPage(site.browser, new URL('index.html', site.server.url).href);
    try {
      await waitForState(page, 'idle', 150_000);
      const levels = await page.evaluate(() => {
        const found: number[] = [];
        const walk = (root: ParentNode) => {
          for (const el of root.querySelectorAll('*')) {
            if (/^H[1-6]$/.test(el.tagName)) found.push(Number(el.tagName[1]));
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(document);
        return found;
      });
      expect(levels[0]).toBe(1);
      levels.forEach((level, i) => {
        if (i > 0) expect(level - levels[i - 1], `heading ${i}: h${levels[i - 1]} then h${level}`).toBeLessThanOrEqual(1);
      });
    } finally {
      await page.close();
    }
  });
});
