/**
 * The documentation site (`npm run docs`: build/docs.ts), built into a temporary folder around the e2e setup's
 * browser bundle, served on 127.0.0.1 and read in Chromium with WebGPU (SwiftShader). Nothing trains here.
 * - The built site holds the pages its navigation names (docs/_data/nav.json) and TypeDoc's API reference.
 * - Each page of the site loads without console errors, page errors or failed requests; every <mlp-trainer> on
 *   it reaches `idle` and every <init-lab> `ready` (the elements of one page share one engine); at a phone's
 *   width (390 px) the page does not scroll sideways.
 * - Every internal link of every built page, TypeDoc's included, names a file of the site, and its #fragment an
 *   id (or a name) on the page it names.
 * - On the elements page, an attribute out of range shows its message in place at once: <init-lab depth="99">
 *   and <mlp-trainer lr="50"> (which does not start when Start is pressed); the page's other elements still
 *   reach their ready state.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, type LaunchedBrowser } from './browser.ts';
import { clickButton, openPage, PHONE, shadowText, waitForShadow } from './pages.ts';
import { startStaticServer, type StaticServer } from './server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

/** The site's own pages, in its navigation's order. */
const PAGES = (JSON.parse(readFileSync(join(ROOT, 'docs/_data/nav.json'), 'utf8')) as Array<{ href: string }>).map((item) => item.href);

let work = '';
let site = '';
/** Every file of the built site, relative to it, with forward slashes. */
let files: string[] = [];
let server: StaticServer | undefined;
let chromium: LaunchedBrowser | undefined;

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(folder, join(e.parentPath, e.name)).split('\\').join('/'));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlp-docs-'));
  site = join(work, 'docs');
  const started = performance.now();
  try {
    await exec(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'build/docs.ts', '--out', site, '--lib', join(inject('e2eDist'), 'lib'), '--manifest-dir', work], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`building the docs failed:\n${stdout}${stderr}`, { cause: error });
  }
  console.log(`docs test: built the site in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  files = await listFiles(site);
  server = await startStaticServer(site);
  chromium = await launch();
}, 300_000);

afterAll(async () => {
  await chromium?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const url = (path: string): string => new URL(path, server!.url).href;

/** The tag, id and reflected state of every element of the package on the page. */
function elementStates(page: Page): Promise<Array<{ tag: string; id: string; state: string | null }>> {
  return page.$$eval('mlp-trainer, init-lab', (all) => all.map((el) => ({ tag: el.localName, id: el.id, state: el.getAttribute('state') })));
}

/** Waits until every <mlp-trainer> on the page is idle and every <init-lab> ready; the error lists where each one is. */
async function waitForReady(page: Page, timeout = 150_000): Promise<void> {
  try {
    await page.waitForFunction(
      () => [...document.querySelectorAll('mlp-trainer, init-lab')].every((el) => el.getAttribute('state') === (el.localName === 'mlp-trainer' ? 'idle' : 'ready')),
      { polling: 250, timeout },
    );
  } catch (error) {
    throw new Error(`not every element became ready within ${timeout} ms: ${JSON.stringify(await elementStates(page))}`, { cause: error });
  }
}

describe('the documentation site', () => {
  it('holds the pages its navigation names and the API reference', () => {
    const topPages = files.filter((f) => f.endsWith('.html') && !f.includes('/')).sort();
    expect(topPages).toEqual([...PAGES].sort());
    expect(files).toContain('api/index.html');
    expect(files).toContain('lib/webgpu-mlp.js');
    expect(files.filter((f) => f.startsWith('api/') && f.endsWith('.html')).length).toBeGreaterThan(20);
  });

  it.each(PAGES)('%s loads without errors, its elements reach their ready state, and a phone does not scroll it sideways', async (path) => {
    const { page, problems } = await openPage(chromium!.browser, url(path));
    try {
      const scripts = await page.$$eval('script[src]', (all) => all.map((s) => s.getAttribute('src')));
      const elements = await elementStates(page);
      // A page with elements loads them as an author would: the bundle by a relative path, nothing else.
      if (elements.length > 0) expect(scripts).toEqual(['lib/webgpu-mlp.js']);
      else expect(scripts).toEqual([]);
      await waitForReady(page);
      await page.setViewport(PHONE);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${path} is ${width} px wide at 390 px`).toBeLessThanOrEqual(PHONE.width);
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('resolves every internal link and #fragment of every page, TypeDoc\'s included', async () => {
    const htmlFiles = files.filter((f) => f.endsWith('.html') && !f.startsWith('lib/'));
    const page = await chromium!.browser.newPage();
    try {
      await page.goto(url('assets/site.css'));
      // Each page parsed as the browser parses it (not loaded: TypeDoc's pages alone are over a hundred).
      const parsed = await page.evaluate(async (paths) => {
        const out: Record<string, { links: string[]; ids: string[] }> = {};
        for (const path of paths) {
          const doc = new DOMParser().parseFromString(await (await fetch(path)).text(), 'text/html');
          const links = [...doc.querySelectorAll('a[href], link[href]')].map((el) => el.getAttribute('href')!);
          const sources = [...doc.querySelectorAll('img[src], script[src]')].map((el) => el.getAttribute('src')!);
          const ids = [...doc.querySelectorAll('[id], a[name]')].map((el) => el.id || el.getAttribute('name')!);
          out[path] = { links: [...links, ...sources], ids };
        }
        return out;
      }, htmlFiles.map((f) => `/${f}`));
      const known = new Set(files);
      const broken: string[] = [];
      let checked = 0;
      for (const [from, { links }] of Object.entries(parsed)) {
        for (const link of links) {
          const target = new URL(link, url(from.slice(1)));
          if (target.origin !== new URL(server!.url).origin) continue;
          checked++;
          let path = decodeURIComponent(target.pathname).slice(1);
          if (path === '' || path.endsWith('/')) path += 'index.html';
          if (!known.has(path)) {
            broken.push(`${from}: ${link} names no file (${path})`);
            continue;
          }
          const fragment = decodeURIComponent(target.hash.slice(1));
          if (fragment && path.endsWith('.html') && !parsed[`/${path}`]?.ids.includes(fragment)) broken.push(`${from}: ${link}: ${path} has no id "${fragment}"`);
        }
      }
      console.log(`docs test: ${checked} internal links on ${htmlFiles.length} pages`);
      expect(broken).toEqual([]);
      expect(checked).toBeGreaterThan(htmlFiles.length);
    } finally {
      await page.close();
    }
  });

  it('shows a bad attribute\'s message in place on the elements page, and the other elements still work', async () => {
    const { page, problems } = await openPage(chromium!.browser, url('elements.html'));
    try {
      // The lab reads depth="99" as typed input: the sentence is under its field at once.
      const depthMessage = await waitForShadow(page, '#probe-depth-error', { host: '#bad-depth', timeout: 60_000 });
      expect(depthMessage).toContain('Depth (hidden layers): a whole number from 10 to 30.');
      expect(await page.$eval('#bad-depth >>> #probe-depth', (el) => (el as HTMLInputElement).value)).toBe('99');
      await waitForReady(page);
      // The trainer shows lr="50" as written with the learning rate's sentence under it, before anyone presses
      // anything, and does not start while it stands.
      expect(await page.$eval('#bad-lr >>> #lr', (el) => (el as HTMLInputElement).value)).toBe('50');
      const lrMessage = await waitForShadow(page, '#lr-error', { host: '#bad-lr', timeout: 30_000 });
      expect(lrMessage).toContain('Learning rate: a number above 0 and at most 10.');
      expect(await shadowText(page, '#progress-text', '#bad-lr')).toBe('Fix the setting marked above, then press Start.');
      await clickButton(page, 'start', '#bad-lr');
      expect(await shadowText(page, '#lr-error', '#bad-lr')).toContain('Learning rate: a number above 0 and at most 10.');
      expect(await page.$eval('#bad-lr', (el) => el.getAttribute('state'))).toBe('idle');
      // The other elements of the page are untouched: still ready, no message.
      expect(await elementStates(page)).toEqual([
        { tag: 'mlp-trainer', id: 'trainer-example', state: 'idle' },
        { tag: 'init-lab', id: 'lab-example', state: 'ready' },
        { tag: 'mlp-trainer', id: 'bad-lr', state: 'idle' },
        { tag: 'init-lab', id: 'bad-depth', state: 'ready' },
      ]);
      expect(await shadowText(page, '#lr-error', '#trainer-example')).toBeNull();
      expect(await shadowText(page, '#probe-depth-error', '#lab-example')).toBeNull();
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
