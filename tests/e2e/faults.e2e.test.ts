/**
 * Faults, met from the UI: the GPU device lost in the middle of a run (the element offers to resume from the
 * engine's checkpoint on a new device, and the run then ends normally), a learning rate that is not a number
 * (refused by name, nothing starts), and a mangled link (a notice; the page still trains once the form is
 * filled in).
 */
import { describe, expect, it } from 'vitest';
import type { MlpTrainer } from '../../src/app/trainer/mlp-trainer.ts';
import {
  clickButton,
  fillSetting,
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


describe('faults met from the UI', () => {
  it('survives a lost GPU device: an alert offers to resume on a new device, and the run finishes', async () => {
    const { page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href);
    try {
      await waitForState(page, 'idle', 150_000);
      // 300 images, 40 epochs of 3 steps, no evaluation until the end: long enough (about 10 s on the software
      // adapter) to lose the device mid-run.
      await fillTinyRun(page, { trainLimit: 300, epochs: 40, evalEachEpoch: false });
      await clickButton(page, 'start');
      await waitForState(page, 'running', 30_000);
      // Past the first epoch, so the checkpoint is a trained one (the engine keeps one per finished epoch).
      await waitForStep(page, 4, 60_000);
      await page.evaluate(() => document.querySelector<MlpTrainer>('mlp-trainer')!.controller.simulateDeviceLoss());

      const alert = await waitForShadow(page, '#device-lost', { timeout: 30_000 });
      expect(alert).toMatch(/^The GPU device was lost \(.*\)\. Resume to continue from the checkpoint kept after epoch \d+ \(step \d+\) on a new device\./);
      expect(await shadowAttribute(page, '#device-lost', 'role')).toBe('alert');
      const checkpointStep = Number(/\(step (\d+)\)/.exec(alert)![1]);
      expect(checkpointStep).toBeGreaterThanOrEqual(3);
      expect(await shadowText(page, '#recover')).toBe('Resume on a new device');
      expect(await shadowText(page, '#error')).toBeNull(); // the loss is said once, in its own alert
      await waitForState(page, 'error', 10_000);
      await screenshot(page, 'device-lost');

      await clickButton(page, 'recover');
      await waitForState(page, 'paused', 60_000);
      expect(await shadowText(page, '#device-lost')).toBeNull();
      expect(await shadowText(page, '#error')).toBeNull();
      expect(await shadowText(page, '#pause')).toBe('Resume');

      await clickButton(page, 'pause');
      await waitForState(page, 'running', 30_000);
      // The run goes on from the checkpoint: it does not start over at step 0.
      expect(await progressStep(page)).toBeGreaterThanOrEqual(checkpointStep);
      await waitForState(page, 'finished', 150_000);
      expect(await progressStep(page)).toBe(120);
      expect(await shadowAttribute(page, '#confusion', 'data-total')).toBe('10000');
      expect(Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'))).toBeGreaterThan(0.5);
      // Chromium may log the destroyed device's dropped work as warnings; errors from our code would show here.
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a device lost before any run: the alert offers no resume, and Start trains on a new device', async () => {
    const { page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href);
    try {
      await waitForState(page, 'idle', 150_000);
      await page.evaluate(() => document.querySelector<MlpTrainer>('mlp-trainer')!.controller.simulateDeviceLoss());
      const alert = await waitForShadow(page, '#device-lost', { timeout: 30_000 });
      expect(alert).toMatch(/^The GPU device was lost \(.*\)\. Start again to train on a new device\.$/);
      expect(await page.$('mlp-trainer >>> #recover')).toBeNull();

      await fillTinyRun(page, { trainLimit: 300, epochs: 5, evalEachEpoch: false });
      await clickButton(page, 'start');
      await waitForState(page, 'running', 60_000);
      await waitForStep(page, 1, 60_000);
      expect(await shadowText(page, '#device-lost')).toBeNull();
      await clickButton(page, 'stop');
      await waitForState(page, 'stopped', 10_000);
      expect(await shadowText(page, '#error')).toBeNull();
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('refuses a learning rate of "abc" by name and starts nothing; a mangled link gives a notice, and Start works once fixed', async () => {
    const { page, problems } = await openPage(site.browser, new URL('index.html#lr=abc&layers=x', site.server.url).href);
    try {
      // Two settings of the link cannot be used: the element names both and uses the defaults for them.
      const notice = await waitForShadow(page, '.notice', { timeout: 30_000 });
      expect(notice).toMatch(/^Some settings in this page's address could not be used, so their defaults apply: Layer widths "x": .+; Learning rate "abc": a number above 0 and at most 10\.\.$/);
      expect(await page.$eval('mlp-trainer >>> #lr', (el) => (el as HTMLInputElement).value)).toBe('0.001');
      expect(await page.$eval('mlp-trainer >>> #layers', (el) => (el as HTMLInputElement).value)).toBe('784,256,256,10');
      await waitForState(page, 'idle', 150_000);

      await fillTinyRun(page, { trainLimit: 300, epochs: 5, evalEachEpoch: false });
      await fillSetting(page, 'lr', 'abc');
      await clickButton(page, 'start');
      const error = await waitForShadow(page, '#lr-error', { timeout: 10_000 });
      expect(error).toMatch(/^Learning rate: a number above 0 and at most 10\./);
      expect(error).toContain('You typed "abc".');
      expect(await shadowText(page, '#error')).toBeNull();
      expect(await shadowAttribute(page, '#lr', 'aria-invalid')).toBe('true');
      await new Promise((done) => setTimeout(done, 1500));
      expect(await trainerState(page)).toBe('idle');
      expect(await progressStep(page)).toBe(0);
      await screenshot(page, 'bad-learning-rate');

      // Fixed, the same form starts: the message goes, and the run trains (and is stopped early: a finished run would evaluate the whole test set).
      await fillSetting(page, 'lr', '0.001');
      expect(await shadowText(page, '#lr-error')).toBeNull();
      expect(await shadowAttribute(page, '#lr', 'aria-invalid')).toBe('false');
      await clickButton(page, 'start');
      await waitForState(page, 'running', 30_000);
      await waitForStep(page, 1, 60_000);
      // The link now holds the settings that run.
      expect(await page.evaluate(() => location.hash)).toMatch(/lr=0\.001.*train-limit=300/);
      await clickButton(page, 'stop');
      await waitForState(page, 'stopped', 10_000);
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
