/**
 * `npm run screenshots`: remakes the README's screenshots (docs/screenshots/) from the built site, driven as
 * a person would in headless Chromium (software WebGPU here, your GPU elsewhere):
 *   trainer.png       1280x800: the Quick preset under Xavier uniform, then again under N(0, 0.01), the first
 *                     run kept faded on the charts, and a 7 drawn on the pad
 *   trainer-phone.png 390x844: the same page on a phone, during a run
 *   offline.png       1280x800, no WebGPU adapter: the recorded run and the CPU model, a test digit loaded
 *   inside.png        the trainer's Inside the network panel after the N(0, 0.01) run
 *   init-lab.png      the lab's comparison with its defaults; depth-probe.png: its depth probe of 20 layers;
 *   deep-stack.png    that stack trained under each initializer with the lab's defaults (minutes on a CPU)
 *   docs-lesson.png   1280x800: the top of the documentation site (npm run docs), the lesson's page
 *   docs-mistake.png  the elements page's "What a mistake looks like": lr="50" said under its field at load
 * `npm run screenshots -- docs` remakes the last two only.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { build } from 'vite';
import { buildDocs } from '../build/docs.ts';
import { launch } from '../tests/e2e/browser.ts';
import { startStaticServer } from '../tests/e2e/server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'docs', 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const waitForState = (page: Page, state: string, host = 'mlp-trainer') =>
  page.waitForFunction((host, state) => document.querySelector(host)?.getAttribute('state') === state, { polling: 100, timeout: 300_000 }, host, state);

/** Presses Start and waits for the run it begins to finish. */
async function train(page: Page): Promise<void> {
  await page.locator('mlp-trainer >>> #start').click();
  await waitForState(page, 'running');
  await waitForState(page, 'finished');
}

async function open(browser: Browser, url: string, viewport: Parameters<Page['setViewport']>[0]): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

async function trainerShots(browser: Browser, url: string): Promise<void> {
  const page = await open(browser, url, DESKTOP);
  await waitForState(page, 'idle');
  await train(page);
  await page.locator('mlp-trainer >>> #init').fill('normal:0,0.01');
  await train(page);
  const pad = (await page.$('mlp-trainer >>> #draw-pad'))!;
  const box = (await pad.boundingBox())!;
  const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(0.3, 0.25));
  await page.mouse.down();
  await page.mouse.move(...at(0.7, 0.25), { steps: 10 });
  await page.mouse.move(...at(0.45, 0.8), { steps: 15 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('mlp-digit-pad')?.shadowRoot?.querySelector('#probabilities[data-prediction]'), { timeout: 60_000 });
  await page.mouse.move(1, 1);
  await page.screenshot({ path: join(OUT, 'trainer.png') });
  // The panel alone: the sticky status strip would lie over its top once the page scrolls to it.
  const strip = (visibility: string) => page.evaluate((v) => document.querySelector('mlp-trainer')!.shadowRoot!.querySelector<HTMLElement>('[part~="progress"]')!.style.setProperty('visibility', v), visibility);
  await strip('hidden');
  await (await page.$('mlp-trainer >>> #inside'))!.screenshot({ path: join(OUT, 'inside.png') });
  await strip('');
  await page.close();

  const phone = await open(browser, url, PHONE);
  await waitForState(phone, 'idle');
  await phone.locator('mlp-trainer >>> #start').click();
  await phone.waitForFunction(() => Number(document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('#progress-text')?.getAttribute('data-step')) >= 60, { timeout: 120_000 });
  await phone.evaluate(() => document.querySelector('mlp-trainer')!.shadowRoot!.querySelector('.status')!.scrollIntoView());
  await phone.screenshot({ path: join(OUT, 'trainer-phone.png') });
  await phone.close();
}

async function labShots(browser: Browser, url: string): Promise<void> {
  const page = await open(browser, url, DESKTOP);
  await waitForState(page, 'idle');
  await page.locator('init-lab >>> #lab-start').click();
  await page.waitForFunction(() => /Finished\./.test(document.querySelector('init-lab')?.shadowRoot?.querySelector('#lab-summary')?.textContent ?? ''), { polling: 200, timeout: 300_000 });
  await page.locator('init-lab >>> #probe-run').click();
  await page.waitForFunction(() => document.querySelector('init-lab')?.shadowRoot?.querySelector('#probe-results[data-results]'), { polling: 200, timeout: 300_000 });
  await (await page.$('init-lab >>> section[part="lab"]'))!.screenshot({ path: join(OUT, 'init-lab.png') });
  await (await page.$('init-lab >>> section[part="probe"]'))!.screenshot({ path: join(OUT, 'depth-probe.png') });
  // The probed stack trained with the lab's defaults: minutes on a software adapter.
  await page.locator('init-lab >>> #stack-start').click();
  // Polled from here: a waitForFunction is one protocol call, which times out after 180 s.
  const stackStatus = () => page.$eval('init-lab >>> #stack-summary', (el) => el.getAttribute('data-status'));
  for (let waited = 0; (await stackStatus()) === 'running' && waited < 1200; waited++) await new Promise((done) => setTimeout(done, 1000));
  if ((await stackStatus()) !== 'finished') throw new Error(`training the stack ended ${await stackStatus()}`);
  await (await page.$('init-lab >>> section[part="stack"]'))!.screenshot({ path: join(OUT, 'deep-stack.png') });
  await page.close();
}

/** Waits for `selector` in the offline demo's pad (polling: changes inside shadow roots escape mutation waits). */
function offlinePadShows(page: Page, selector: string) {
  return page.waitForFunction(
    (selector) => document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('mlp-offline-demo')?.shadowRoot?.querySelector('mlp-digit-pad')?.shadowRoot?.querySelector(selector),
    { polling: 100, timeout: 60_000 },
    selector,
  );
}

async function offlineShot(url: string): Promise<void> {
  const noGpu = await launch({ webgpu: false });
  try {
    const page = await open(noGpu.browser, url, DESKTOP);
    await offlinePadShows(page, '#draw-pad[aria-disabled="false"]');
    await page.locator('mlp-trainer >>> #test-index').fill('115');
    await page.locator('mlp-trainer >>> #load-test').click();
    await offlinePadShows(page, '#probabilities[data-prediction]');
    await page.screenshot({ path: join(OUT, 'offline.png') });
    await page.close();
  } finally {
    await noGpu.close();
  }
}

async function docsShots(browser: Browser, url: string): Promise<void> {
  const lesson = await open(browser, new URL('index.html', url).href, DESKTOP);
  await lesson.waitForFunction(
    () => [...document.querySelectorAll('mlp-trainer, init-lab')].every((el) => ['idle', 'ready'].includes(el.getAttribute('state') ?? '')),
    { polling: 100, timeout: 120_000 },
  );
  await lesson.screenshot({ path: join(OUT, 'docs-lesson.png') });
  await lesson.close();
  const elements = await open(browser, new URL('elements.html', url).href, DESKTOP);
  await elements.waitForFunction(
    () => [...document.querySelectorAll('mlp-trainer, init-lab')].every((el) => ['idle', 'ready'].includes(el.getAttribute('state') ?? '')),
    { polling: 100, timeout: 120_000 },
  );
  await (await elements.$('#mistakes'))!.screenshot({ path: join(OUT, 'docs-mistake.png') });
  await elements.close();
}

const onlyDocs = process.argv.slice(2).includes('docs');
const dist = await mkdtemp(join(tmpdir(), 'mlp-screenshots-'));
try {
  await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
  await build({ root: ROOT, configFile: join(ROOT, 'vite.lib.config.ts'), logLevel: 'warn', build: { outDir: join(dist, 'lib'), emptyOutDir: true } });
  await buildDocs(join(dist, 'docs'), { lib: join(dist, 'lib'), manifestDir: dist });
  await mkdir(OUT, { recursive: true });
  const server = await startStaticServer(dist);
  const chromium = await launch();
  try {
    const url = new URL('index.html', server.url).href;
    if (!onlyDocs) {
      await trainerShots(chromium.browser, url);
      await labShots(chromium.browser, url);
      await offlineShot(url);
    }
    await docsShots(chromium.browser, new URL('docs/', server.url).href);
  } finally {
    await chromium.close();
    await server.stop();
  }
  console.log(`screenshots written to ${OUT}`);
} finally {
  await rm(dist, { recursive: true, force: true });
}
