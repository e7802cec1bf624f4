/**
 * Two actions in quick succession, in a real Chromium on software WebGPU: the probe pressed while the lab
 * starts, Export twice, Stop during an import, Start during an evaluation, and an import during a run. Each
 * pair is queued or refused with a sentence; after each, no page text (shadow roots included) holds a raw
 * GPU error and the page logged no error. The tests share one page and run in order.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './browser.ts';
import type { MlpTrainer } from '../../src/app/trainer/mlp-trainer.ts';
import { fillTinyRun, openPage, progressStep, useSite, waitForShadow, waitForState, waitForStep } from './pages.ts';

const site = useSite();
let page: Page;
let problems: PageProblems;

const RAW_GPU_ERROR = /GPU error|destroyed|Validation|\[Buffer|\[Texture|\[CommandBuffer/i;

/** Every piece of text the page shows, inside shadow roots too. */
function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [];
    const walk = (root: Node) => {
      for (const node of root.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
        walk(node);
        if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
      }
    };
    walk(document.body);
    return parts.join(' ');
  });
}

async function expectNoRawGpuError(): Promise<void> {
  expect((await pageText(page)).match(RAW_GPU_ERROR)).toBeNull();
  expect(problems.all()).toEqual([]);
}

beforeAll(async () => {
  ({ page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href));
  await waitForState(page, 'idle', 150_000);
});

afterAll(async () => {
  await page?.close();
});

describe('two actions at once', () => {
  it('the probe pressed right after the lab starts: both run, one after the other', async () => {
    await page.locator('init-lab >>> #lab-epochs').fill('1');
    await page.locator('init-lab >>> #lab-train-limit').fill('300');
    // A small stack: the test is about the order of the two, not about what the probe measures.
    await page.locator('init-lab >>> #probe-depth').fill('10');
    await page.locator('init-lab >>> #probe-width').fill('64');
    await page.$eval('init-lab', (lab) => {
      lab.shadowRoot!.querySelector<HTMLButtonElement>('#lab-start')!.click();
      lab.shadowRoot!.querySelector<HTMLButtonElement>('#probe-run')!.click();
    });
    await page.waitForFunction(() => document.querySelector('init-lab')?.shadowRoot?.querySelector('#probe-results')?.hasAttribute('data-results'), { polling: 200, timeout: 150_000 });
    await page.waitForFunction(() => /Finished\./.test(document.querySelector('init-lab')?.shadowRoot?.querySelector('#lab-summary')?.textContent ?? ''), { polling: 200, timeout: 150_000 });
    await expectNoRawGpuError();
  });

  it('a run, then Export twice before the first answer: both files come', async () => {
    await fillTinyRun(page, { trainLimit: 300, epochs: 1, evalEachEpoch: false });
    await page.locator('mlp-trainer >>> #start').click();
    await waitForState(page, 'finished', 150_000);
    const sizes = await page.$eval('mlp-trainer', async (el) => {
      const c = (el as MlpTrainer).controller;
      const files = await Promise.all([c.exportWeights(), c.exportWeights()]);
      return files.map((f) => f?.bytes.length ?? 0);
    });
    expect(sizes[0]).toBeGreaterThan(1_000_000);
    expect(sizes[1]).toBe(sizes[0]);
    await expectNoRawGpuError();
  });

  it('Stop during an import: the import lands, and Stop finds nothing to stop', async () => {
    const bytes = Array.from(await readFile(new URL('../../src/app/trainer/recorded/lesson-weights.safetensors', import.meta.url)));
    const outcome = await page.$eval(
      'mlp-trainer',
      async (el, bytes) => {
        const c = (el as MlpTrainer).controller;
        const imported = c.importWeights(new Uint8Array(bytes), 'lesson.safetensors');
        const stopped = c.stop();
        return { imported: (await imported)?.evaluation.correct ?? null, stopped: await stopped };
      },
      bytes,
    );
    expect(outcome.imported).toBe(9807);
    await waitForState(page, 'imported', 30_000);
    await expectNoRawGpuError();
  });

  it('Start during an evaluation: the new run replaces the one evaluating', async () => {
    await fillTinyRun(page, { trainLimit: 300, epochs: 3, evalEachEpoch: true });
    await page.locator('mlp-trainer >>> #start').click();
    await waitForState(page, 'running', 30_000);
    // The first epoch's 3 steps are done: its evaluation of 10,000 images is under way.
    await waitForStep(page, 3, 60_000);
    expect(await page.$eval('mlp-trainer', (el) => (el as MlpTrainer).start())).toBe(true);
    await waitForState(page, 'finished', 150_000);
    expect(await progressStep(page)).toBe(9);
    await expectNoRawGpuError();
  });

  it('an import during a run is refused with a sentence, and the run goes on', async () => {
    await fillTinyRun(page, { trainLimit: 1000, epochs: 20, evalEachEpoch: false });
    await page.locator('mlp-trainer >>> #start').click();
    await waitForStep(page, 2, 60_000);
    const bytes = Array.from(await readFile(new URL('../../src/app/trainer/recorded/lesson-weights.safetensors', import.meta.url)));
    const refusal = await page.$eval(
      'mlp-trainer',
      async (el, bytes) => {
        const c = (el as MlpTrainer).controller;
        const imported = await c.importWeights(new Uint8Array(bytes), 'lesson.safetensors');
        return { imported, error: c.error };
      },
      bytes,
    );
    expect(refusal.imported).toBeNull();
    expect(refusal.error).toMatch(/^Pause or stop the run before importing weights; nothing was changed\./);
    expect(await page.$eval('mlp-trainer', (el) => el.getAttribute('state'))).toBe('running');
    await page.locator('mlp-trainer >>> #stop').click();
    await waitForState(page, 'stopped', 10_000);
    await waitForShadow(page, '#progress-text');
    await expectNoRawGpuError();
  });
});
