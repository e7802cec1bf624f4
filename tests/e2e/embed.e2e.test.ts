/**
 * The embedding page (docs/embed.html, served from the built folder): one script tag and one <mlp-trainer>
 * whose attributes say what to train. Nothing else on the page helps it: the element upgrades, loads MNIST
 * from data-url, and a click on Start trains the run its attributes describe to the end.
 */
import { describe, expect, it } from 'vitest';
import { clickButton, openPage, progressStep, screenshot, shadowAttribute, useSite, waitForState } from './pages.ts';

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
