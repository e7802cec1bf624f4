/**
 * <init-lab> as a documentation page embeds it, by its attributes alone: a page of its own beside the built
 * library's bundle (lib/, linked into a temporary folder), one module script, several elements sharing one
 * engine:
 * - `panels="probe"` shows only the depth probe, reflects `state` (loading, then ready), and goes to running
 *   while a probe is measured, then back to ready;
 * - `depth="99"` puts 99 in the probe's depth field with the form's own sentence under it, at once, without
 *   taking the focus, fires lab-error, and the element reaches ready with all three panels; a valid depth set
 *   later takes the message away;
 * - `panels="probe,nonsense"` says in place (part="error") which word names no panel and which do, fires
 *   lab-error, and shows the probe;
 * - `panels="stack"` shows the stack's training with the stack's own settings in its form, and a `width` out
 *   of range is explained under that width field.
 * - with a data-url that holds no data it reflects `no-data`;
 * - without WebGPU every one of them reflects `unsupported`, and the word that names no panel is still said.
 * Screenshots: results/screenshots/init-lab-panels-typo.png and init-lab-stack-alone.png.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, type LaunchedBrowser, type PageProblems } from './browser.ts';
import { openPage, screenshot, waitForState } from './pages.ts';
import { startStaticServer, type StaticServer } from './server.ts';

let folder = '';
let server: StaticServer | undefined;
let chromium: LaunchedBrowser | undefined;
let page: Page;
let problems: PageProblems;

const DEPTH_MESSAGE = 'Depth (hidden layers): a whole number from 10 to 30.';

/**
 * A documentation page: one module script and the elements. A classic script before them records every
 * lab-error (they bubble and are composed), and every state each element reflects, from the first.
 */
const PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>init-lab attributes</title></head>
  <body>
    <script>
      window.labErrors = [];
      window.states = {};
      document.addEventListener('lab-error', (e) => labErrors.push({ id: e.target.id, ...e.detail }));
      new MutationObserver((records) => {
        for (const r of records) (states[r.target.id] ??= []).push(r.target.getAttribute('state'));
      }).observe(document.body, { subtree: true, attributeFilter: ['state'] });
    </script>
    <h2>The probe alone</h2>
    <init-lab id="probe-only" panels="probe" data-url="lib/mnist/"></init-lab>
    <h2>A depth out of range</h2>
    <init-lab id="too-deep" depth="99" data-url="lib/mnist/"></init-lab>
    <h2>A word that names no panel</h2>
    <init-lab id="typo" panels="probe,nonsense" data-url="lib/mnist/"></init-lab>
    <h2>The stack alone</h2>
    <init-lab id="stack-only" panels="stack" width="0" data-url="lib/mnist/"></init-lab>
    <script type="module" src="lib/init-lab.js"></script>
  </body>
</html>`;

/** One element whose data-url holds nothing (the 404s are what this page is about). */
const NO_DATA_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>init-lab without data</title></head>
  <body>
    <init-lab id="lost" panels="probe" data-url="no-such-folder/"></init-lab>
    <script type="module" src="lib/init-lab.js"></script>
  </body>
</html>`;

declare global {
  interface Window {
    labErrors: Array<{ id: string; message: string; field: string }>;
    states: Record<string, string[]>;
  }
}

/** The parts of the panels an element shows, in order. */
function panelsOf(id: string): Promise<string[]> {
  return page.$$eval(`#${id} >>> section[part]`, (sections) => sections.map((s) => s.getAttribute('part')!));
}

beforeAll(async () => {
  // Request interception would serve the page without a folder, but it also holds the engine worker's fetches.
  folder = await mkdtemp(join(tmpdir(), 'init-lab-attributes-'));
  await writeFile(join(folder, 'index.html'), PAGE);
  await writeFile(join(folder, 'no-data.html'), NO_DATA_PAGE);
  await symlink(join(inject('e2eDist'), 'lib'), join(folder, 'lib'), 'dir');
  server = await startStaticServer(folder);
  chromium = await launch();
  ({ page, problems } = await openPage(chromium.browser, server.url));
  for (const id of ['probe-only', 'too-deep', 'typo', 'stack-only']) await waitForState(page, 'ready', 150_000, `#${id}`);
});

afterAll(async () => {
  await chromium?.close();
  await server?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('<init-lab panels="probe">', () => {
  it('shows only the depth probe and reflects its state: loading, then ready', async () => {
    expect(await panelsOf('probe-only')).toEqual(['probe']);
    expect(await page.$('#probe-only >>> [part="error"]')).toBeNull();
    expect(await page.evaluate(() => ({ attribute: document.querySelector('#probe-only')!.getAttribute('state'), property: document.querySelector<HTMLElementTagNameMap['init-lab']>('#probe-only')!.state, seen: window.states['probe-only'] }))).toEqual({
      attribute: 'ready',
      property: 'ready',
      seen: ['loading', 'ready'],
    });
  });

  it('is running while a probe is measured, then ready again', async () => {
    await page.locator('#probe-only >>> #probe-depth').fill('10');
    await page.locator('#probe-only >>> #probe-width').fill('16');
    for (const init of ['xavier-uniform', 'normal:0,1', 'normal:0,0.01']) {
      if (await page.$eval(`#probe-only >>> #probe-inits input[value="${init}"]`, (el) => (el as HTMLInputElement).checked)) await page.locator(`#probe-only >>> #probe-inits input[value="${init}"]`).click();
    }
    const ended = page.evaluate(() => new Promise<number[]>((done) => document.querySelector('#probe-only')!.addEventListener('probe-end', (e) => done((e as CustomEvent<{ layers: number[] }>).detail.layers), { once: true })));
    await page.locator('#probe-only >>> #probe-run').click();
    expect(await ended).toEqual([784, ...new Array<number>(10).fill(16), 10]);
    await waitForState(page, 'ready', 10_000, '#probe-only');
    expect(await page.evaluate(() => window.states['probe-only'].slice(-2))).toEqual(['running', 'ready']);
  });
});

describe('<init-lab depth="99">', () => {
  it('puts 99 in the depth field with the form’s sentence under it, without taking the focus, and fires lab-error', async () => {
    const shown = await page.evaluate(() => {
      const root = document.querySelector('#too-deep')!.shadowRoot!;
      const input = root.querySelector<HTMLInputElement>('#probe-depth')!;
      const message = root.querySelector('#probe-depth-error');
      return {
        value: input.value,
        invalid: input.getAttribute('aria-invalid'),
        describedBy: input.getAttribute('aria-describedby'),
        message: message?.textContent?.trim(),
        part: message?.parentElement?.getAttribute('part'),
        sameField: message?.closest('.field') === input.closest('.field'),
        below: message ? message.getBoundingClientRect().top >= input.getBoundingClientRect().bottom : false,
        focused: root.activeElement?.id ?? null,
      };
    });
    expect(shown).toEqual({ value: '99', invalid: 'true', describedBy: 'probe-depth-hint probe-depth-error', message: DEPTH_MESSAGE, part: 'error', sameField: true, below: true, focused: null });
    expect(await page.evaluate(() => window.labErrors.filter((e) => e.id === 'too-deep'))).toEqual([{ id: 'too-deep', field: 'probe-depth', message: DEPTH_MESSAGE }]);
  });

  it('otherwise works: ready, with all three panels and their buttons', async () => {
    expect(await page.$eval('#too-deep', (el) => el.getAttribute('state'))).toBe('ready');
    expect(await panelsOf('too-deep')).toEqual(['lab', 'probe', 'stack']);
    expect(await page.$eval('#too-deep >>> #lab-start', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
  });

  it('drops the message when a valid depth is set later', async () => {
    await page.$eval('#too-deep', (el) => el.setAttribute('depth', '12'));
    await page.waitForFunction(() => !document.querySelector('#too-deep')!.shadowRoot!.querySelector('#probe-depth-error'), { polling: 100, timeout: 10_000 });
    expect(await page.$eval('#too-deep >>> #probe-depth', (el) => [(el as HTMLInputElement).value, el.getAttribute('aria-invalid')])).toEqual(['12', 'false']);
  });
});

describe('<init-lab panels="probe,nonsense">', () => {
  it('says in place which word names no panel and which do, fires lab-error, and shows the probe', async () => {
    const message = 'panels: "nonsense" is not a panel; the panels are "lab", "probe" and "stack", separated by spaces or commas.';
    expect(await page.$eval('#typo >>> #panels-error', (el) => [el.textContent?.trim(), el.parentElement?.getAttribute('part')])).toEqual([message, 'error']);
    expect(await panelsOf('typo')).toEqual(['probe']);
    expect(await page.evaluate(() => window.labErrors.filter((e) => e.id === 'typo'))).toEqual([{ id: 'typo', field: 'panels', message }]);
    expect(await page.$eval('#typo', (el) => el.getAttribute('state'))).toBe('ready');
    await screenshot(page, 'init-lab-panels-typo', { element: '#typo' });
  });
});

describe('<init-lab panels="stack">', () => {
  it("holds the stack's settings in its own form, and explains a width out of range under that field until it is fixed", async () => {
    expect(await panelsOf('stack-only')).toEqual(['stack']);
    const ids = await page.$$eval('#stack-only >>> section[part="stack"] form [id]', (els) => els.map((el) => el.id));
    expect(ids).toEqual(expect.arrayContaining(['probe-depth', 'probe-width', 'probe-seed', 'probe-inits', 'stack-optimizer', 'stack-lr', 'stack-steps', 'stack-start']));
    expect(ids).not.toContain('probe-run');
    expect(await page.$eval('#stack-only >>> #probe-width-error', (el) => el.textContent?.trim())).toBe('Width (units per layer): a whole number from 1 to 2048.');
    expect(await page.evaluate(() => window.labErrors.filter((e) => e.id === 'stack-only').map((e) => e.field))).toEqual(['probe-width']);
    await screenshot(page, 'init-lab-stack-alone', { element: '#stack-only' });

    await page.locator('#stack-only >>> #probe-width').fill('64');
    expect(await page.$('#stack-only >>> #probe-width-error')).toBeNull();
    expect(problems.all()).toEqual([]);
  });
});

describe('<init-lab> whose data-url holds no data', () => {
  it('reflects state no-data and says so', async () => {
    const { page: lost } = await openPage(chromium!.browser, new URL('no-data.html', server!.url).href);
    try {
      await waitForState(lost, 'no-data', 60_000, '#lost');
      expect(await lost.$eval('#lost >>> #engine-status', (el) => el.textContent?.trim())).toBe('The training data could not be loaded.');
    } finally {
      await lost.close();
    }
  });
});

describe('<init-lab> without WebGPU', () => {
  it('reflects state unsupported, says why, and still names the word that is no panel', async () => {
    const noGpu = await launch({ webgpu: false });
    try {
      const { page: bare } = await openPage(noGpu.browser, server!.url);
      for (const id of ['probe-only', 'too-deep', 'typo', 'stack-only']) await waitForState(bare, 'unsupported', 60_000, `#${id}`);
      expect(await bare.$eval('#probe-only >>> #unsupported', (el) => el.getAttribute('part'))).toBe('unsupported');
      expect(await bare.$$('#probe-only >>> section[part]')).toHaveLength(0);
      expect(await bare.$eval('#typo >>> #panels-error', (el) => el.textContent?.trim())).toMatch(/^panels: "nonsense" is not a panel;/);
    } finally {
      await noGpu.close();
    }
  });
});
