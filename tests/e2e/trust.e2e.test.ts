/**
 * Trust in the built page: it works under a strict Content-Security-Policy (no eval, no inline script), and
 * 50 start/stop cycles leave the engine's GPU bytes, buffers and pipelines at their level after the first
 * cycle, with no extra workers or window listeners (uPlot adds a few per chart, so every cycle ends with the same
 * charts drawn).
 */
import type { CDPSession, Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { collectProblems } from './browser.ts';
import { useSite } from './pages.ts';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  // Lit adopts constructed stylesheets; uPlot's stylesheet is injected into shadow roots as a <style>.
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

const site = useSite({ 'Content-Security-Policy': CSP });


// 20 steps: long enough that each cycle stops a run in progress (a finished run would evaluate 10,000 images).
const TINY = { layers: [784, 256, 256, 10], init: 'xavier-uniform', biasInit: 'pytorch-default', optimizer: 'adam', lr: 1e-3, batch: 100, epochs: 1, seed: 777, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, trainLimit: 2000 };

async function openTrainer(page: Page): Promise<void> {
  await page.goto(new URL('index.html', site.server.url).href, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelector('mlp-trainer')?.getAttribute('state') === 'idle', { timeout: 120_000, polling: 200 });
}

async function engineStats(page: Page): Promise<{ bytes: number; buffers: number; pipelines: number }> {
  return page.evaluate(async () => {
    const el = document.querySelector('mlp-trainer') as unknown as { controller: { stats(): Promise<{ bytes: number; buffers: number; pipelines: number }> } };
    const { bytes, buffers, pipelines } = await el.controller.stats();
    return { bytes, buffers, pipelines };
  });
}

async function workerCount(cdp: CDPSession): Promise<number> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ type: string }> };
  return targetInfos.filter((t) => t.type === 'worker').length;
}

async function windowListeners(cdp: CDPSession): Promise<number> {
  const { result } = await cdp.send('Runtime.evaluate', { expression: 'window' });
  const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
  await cdp.send('Runtime.releaseObject', { objectId: result.objectId! });
  return listeners.length;
}

describe('trust', () => {
  it('works under a strict Content-Security-Policy', async () => {
    const page = await site.browser.newPage();
    const problems = collectProblems(page);
    const response = await page.goto(new URL('index.html', site.server.url).href, { waitUntil: 'load' });
    expect(response?.headers()['content-security-policy']).toBe(CSP);
    await page.waitForFunction(() => document.querySelector('mlp-trainer')?.getAttribute('state') === 'idle', { timeout: 120_000, polling: 200 });
    await page.locator('mlp-trainer >>> #step').click();
    await page.waitForFunction(() => Number(document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('#progress-text')?.getAttribute('data-step')) >= 1, { timeout: 120_000, polling: 200 });
    expect(problems.all().filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    expect(problems.all()).toEqual([]);
    await page.close();
  });

  it('50 start/stop cycles return GPU bytes, buffers and pipelines to their level and leave nothing behind', async () => {
    const page = await site.browser.newPage();
    const problems = collectProblems(page);
    const cdp = await page.createCDPSession();
    await openTrainer(page);
    const cycle = async (): Promise<void> => {
      await page.evaluate((recipe) => {
        const el = document.querySelector('mlp-trainer') as unknown as { controller: { start(r: unknown, e: boolean): void } };
        el.controller.start(recipe, false);
      }, TINY);
      // Each cycle stops after the run's first step was measured, so every cycle ends with the same panels drawn
      // (Inside the network shows its charts from the first diagnostics sample on).
      await page.waitForFunction(() => {
        const el = document.querySelector('mlp-trainer') as unknown as { controller: { diagnostics: unknown[] } } & Element;
        return el.getAttribute('state') === 'finished' || (el.getAttribute('state') === 'running' && el.controller.diagnostics.length > 0);
      }, { timeout: 60_000, polling: 20 });
      await page.evaluate(() => (document.querySelector('mlp-trainer') as unknown as { controller: { stop(): void } }).controller.stop());
      await page.waitForFunction(() => ['stopped', 'finished'].includes(document.querySelector('mlp-trainer')?.getAttribute('state') ?? ''), { timeout: 60_000, polling: 20 });
    };
    const before = await engineStats(page);
    await cycle();
    const first = { ...(await engineStats(page)), workers: await workerCount(cdp), listeners: await windowListeners(cdp) };
    const started = performance.now();
    for (let i = 1; i < 50; i++) await cycle();
    console.log(`49 more cycles took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const last = { ...(await engineStats(page)), workers: await workerCount(cdp), listeners: await windowListeners(cdp) };
    console.log(`GPU bytes: ${before.bytes} with no run, ${first.bytes} after 1 cycle, ${last.bytes} after 50; buffers ${first.buffers} -> ${last.buffers}; pipelines ${first.pipelines} -> ${last.pipelines}; workers ${first.workers} -> ${last.workers}; window listeners ${first.listeners} -> ${last.listeners}`);
    expect(last).toEqual(first);
    expect(problems.all()).toEqual([]);
    await page.close();
  }, 600_000);
});
