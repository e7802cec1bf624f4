/**
 * The embedding page (docs/embed.html, served from the built folder): one script tag and one <mlp-trainer>
 * whose attributes say what to train. Nothing else on the page helps it: the element upgrades, loads MNIST
 * from data-url, and a click on Start trains the run its attributes describe to the end. An element whose
 * data-url holds no data says which URL it tried, what came back and how to set data-url, and stays usable:
 * a dataset picked from disk trains.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { bandImages, idxFile } from '../idx-fixtures.ts';
import { clickButton, openPage, progressStep, screenshot, shadowAttribute, shadowText, useSite, waitForShadow, waitForState } from './pages.ts';

const site = useSite();


describe('docs/embed.html', () => {
  it('upgrades the tag, reaches idle, and trains the run its attributes describe to the end', async () => {
    const { page, problems } = await openPage(site.browser, new URL('docs/embed.html', site.server.url).href);
    try {
      // Only the tag and its attributes: one module script, no page code talking to the element.
      const setup = await page.evaluate(() => ({
        scripts: [...document.scripts].map((s) => s.getAttribute('src')),
        attributes: Object.fromEntries([...document.querySelector('mlp-trainer')!.attributes].map((a) => [a.name, a.value])),
        upgraded: customElements.get('mlp-trainer') !== undefined && document.querySelector('mlp-trainer')!.shadowRoot !== null,
      }));
      expect(setup.scripts).toEqual(['../lib/mlp-trainer.js']);
      expect(setup.attributes).toMatchObject({ epochs: '1', 'train-limit': '300', 'data-url': '../lib/mnist/' });
      expect(setup.upgraded).toBe(true);

      await waitForState(page, 'idle', 150_000);
      // The form shows what the attributes asked for.
      expect(await page.$eval('mlp-trainer >>> #train-limit', (el) => (el as HTMLInputElement).value)).toBe('300');
      expect(await page.$eval('mlp-trainer >>> #epochs', (el) => (el as HTMLInputElement).value)).toBe('1');

      await clickButton(page, 'start');
      await waitForState(page, 'running', 30_000);
      // Three steps of 100 images, then the evaluation of the test set that ends every run.
      await waitForState(page, 'finished', 150_000);
      expect(await progressStep(page)).toBe(3);
      expect(await shadowAttribute(page, '#progress', 'max')).toBe('3');
      expect(await shadowAttribute(page, '#confusion', 'data-total')).toBe('10000');
      expect(Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'))).toBeGreaterThan(0.1);

      await screenshot(page, 'embed');
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('an embedded element whose data cannot be loaded', () => {
  it('names the URL it tried, what came back and data-url; a dataset picked from disk still trains', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mlp-e2e-embed-'));
    const { page, problems } = await openPage(site.browser, new URL('docs/embed.html', site.server.url).href);
    try {
      await page.evaluate(() => {
        document.querySelector('mlp-trainer')!.remove();
        const lost = Object.assign(document.createElement('mlp-trainer'), {});
        lost.setAttribute('data-url', '../no-such-folder/');
        lost.setAttribute('epochs', '1');
        document.body.append(lost);
      });
      await waitForState(page, 'no-data', 60_000);
      const message = await waitForShadow(page, '#error', { timeout: 30_000 });
      expect(message).toContain(new URL('no-such-folder/train-images-idx3-ubyte', site.server.url).href);
      expect(message).toContain('HTTP 404');
      expect(message).toContain('data-url attribute (now "../no-such-folder/")');
      expect(await shadowText(page, '#dataset-summary')).toBe('No dataset loaded yet.');
      await screenshot(page, 'embed-no-data', { viewport: true });

      const files: string[] = [];
      for (const [prefix, count] of [['train', 300], ['t10k', 100]] as const) {
        const { images, labels } = bandImages(count);
        files.push(join(folder, `${prefix}-images-idx3-ubyte`), join(folder, `${prefix}-labels-idx1-ubyte`));
        await writeFile(files[files.length - 2], idxFile([count, 28, 28], images));
        await writeFile(files[files.length - 1], idxFile([count], labels));
      }
      const input = (await page.waitForSelector('mlp-trainer >>> #dataset-files:not([disabled])', { timeout: 30_000 })) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(...files);
      await waitForState(page, 'idle', 60_000);
      expect(await shadowText(page, '#error')).toBeNull();
      await clickButton(page, 'start');
      await waitForState(page, 'finished', 150_000);
      expect(await shadowText(page, '#accuracy-summary')).toMatch(/of 100 test images\)\.$/);
      // The one failed request is the missing file itself.
      expect(problems.all().every((p) => p.includes('no-such-folder'))).toBe(true);
    } finally {
      await page.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
