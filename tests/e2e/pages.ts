/**
 * Helpers the end-to-end tests share: opening a page of the built site with its problems collected, reading
 * and waiting for <mlp-trainer>'s state and data-* attributes inside its shadow root (puppeteer's `>>>`
 * selectors), filling its settings as a person would, and saving screenshots to results/screenshots/.
 *
 * Waits poll with generous timeouts instead of sleeping: the adapter is SwiftShader on a shared machine.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { collectProblems, launch, type LaunchedBrowser, type PageProblems } from './browser.ts';
import { startStaticServer, type StaticServer } from './server.ts';

/**
 * The built site served on 127.0.0.1 and a Chromium with WebGPU to open it, started before a test file's
 * tests and closed after them. `headers` go on every response (a Content-Security-Policy, say).
 */
export function useSite(headers?: Record<string, string>): { readonly server: StaticServer; readonly browser: Browser } {
  let server: StaticServer | undefined;
  let chromium: LaunchedBrowser | undefined;
  beforeAll(async () => {
    server = await startStaticServer(inject('e2eDist'), headers ? { headers } : {});
    chromium = await launch();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });
  return {
    get server() {
      return server!;
    },
    get browser() {
      return chromium!.browser;
    },
  };
}

export const SCREENSHOTS = fileURLToPath(new URL('../../results/screenshots/', import.meta.url));

/** The two windows the page is judged in: a laptop's and a phone's. */
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A page of the built site (1280x800 unless `viewport` says otherwise), with its console errors, page errors and failed requests collected. */
export async function openPage(browser: Browser, url: string, viewport: Parameters<Page['setViewport']>[0] = DESKTOP): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const problems = collectProblems(page);
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems };
}

/** Saves a screenshot as results/screenshots/<name>.png: the whole page, the window as it is (`viewport`), or only `element` (a selector). */
export async function screenshot(page: Page, name: string, options: { element?: string; viewport?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  if (options.element) {
    const element = await page.waitForSelector(options.element);
    if (!element) throw new Error(`no ${options.element} to take a screenshot of`);
    await element.scrollIntoView();
    await element.screenshot({ path });
  } else {
    await page.screenshot({ path, fullPage: !options.viewport });
  }
  return path;
}

/** The `state` attribute <mlp-trainer> reflects. */
export function trainerState(page: Page, host = 'mlp-trainer'): Promise<string | null> {
  return page.$eval(host, (el) => el.getAttribute('state'));
}

/** Waits until <mlp-trainer>'s state is one of `states`; the error says which state it was stuck in. */
export async function waitForState(page: Page, states: string | string[], timeout = 120_000, host = 'mlp-trainer'): Promise<void> {
  const wanted = Array.isArray(states) ? states : [states];
  try {
    await page.waitForFunction(
      (selector, wanted) => wanted.includes(document.querySelector(selector)?.getAttribute('state') ?? ''),
      { polling: 100, timeout },
      host,
      wanted,
    );
  } catch (error) {
    const error_ = await shadowText(page, '#error').catch(() => null);
    throw new Error(`${host} did not reach state ${wanted.join(' or ')} within ${timeout} ms: it is ${await trainerState(page, host)}${error_ ? `; #error says: ${error_}` : ''}`, { cause: error });
  }
}

/** An attribute of an element inside a host's shadow root, nested elements' roots included (null when absent, or when there is no such element). */
export async function shadowAttribute(page: Page, id: string, attribute: string, host = 'mlp-trainer'): Promise<string | null> {
  const handle = await page.$(`${host} >>> ${id}`);
  return handle ? handle.evaluate((el, attribute) => el.getAttribute(attribute), attribute) : null;
}

/** The text of an element inside a host's shadow root (nested roots included), or null when it is not there. */
export async function shadowText(page: Page, id: string, host = 'mlp-trainer'): Promise<string | null> {
  const handle = await page.$(`${host} >>> ${id}`);
  return handle ? handle.evaluate((el) => el.textContent?.trim() ?? '') : null;
}

/**
 * Waits for an element inside a host's shadow root (nested roots included) to exist (and, with `attribute`, to
 * carry that attribute); returns its text. It polls: waitForSelector with `>>>` can miss changes in shadow roots.
 */
export async function waitForShadow(page: Page, id: string, options: { attribute?: string; host?: string; timeout?: number } = {}): Promise<string> {
  const { attribute, host = 'mlp-trainer', timeout = 60_000 } = options;
  const deadline = Date.now() + timeout;
  for (;;) {
    const handle = await page.$(`${host} >>> ${id}`);
    const text = handle ? await handle.evaluate((el, attribute) => (attribute && !el.hasAttribute(attribute) ? null : (el.textContent?.trim() ?? '')), attribute ?? null) : null;
    if (text !== null) return text;
    if (Date.now() > deadline) throw new Error(`no ${id}${attribute ? `[${attribute}]` : ''} in ${host} within ${timeout} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The global step the progress line shows (its data-step). */
export async function progressStep(page: Page): Promise<number> {
  return Number(await shadowAttribute(page, '#progress-text', 'data-step'));
}

/** Waits until the progress line's data-step is at least `step`. */
export async function waitForStep(page: Page, step: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    (step) => Number(document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('#progress-text')?.getAttribute('data-step') ?? 0) >= step,
    { polling: 100, timeout },
    step,
  );
}

/** Opens <mlp-trainer>'s "More settings" when the setting `id` is behind it, as a person would click it. */
export async function revealSetting(page: Page, id: string): Promise<void> {
  const hidden = await page.$eval(`mlp-trainer >>> #${id}`, (el) => {
    const details = el.closest('details');
    return details !== null && !details.open;
  });
  if (hidden) await page.locator('mlp-trainer >>> details.more > summary').click();
}

/** Types into one of <mlp-trainer>'s settings as a person would (puppeteer's fill: clear, then type). */
export async function fillSetting(page: Page, id: string, value: string): Promise<void> {
  await revealSetting(page, id);
  await page.locator(`mlp-trainer >>> #${id}`).fill(value);
}

/** A tiny run: the first `trainLimit` images, `epochs` epochs of batch 100, test-set evaluation per epoch on or off. */
export async function fillTinyRun(page: Page, o: { trainLimit: number; epochs: number; evalEachEpoch: boolean }): Promise<void> {
  await fillSetting(page, 'train-limit', String(o.trainLimit));
  await fillSetting(page, 'epochs', String(o.epochs));
  await fillSetting(page, 'batch', '100');
  await revealSetting(page, 'eval-each-epoch');
  const checked = await page.$eval('mlp-trainer >>> #eval-each-epoch', (el) => (el as HTMLInputElement).checked);
  if (checked !== o.evalEachEpoch) await page.locator('mlp-trainer >>> #eval-each-epoch').click();
}

/** Clicks a button in <mlp-trainer>'s shadow root once it is enabled. */
export async function clickButton(page: Page, id: string, host = 'mlp-trainer'): Promise<void> {
  await page.locator(`${host} >>> #${id}`).setTimeout(60_000).click();
}
