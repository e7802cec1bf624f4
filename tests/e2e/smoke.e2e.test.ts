/**
 * Smoke test of the built site in a real browser: WebGPU is there (on SwiftShader without a GPU), the page
 * defines <mlp-trainer>, and MNIST is served as the page expects it (gzip bytes, no Content-Encoding).
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { collectProblems, launch, webgpuStatus } from './browser.ts';
import { useSite } from './pages.ts';

const LABELS = 'mnist/train-labels-idx1-ubyte.gz';

const site = useSite();


async function waitForRequest(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!site.server.requests.includes(path)) {
    if (Date.now() > deadline) throw new Error(`the page did not request ${path} within ${timeoutMs} ms; it requested: ${site.server.requests.join(', ')}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('built site', () => {
  it('gets a WebGPU adapter, defines mlp-trainer and loads MNIST', async () => {
    const page: Page = await site.browser.newPage();
    const problems = collectProblems(page);
    await page.goto(new URL('index.html', site.server.url).href, { waitUntil: 'load' });

    expect(await webgpuStatus(page)).toMatch(/^adapter: /);
    expect(await page.evaluate(() => customElements.get('mlp-trainer') !== undefined)).toBe(true);

    await waitForRequest(`/${LABELS}`, 30_000);
    const labels = await page.evaluate(async (path) => {
      const response = await fetch(path);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, encoding: response.headers.get('content-encoding'), head: [bytes[0], bytes[1]] };
    }, LABELS);
    expect(labels).toEqual({ status: 200, encoding: null, head: [0x1f, 0x8b] });

    expect(problems.all()).toEqual([]);
    await page.close();
  });

  it('ships the library, whose docs page embeds mlp-trainer with its own worker and MNIST', async () => {
    const response = await fetch(new URL('lib/init-lab.js', site.server.url));
    expect(response.status).toBe(200);

    const page = await site.browser.newPage();
    const problems = collectProblems(page);
    await page.goto(new URL('docs/embed.html', site.server.url).href, { waitUntil: 'load' });
    expect(await page.evaluate(() => customElements.get('mlp-trainer') !== undefined)).toBe(true);
    await waitForRequest(`/lib/${LABELS}`, 30_000);
    expect(site.server.requests).toContain('/lib/worker.js');
    expect(problems.all()).toEqual([]);
    await page.close();
  });
});

describe('launch({ webgpu: false })', () => {
  it('gives a page no WebGPU adapter', async () => {
    const noGpu = await launch({ webgpu: false });
    try {
      const page = await noGpu.browser.newPage();
      await page.goto(site.server.url);
      expect(await webgpuStatus(page)).toMatch(/^no (adapter|navigator\.gpu)$/);
    } finally {
      await noGpu.close();
    }
  });
});
