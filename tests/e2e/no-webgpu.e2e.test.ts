/**
 * The demo page where WebGPU cannot run, both ways a browser can say so: navigator.gpu is there but offers no
 * adapter (a blocklisted GPU, or WebGPU turned off), and there is no navigator.gpu at all (an older browser).
 * Both elements show #unsupported with a message that says what is missing and what to do, render nothing
 * that needs the engine, and the page logs no errors.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hideNavigatorGpu, launch, webgpuStatus, collectProblems } from './browser.ts';
import { screenshot, shadowText, trainerState, waitForShadow } from './pages.ts';
import { startStaticServer, type StaticServer } from './server.ts';

let server: StaticServer;

beforeAll(async () => {
  server = await startStaticServer(inject('e2eDist'));
});

afterAll(async () => {
  await server?.stop();
});

/** Opens the demo page and checks what both elements say; `hide` removes navigator.gpu first. */
async function checkUnsupported(browser: Browser, o: { hide: boolean; status: RegExp; trainerSays: RegExp; labSays: RegExp; screenshotName: string }) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 1280, height: 900 });
    const problems = collectProblems(page);
    if (o.hide) await hideNavigatorGpu(page);
    await page.goto(new URL('index.html', server.url).href, { waitUntil: 'load' });
    expect(await webgpuStatus(page)).toMatch(o.status);

    const trainer = await waitForShadow(page, '#unsupported', { timeout: 60_000 });
    expect(trainer).toMatch(/^WebGPU is not available here, so this trainer cannot run\./);
    expect(trainer).toMatch(o.trainerSays);
    expect(await page.$eval('mlp-trainer >>> #unsupported', (el) => el.getAttribute('role'))).toBe('alert');
    // Nothing that needs the engine is offered.
    expect(await page.$('mlp-trainer >>> #start')).toBeNull();
    expect(await trainerState(page)).toBe('error');

    const lab = await waitForShadow(page, '#unsupported', { host: 'init-lab', timeout: 60_000 });
    expect(lab).toMatch(o.labSays);
    expect(await shadowText(page, '#engine-status', 'init-lab')).toBe('WebGPU is not available here.');

    // Without navigator.gpu the element knows before it starts the engine's worker; with it, the worker asks for an adapter.
    if (o.hide) expect(page.workers()).toHaveLength(0);

    await screenshot(page, o.screenshotName);
    expect(problems.all()).toEqual([]);
  } finally {
    await page.close();
  }
}

describe('without WebGPU', () => {
  it('no adapter (launch({ webgpu: false })): both elements say so, and nothing fails', async () => {
    const chromium = await launch({ webgpu: false });
    try {
      await checkUnsupported(chromium.browser, {
        hide: false,
        status: /^no adapter$/,
        trainerSays: /no GPU adapter is available.*chrome:\/\/gpu/,
        labSays: /no GPU adapter is available/,
        screenshotName: 'no-webgpu',
      });
    } finally {
      await chromium.close();
    }
  });

  it('no navigator.gpu: both elements say so before starting a worker, and nothing fails', async () => {
    const chromium = await launch();
    try {
      await checkUnsupported(chromium.browser, {
        hide: true,
        status: /^no navigator\.gpu$/,
        trainerSays: /does not offer WebGPU.*Chrome or Edge/,
        labSays: /does not offer WebGPU/,
        screenshotName: 'no-webgpu-no-navigator-gpu',
      });
    } finally {
      await chromium.close();
    }
  });
});
