/**
 * Launches a headless Chromium for end-to-end tests with puppeteer-core (which downloads no browser): the
 * executable is found on the machine, WebGPU runs on SwiftShader (a CPU Vulkan) where there is no GPU, and
 * every launch gets a fresh profile that is removed on close.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/microsoft-edge',
  '/usr/bin/microsoft-edge-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
];

/** PUPPETEER_EXECUTABLE_PATH if set, else the first Chromium, Chrome or Edge found in the usual places. */
export function findBrowser(): string {
  const override = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`PUPPETEER_EXECUTABLE_PATH is ${override}, but there is no such file`);
    return override;
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `no Chromium found: install Debian's chromium (apt-get install chromium) or set PUPPETEER_EXECUTABLE_PATH (looked in ${CANDIDATES.join(', ')})`,
    );
  }
  return found;
}

const COMMON_FLAGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * WebGPU on SwiftShader. Chromium on Linux keeps WebGPU behind --enable-unsafe-webgpu; on a machine with a
 * real GPU these flags still pick the software adapter, which keeps results the same everywhere.
 */
const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/**
 * No WebGPU: without --enable-unsafe-webgpu, Chromium on Linux gives no adapter, and --disable-gpu keeps a
 * machine with a GPU (where Chrome may enable WebGPU by default) from offering one. navigator.gpu still
 * exists (Chromium 156 exposes it whatever the flags, --disable-blink-features=WebGPU included) and
 * requestAdapter() resolves to null: the path a page takes in a Chrome whose GPU is blocklisted. For a
 * browser with no navigator.gpu at all, see hideNavigatorGpu().
 */
const NO_WEBGPU_FLAGS = ['--disable-gpu'];

export interface LaunchOptions {
  /** Default true. False launches a browser without WebGPU, to test the page's "no WebGPU" path. */
  webgpu?: boolean;
  /** Extra command-line flags. */
  args?: string[];
}

export interface LaunchedBrowser {
  browser: Browser;
  executablePath: string;
  close(): Promise<void>;
}

export async function launch(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const executablePath = findBrowser();
  const userDataDir = await mkdtemp(join(tmpdir(), 'mlp-e2e-profile-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      userDataDir,
      args: [...COMMON_FLAGS, ...(options.webgpu === false ? NO_WEBGPU_FLAGS : WEBGPU_FLAGS), ...(options.args ?? [])],
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new Error(`could not launch ${executablePath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return {
    browser,
    executablePath,
    async close() {
      await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** What WebGPU looks like to a page: no navigator.gpu, no adapter, or the adapter's vendor and architecture. */
export async function webgpuStatus(page: Page): Promise<string> {
  return page.evaluate(async () => {
    if (!('gpu' in navigator)) return 'no navigator.gpu';
    const adapter = await navigator.gpu.requestAdapter();
    return adapter ? `adapter: ${adapter.info.vendor} ${adapter.info.architecture}`.trim() : 'no adapter';
  });
}

/** Makes the page's documents (not its workers) see no navigator.gpu, as in a browser without WebGPU. Call before goto. */
export async function hideNavigatorGpu(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  });
}

/** Console errors and uncaught page errors of one page, collected from now on. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests that failed outright or got a 4xx/5xx answer. */
  failedRequests: string[];
  /** Everything above, one line each; empty when the page behaved. */
  all(): string[];
}

/** The browser asks for /favicon.ico by itself; a page without one is not at fault. */
const isFavicon = (url: string): boolean => new URL(url, 'http://x/').pathname === '/favicon.ico';

export function collectProblems(page: Page): PageProblems {
  const problems: PageProblems = {
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    all: () => [
      ...problems.pageErrors.map((m) => `page error: ${m}`),
      ...problems.consoleErrors.map((m) => `console error: ${m}`),
      ...problems.failedRequests.map((m) => `request: ${m}`),
    ],
  };
  page.on('console', (message) => {
    const where = message.location().url;
    if (message.type() === 'error' && !(where && isFavicon(where))) {
      problems.consoleErrors.push(where ? `${message.text()} (${where})` : message.text());
    }
  });
  page.on('pageerror', (error) => {
    problems.pageErrors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  });
  page.on('requestfailed', (request) => {
    if (isFavicon(request.url())) return;
    problems.failedRequests.push(`${request.url()} failed: ${request.failure()?.errorText ?? 'unknown'}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !isFavicon(response.url())) problems.failedRequests.push(`${response.url()} answered ${response.status()}`);
  });
  return problems;
}
