/**
 * `npm run bench`: the performance benchmark, in headless Chromium with WebGPU.
 *
 * Builds the site (with the bench page, bench/index.html) into a temporary folder with Vite's build() API, or
 * takes a built folder (--dist), serves it on 127.0.0.1 and launches Chromium through puppeteer-core. Training
 * runs through the page a visitor opens: the options go into its address (bench/options.ts), the runner
 * presses Run, and the page trains each engine in a fresh iframe of its own, on the same MNIST, recipe,
 * initial weights and batch order, then shows the run as JSON, which the runner reads. The other modes drive
 * one job page each (bench/index.html?job=<kind>, bench/job.ts). Prints tables (the page's figures, from
 * bench/format.ts) and writes results/bench-<date>.json.
 *
 *   npm run bench                           our engine, TF.js WebGPU and TF.js wasm train the mlp recipe 60 steps
 *   npm run bench -- --recipe deep --epochs 1
 *   npm run bench -- --matmul register      our engine with one matmul variant everywhere (or auto, untuned)
 *   npm run bench -- --kernels              matmul GFLOP/s per recipe shape and 1024^3, against TF.js and the FMA peak
 *   npm run bench -- --diagnostics [K]      our engine with and without diagnostics every K steps, side by side,
 *                                           on the mlp and deep recipes (or on --recipe)
 *   npm run bench -- --checks               our engine with and without the optimizer's value checks (NaN and
 *                                           infinity in every gradient, moment and parameter), side by side, on mlp
 *
 * Options are parsed by commander, as in cli/train.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { build } from 'vite';
import type { Browser, Page } from 'puppeteer-core';
import { collectProblems, launch, type PageProblems } from '../tests/e2e/browser.ts';
import { startStaticServer } from '../tests/e2e/server.ts';
import type { PageInfo } from '../bench/adapter.ts';
import { planRun, type BenchReport, type TrainBenchOptions } from '../bench/common.ts';
import { fixed, matmulTable, runSummary, trainTable, tuningSummary } from '../bench/format.ts';
import type { JobKind, JobStatus } from '../bench/job.ts';
import type { KernelBenchOptions, KernelBenchResult, Timing } from '../bench/kernels.ts';
import { ENGINES, MATMUL_CHOICES, engineList, jobOptions, toQuery, wholeNumber, type Engine, type PageOptions } from '../bench/options.ts';
import type { OverheadOptions, OverheadResult } from '../bench/overhead.ts';
import { referenceRun, type ReferenceResult } from '../bench/reference.ts';
import { loadMnist } from '../src/data/node.ts';
import type { MatmulChoice } from '../src/gpu/tuner.ts';
import { RECIPES, type RecipeName } from '../src/train/recipe.ts';
import { defaultDiagnosticsEvery } from '../src/train/sampling.ts';
import { Mlp } from '../src/layers/mlp.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The targets of issue 4, checked against what the run measured, issue 10's cost of diagnostics and issue 11's of the value checks. */
const TARGETS = { throughputVsTfjs: 5, matmulVsTfjs: 3, ofPeak: 0.3, dispatchesPerStep: 12, withDiagnostics: 0.95, withChecks: 0.98 };

/**
 * Chromium flags on top of tests/e2e/browser.ts's WebGPU flags. --enable-webgpu-developer-features turns
 * off the 100 us quantization of timestamp queries (timestamp-query itself needs no flag here) and fills in
 * the adapter's description.
 */
const BROWSER_ARGS = ['--enable-webgpu-developer-features'];

/**
 * The page is served without cross-origin isolation, so TF.js's wasm backend takes its single-threaded SIMD
 * binary: its threaded binary starts its workers from the emscripten script's own URL, which a bundled build
 * does not have, and hangs in Chromium 156 when the page is isolated (seen with COOP/COEP headers).
 */

/** The page's own rules (bench/options.ts), as commander's argument errors. */
const argument = <T>(parse: (text: string) => T) => (text: string): T => {
  try {
    return parse(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const whole = (name: string, min: number) => argument((text) => wholeNumber(name, text, min));

const positive = (name: string) => (text: string): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${text}"`);
  return value;
};

const program = new Command()
  .name('npm run bench --')
  .description('Benchmark our WebGPU trainer against TensorFlow.js (WebGPU and wasm) in headless Chromium, or (--kernels) matmul kernels against TF.js and the FMA peak.')
  .addOption(new Option('--recipe <name>', 'recipe to train (and, with --kernels, whose shapes to time; default: all)').choices(Object.keys(RECIPES)))
  .option('--steps <n>', 'training steps to time', whole('--steps', 1), 60)
  .option('--epochs <n>', 'time whole epochs instead of --steps', whole('--epochs', 1))
  .option('--train-limit <n>', 'train on the first n training images (default: all 60,000)', whole('--train-limit', 1))
  .option('--warmup <n>', 'untimed steps before each timed run', whole('--warmup', 0), 2)
  .addOption(new Option('--engines <list>', `engines to train, comma-separated: ${ENGINES.join(', ')}`).argParser(argument(engineList)).default([...ENGINES], ENGINES.join(',')))
  .addOption(
    new Option('--matmul <choice>', "our engine's matmul variants: auto (measured on the device), untuned (the built-in choice) or one variant everywhere; training, --diagnostics and --checks")
      .choices(MATMUL_CHOICES)
      .default('auto'),
  )
  .option('--kernels', 'matmul micro-benchmarks instead of training')
  .option('--kernel-seconds <s>', 'wall time per kernel measurement', positive('--kernel-seconds'), 0.5)
  .option('--no-big', 'with --kernels: skip the 1024x1024x1024 product')
  .option('--diagnostics [every]', `our engine with and without diagnostics every K steps (default: the trainer's, 100 per 300,000 parameters), side by side, instead of the engines`, whole('--diagnostics', 1))
  .option('--checks', "our engine with and without the optimizer's value checks (NaN and infinity), side by side, on the mlp recipe (or --recipe), instead of the engines")
  .option('--no-reference', 'skip the float64 reference trainer (run in Node on short plans, see bench/reference.ts)')
  .option('--dist <dir>', 'serve this built site (npm run build) instead of building one')
  .option('--out <dir>', 'folder for the JSON results', 'results')
  .option('--timeout <s>', 'give up on one engine after this many seconds', whole('--timeout', 1), 3600)
  .showHelpAfterError('(run npm run bench -- --help for every option)')
  .configureOutput({ outputError: (text, write) => write(`error: ${text.replace(/^error: /, '')}`) });

interface Options {
  recipe?: RecipeName;
  steps: number;
  epochs?: number;
  trainLimit?: number;
  warmup: number;
  engines: Engine[];
  matmul: MatmulChoice;
  kernels?: boolean;
  kernelSeconds: number;
  diagnostics?: number | true;
  checks?: boolean;
  big: boolean;
  reference: boolean;
  dist?: string;
  out: string;
  timeout: number;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const log = (text: string): void => console.log(text);
const status = (text: string): void => void process.stderr.write(`${text}\n`);

/** The built site to serve: --dist, or a fresh build in a temporary folder (removed afterwards). */
async function site(dist: string | undefined): Promise<{ folder: string; cleanup: () => Promise<void> }> {
  if (dist) {
    const folder = resolve(dist);
    if (!existsSync(join(folder, 'bench', 'index.html'))) throw new Error(`--dist ${folder} has no bench/index.html: run npm run build first`);
    return { folder, cleanup: async () => {} };
  }
  const folder = await mkdtemp(join(tmpdir(), 'mlp-bench-dist-'));
  const started = performance.now();
  status('building the site and the bench page ...');
  try {
    await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: folder, emptyOutDir: true } });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  status(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { folder, cleanup: () => rm(folder, { recursive: true, force: true }) };
}

/** Prints the adapter a page reported (or why it had none). */
function logAdapter(a: BenchReport['adapter'], crossOriginIsolated: boolean): void {
  if ('error' in a) {
    log(`Adapter: none (${a.error})`);
    return;
  }
  const subgroups = a.subgroupSizes ? `; subgroups ${a.subgroupSizes.join('-')}` : '';
  log(`Adapter: ${a.vendor} ${a.architecture}${a.description ? ` (${a.description})` : ''}${a.software ? ', a software adapter' : ''}; timestamp-query ${a.timestampQuery ? 'offered' : 'not offered'}${subgroups}; cross-origin isolated ${crossOriginIsolated}`);
}

/** Prints the problems a page met (console errors, page errors, failed requests), one line each. */
function logProblems(what: string, problems: PageProblems): void {
  for (const problem of problems.all()) status(`  ${what} page: ${problem.split('\n')[0]}`);
}

/** The adapter as a job page sees it (no device is taken). */
async function adapterOf(browser: Browser, benchUrl: string): Promise<PageInfo> {
  const page = await browser.newPage();
  try {
    await page.goto(`${benchUrl}?job=ours`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 60_000 });
    return await page.evaluate(() => window.bench!.info());
  } finally {
    await page.close();
  }
}

/**
 * Opens a fresh job page (bench/index.html?job=<kind>), starts the job and polls it to the end; the page's own
 * problems are reported. For the modes the visitor page does not offer.
 */
async function runJob<T>(browser: Browser, benchUrl: string, kind: JobKind, options: TrainBenchOptions | KernelBenchOptions, timeoutS: number): Promise<T> {
  const page = await browser.newPage();
  const problems = collectProblems(page);
  const started = Date.now();
  try {
    await page.goto(`${benchUrl}?job=${kind}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 60_000 });
    await page.evaluate((o) => window.bench!.start(o), options);
    let shown = '';
    for (;;) {
      await sleep(1000);
      const s: JobStatus = await page.evaluate(() => window.bench!.status());
      const line = `  ${kind}: ${s.progress.phase}${s.progress.steps ? ` ${s.progress.step}/${s.progress.steps}` : ''}`;
      if (line !== shown) status((shown = line));
      if (s.done) {
        if (s.error) throw new Error(`${kind} failed in the page: ${s.error}`);
        return s.result as T;
      }
      if (Date.now() - started > timeoutS * 1000) throw new Error(`${kind} did not finish within ${timeoutS} s (last: ${line.trim()})`);
    }
  } finally {
    logProblems(kind, problems);
    await page.close();
  }
}

/** The text of an element in <bench-page>'s shadow root, or null when it is not there. */
async function benchText(page: Page, selector: string): Promise<string | null> {
  const handle = await page.$(`bench-page >>> ${selector}`);
  return handle ? handle.evaluate((el) => el.textContent ?? '') : null;
}

/**
 * Training through the page a visitor opens: its options in the address, Run pressed, each engine's progress
 * echoed until the page is done, then the run's JSON as the page shows it (#json, what Copy JSON copies).
 */
async function visitorRun(browser: Browser, benchUrl: string, options: PageOptions, timeoutS: number): Promise<BenchReport> {
  const page = await browser.newPage();
  const problems = collectProblems(page);
  const state = (): Promise<string | null> => page.$eval('bench-page', (el) => el.getAttribute('state'));
  try {
    await page.goto(`${benchUrl}?${toQuery(options)}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('bench-page')?.getAttribute('state') === 'ready', { timeout: 60_000 });
    const unknown = await benchText(page, '#address-problems');
    if (unknown !== null) throw new Error(`the bench page did not take the runner's options: ${unknown.replace(/\s+/g, ' ').trim()}`);
    await page.locator('bench-page >>> #run').click();
    await page.waitForFunction(() => document.querySelector('bench-page')?.getAttribute('state') !== 'ready', { timeout: 10_000 });
    const started = Date.now();
    const shown = new Map<string, string>();
    for (;;) {
      const done = (await state()) === 'done';
      const lines: Array<[string, string]> = await page.$$eval('bench-page >>> #progress li', (items) =>
        items.map((li): [string, string] => [li.getAttribute('data-engine') ?? '?', (li.querySelector('.failed, .phase')?.textContent ?? '').replace(/\s+/g, ' ').trim()]),
      );
      for (const [engine, text] of lines) {
        if (shown.get(engine) !== text && text !== 'waiting') status(`  ${engine}: ${text}`);
        shown.set(engine, text);
      }
      if (done) break;
      if (Date.now() - started > timeoutS * 1000 * options.engines.length) throw new Error(`the bench page did not finish within ${timeoutS} s per engine (last: ${lines.map((l) => l.join(' ')).join('; ')})`);
      await sleep(1000);
    }
    const json = await benchText(page, '#json');
    if (json === null) throw new Error('the bench page finished without its JSON (#json)');
    return JSON.parse(json) as BenchReport;
  } finally {
    logProblems('bench', problems);
    await page.close();
  }
}

// ---- formatting ----------------------------------------------------------------------------------------

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface Check {
  target: string;
  value: string;
  met: boolean;
}

/** Test images an engine (or the reference) classified right. */
const images = (r: { testAccuracy: number; testCount: number }): number => Math.round(r.testAccuracy * r.testCount);

const verdict = (c: Check): string => `  ${c.met ? 'met    ' : 'NOT met'}  ${c.target}: ${c.value}`;

// ---- training ------------------------------------------------------------------------------------------

/**
 * The float64 reference costs about steps x parameters multiply-adds times a few; beyond this budget (about
 * 740 mlp steps, 165 deep steps: a minute or so here) it is skipped with a note.
 */
const REFERENCE_BUDGET = 2e8;

async function reference(job: TrainBenchOptions, opts: Options): Promise<ReferenceResult | string> {
  if (!opts.reference) return 'skipped (--no-reference)';
  const parameters = new Mlp(RECIPES[job.recipe].layers).layout.parameterCount;
  const data = await loadMnist();
  const steps = planRun(data, job).steps;
  if (steps * parameters > REFERENCE_BUDGET) return `skipped (${steps} steps would take the CPU too long; it runs up to ${Math.floor(REFERENCE_BUDGET / parameters)})`;
  status(`  float64 reference: ${steps} steps on the CPU ...`);
  return referenceRun(data, job);
}

async function trainBench(browser: Browser, benchUrl: string, opts: Options): Promise<{ page: BenchReport; reference: ReferenceResult | string; checks: Check[] }> {
  const recipe = opts.recipe ?? 'mlp';
  const options: PageOptions = { engines: opts.engines, recipe, unit: opts.epochs ? 'epochs' : 'steps', count: opts.epochs ?? opts.steps, trainLimit: opts.trainLimit ?? 0, warmupSteps: opts.warmup, matmul: opts.matmul };
  const page = await visitorRun(browser, benchUrl, options, opts.timeout);
  const { results, errors } = page;
  for (const [engine, message] of Object.entries(errors)) status(`  ${engine} failed: ${message.split('\n')[0]}`);
  const ref = await reference(jobOptions(options), opts);

  const ours = results.ours;
  const any = Object.values(results)[0];
  if (any) {
    log('');
    for (const line of runSummary(any, opts.warmup)) log(line);
    log('');
    const t = trainTable(results);
    log(table(t.header, t.rows));
  }
  for (const [engine, message] of Object.entries(errors)) log(`${engine}: failed (${message.split('\n')[0]})`);

  const checks: Check[] = [];
  if (ours) {
    const x = ours.extra as {
      dispatchesPerStep: number;
      matmulLayout: string;
      gpuBytes: { total: number; byPurpose: Record<string, number> };
      timestampQuery: string;
      kernelTimes: Array<{ name: string; ms: number }> | null;
      kernelMsPerStep: number | null;
      wallMsPerStep: number;
      profileWallMsPerStep: number | null;
      adapter: { vendor: string; architecture: string; description: string };
    };
    log('');
    log(`Our engine: ${x.dispatchesPerStep} dispatches per step, the quad matmul layout ${x.matmulLayout === 'quad' ? 'available' : 'unavailable'} on this device; ${ours.readbacks} buffer maps in ${ours.steps} steps (one per submitted chunk, none per step)`);
    log(`GPU memory: ${mib(x.gpuBytes.total)} = ${Object.entries(x.gpuBytes.byPurpose).map(([k, v]) => `${k} ${mib(v)}`).join(', ')}`);
    log(`Timestamp queries: ${x.timestampQuery}`);
    if (ours.matmul) {
      log('');
      log(tuningSummary(ours.matmul));
      const m = matmulTable(ours.matmul);
      log(table(m.header, m.rows));
    }
    if (x.kernelTimes) {
      log('');
      log(table(['kernel (one step, own pass each)', 'GPU ms', 'share'], x.kernelTimes.map((k) => [k.name, fixed(k.ms, 3), `${fixed((100 * k.ms) / (x.kernelMsPerStep || 1), 1)}%`])));
      log(`sum ${fixed(x.kernelMsPerStep, 3)} ms of GPU time per step; wall ${fixed(x.wallMsPerStep, 3)} ms per step in the timed run, ${fixed(x.profileWallMsPerStep, 3)} ms per profiled step`);
    }
    if (typeof ref === 'string') {
      log(`float64 reference trainer: ${ref}`);
    } else {
      const apart = ENGINES.filter((e) => results[e]).map((e) => {
        const d = images(results[e]!) - images(ref);
        return `${e} ${d >= 0 ? '+' : ''}${d}`;
      });
      log(`float64 reference trainer (CPU, same weights and batches): loss ${fixed(ref.loss, 4)}, test acc ${fixed(ref.testAccuracy * 100, 2)}% after ${ref.steps} steps (${fixed(ref.seconds, 1)} s)`);
      log(`test images right, against the float64 reference: ${apart.join(', ')}`);
    }
    // The dispatch budget is set for the mlp recipe; a deeper stack needs 3 more per layer (3L + 1).
    if (recipe === 'mlp') checks.push({ target: `dispatches per step <= ${TARGETS.dispatchesPerStep}`, value: String(x.dispatchesPerStep), met: x.dispatchesPerStep <= TARGETS.dispatchesPerStep });
    checks.push({ target: 'no awaited readback inside the step loop (fewer buffer maps than steps)', value: `${ours.readbacks} maps / ${ours.steps} steps`, met: ours.readbacks < ours.steps });
    const peer = results['tfjs-webgpu'];
    if (peer) {
      const ratio = ours.samplesPerSecond / peer.samplesPerSecond;
      checks.push({ target: `${recipe} training throughput >= ${TARGETS.throughputVsTfjs}x TF.js WebGPU`, value: `${fixed(ratio)}x`, met: ratio >= TARGETS.throughputVsTfjs });
      // Same weights, batches and optimizer: what differs is float32 rounding, whose effect on the test
      // accuracy shows in how far TF.js's own two backends land apart.
      const wasm = results['tfjs-wasm'];
      const spread = wasm ? `; TF.js wasm ${fixed(wasm.testAccuracy * 100, 2)}%, ${Math.abs(images(wasm) - images(peer))} images from TF.js WebGPU` : '';
      checks.push({
        target: 'test accuracy after the same steps no worse than TF.js WebGPU',
        value: `ours ${fixed(ours.testAccuracy * 100, 2)}%, TF.js WebGPU ${fixed(peer.testAccuracy * 100, 2)}% (${images(ours) - images(peer) >= 0 ? '+' : ''}${images(ours) - images(peer)} images)${spread}`,
        met: ours.testAccuracy >= peer.testAccuracy,
      });
    }
  }
  return { page, reference: ref, checks };
}

// ---- diagnostics -------------------------------------------------------------------------------------

async function overheadOf(browser: Browser, url: string, opts: Options, recipe: RecipeName): Promise<{ result: OverheadResult; checks: Check[] }> {
  const every = opts.diagnostics === true || opts.diagnostics === undefined ? defaultDiagnosticsEvery(RECIPES[recipe].layers) : opts.diagnostics;
  const compare = opts.checks ? 'checks' : 'diagnostics';
  const job: OverheadOptions = { compare, recipe, steps: opts.steps, epochs: opts.epochs, trainLimit: opts.trainLimit, warmupSteps: opts.warmup, matmul: opts.matmul, every };
  const r = await runJob<OverheadResult>(browser, url, 'diagnostics', job, opts.timeout);
  if (compare === 'checks') return checksTable(r);
  const perStep = (side: OverheadResult['plain']): string => fixed((1000 * side.seconds) / r.steps, 1);
  const mean = r.dispatchesPerStep + ((r.sampledDispatchesPerStep - r.dispatchesPerStep) * r.sampled.sampledSteps) / r.steps;
  log('');
  log(`Diagnostics: ${r.recipe} (${r.layers.join('-')} ReLU), batch ${r.batch}, every ${r.every} steps; ${r.steps} timed steps each, alternating in ${r.rounds} rounds of ${r.steps / r.rounds}, after ${r.warmupSteps} warm-up steps`);
  log('');
  log(
    table(
      ['run', 'samples/s', 'ms/step', 'dispatches/step', 'sampled steps'],
      [
        ['without diagnostics', fixed(r.plain.samplesPerSecond, 0), perStep(r.plain), String(r.dispatchesPerStep), '0'],
        ['with diagnostics', fixed(r.sampled.samplesPerSecond, 0), perStep(r.sampled), `${r.dispatchesPerStep}, ${r.sampledDispatchesPerStep} sampled (mean ${fixed(mean, 2)})`, String(r.sampled.sampledSteps)],
      ],
    ),
  );
  log(`with / without: ${fixed(r.medianRatio, 3)} (median of the rounds), ${fixed(r.ratio, 3)} (totals)`);
  // A sampled step's cost in plain steps, from the totals: what sets the interval for a budget of 5%.
  const cost = ((r.sampled.seconds - r.plain.seconds) / r.plain.seconds) * (r.steps / Math.max(1, r.sampled.sampledSteps));
  log(`a sampled step costs ${fixed(cost, 2)} plain steps more (from the totals)`);
  const checks = [
    { target: `throughput with diagnostics every ${r.every} steps >= ${TARGETS.withDiagnostics * 100}% of without (${r.recipe}, median of the rounds)`, value: `${fixed(100 * r.medianRatio, 1)}% (totals ${fixed(100 * r.ratio, 1)}%)`, met: r.medianRatio >= TARGETS.withDiagnostics },
  ];
  return { result: r, checks };
}

/** The value checks' side by side: what they cost against the same engine without them. */
function checksTable(r: OverheadResult): { result: OverheadResult; checks: Check[] } {
  const perStep = (side: OverheadResult['plain']): string => fixed((1000 * side.seconds) / r.steps, 1);
  log('');
  log(`Value checks: ${r.recipe} (${r.layers.join('-')} ReLU), batch ${r.batch}; ${r.steps} timed steps each, alternating in ${r.rounds} rounds of ${r.steps / r.rounds}, after ${r.warmupSteps} warm-up steps`);
  log('');
  log(
    table(
      ['run', 'samples/s', 'ms/step', 'dispatches/step'],
      [
        ['without value checks', fixed(r.plain.samplesPerSecond, 0), perStep(r.plain), String(r.dispatchesPerStep)],
        ['with value checks', fixed(r.sampled.samplesPerSecond, 0), perStep(r.sampled), `${r.dispatchesPerStep}, and a copy of each arena per chunk`],
      ],
    ),
  );
  log(`with / without: ${fixed(r.medianRatio, 3)} (median of the rounds), ${fixed(r.ratio, 3)} (totals)`);
  const checks = [
    { target: `throughput with the value checks >= ${TARGETS.withChecks * 100}% of without (${r.recipe}, median of the rounds)`, value: `${fixed(100 * r.medianRatio, 1)}% (totals ${fixed(100 * r.ratio, 1)}%)`, met: r.medianRatio >= TARGETS.withChecks },
  ];
  return { result: r, checks };
}

/** The cost of diagnostics on --recipe, or on the mlp and deep recipes one after the other (one browser, one run); of the value checks on --recipe or mlp. */
async function overheadBench(browser: Browser, url: string, opts: Options): Promise<{ result: OverheadResult[]; checks: Check[] }> {
  const results: OverheadResult[] = [];
  const checks: Check[] = [];
  for (const recipe of opts.recipe ? [opts.recipe] : opts.checks ? (['mlp'] as const) : (['mlp', 'deep'] as const)) {
    const r = await overheadOf(browser, url, opts, recipe);
    results.push(r.result);
    checks.push(...r.checks);
  }
  return { result: results, checks };
}

// ---- kernels -------------------------------------------------------------------------------------------

/** 'deep L1', 'deep L2', 'mlp L1' -> 'deep L1,L2; mlp L1'. */
function usedBy(uses: string[]): string {
  const byRecipe = new Map<string, string[]>();
  for (const use of uses) {
    const [recipe, layer] = use.split(' ');
    byRecipe.set(recipe, [...(byRecipe.get(recipe) ?? []), layer]);
  }
  return [...byRecipe].map(([recipe, layers]) => `${recipe} ${layers.join(',')}`).join('; ') || '-';
}

const PROBE_FORMS = {
  buffers: 'storage buffers (as the engine)',
  textures: 'rgba32float textures',
  hoisted: 'none: loads hoisted out of the K loop',
} as const;

async function kernelBench(browser: Browser, url: string, opts: Options): Promise<{ result: KernelBenchResult; checks: Check[] }> {
  const job: KernelBenchOptions = { recipes: opts.recipe ? [opts.recipe] : (Object.keys(RECIPES) as RecipeName[]), big: opts.big, seconds: opts.kernelSeconds };
  const result = await runJob<KernelBenchResult>(browser, url, 'kernels', job, opts.timeout);
  const g = (t: Timing | null): string => (t ? fixed(t.gflops, 3) : '-');
  log('');
  const chains = result.peak.byChains.map((c) => `${c.chains} chains ${fixed(c.gflops, 2)}${c.verified ? '' : ' (output WRONG, not counted)'}`);
  log(`FMA peak: ${fixed(result.peak.gflops, 2)} GFLOP/s of vec4 fma, outputs checked against the float64 oracle (${chains.join(', ')})`);
  if ('error' in result.tfjs) log(`TF.js WebGPU: failed (${String(result.tfjs.error)})`);
  log('');
  // Every variant of our matmul this device runs; 'ours' is the fastest of them.
  const variants = Object.keys(result.rows[0]?.variants ?? {}) as Array<keyof KernelBenchResult['rows'][number]['variants']>;
  log(
    table(
      ['product', 'M x N x K', 'used by', ...variants.map((v) => `${v} GFLOP/s`), 'ours (fastest)', 'TF.js GFLOP/s', 'ours/TF.js', 'of peak', 'ours ms'],
      result.rows.map((r) => [`${r.label} ${r.kind}`, `${r.M}x${r.N}x${r.K}`, usedBy(r.uses), ...variants.map((v) => g(r.variants[v] ?? null)), r.variant, g(r.tfjs), r.ratio === null ? '-' : `${fixed(r.ratio)}x`, `${fixed(100 * r.ofPeak, 1)}%`, fixed(r.ours.msPerRep, 3)]),
    ),
  );
  if ('skipped' in result.ceiling) {
    log(`ceiling probes: skipped (${result.ceiling.skipped})`);
  } else {
    log('');
    log('What bounds 1024^3 (bench/probes/matmul-ceiling.wgsl: our quad layout, operands from):');
    log(
      table(
        ['operands', 'GFLOP/s', 'of peak', 'ms', 'checked'],
        result.ceiling.map((p) => [PROBE_FORMS[p.form], fixed(p.timing.gflops, 3), `${fixed(100 * p.ofPeak, 1)}%`, fixed(p.timing.msPerRep, 1), p.verified ? 'ok' : 'WRONG']),
      ),
    );
  }
  const checks: Check[] = [];
  const recipeRows = result.rows.filter((r) => r.label !== 'square');
  const worst = recipeRows.filter((r) => r.ratio !== null).sort((a, b) => a.ratio! - b.ratio!)[0];
  if (worst) {
    const below = recipeRows.filter((r) => r.ratio !== null && r.ratio < TARGETS.matmulVsTfjs).length;
    checks.push({ target: `our matmul >= ${TARGETS.matmulVsTfjs}x TF.js on every recipe shape`, value: `${below} of ${recipeRows.length} shapes below; worst ${worst.label} ${worst.kind} ${worst.M}x${worst.N}x${worst.K} at ${fixed(worst.ratio)}x`, met: below === 0 });
  }
  const square = result.rows.find((r) => r.label === 'square');
  if (square) checks.push({ target: `1024^3 >= ${TARGETS.ofPeak * 100}% of the FMA peak`, value: `${fixed(100 * square.ofPeak, 1)}%`, met: square.ofPeak >= TARGETS.ofPeak });
  return { result, checks };
}

// ---- main ----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<Options>();
  const { folder, cleanup } = await site(opts.dist);
  const server = await startStaticServer(folder);
  let chromium: Awaited<ReturnType<typeof launch>> | undefined;
  try {
    chromium = await launch({ args: BROWSER_ARGS });
    const browserVersion = await chromium.browser.version();
    const url = new URL('bench/index.html', server.url).href;
    const { adapter, userAgent, crossOriginIsolated } = await adapterOf(chromium.browser, url);
    log(`Browser: ${browserVersion} (${chromium.executablePath}, flags ${BROWSER_ARGS.join(' ')})`);
    logAdapter(adapter, crossOriginIsolated);

    const date = new Date();
    const record: Record<string, unknown> = {
      date: date.toISOString(),
      mode: opts.kernels ? 'kernels' : opts.checks ? 'checks' : opts.diagnostics !== undefined ? 'diagnostics' : 'train',
      options: opts,
      browser: { version: browserVersion, executable: chromium.executablePath, flags: BROWSER_ARGS, userAgent },
      adapter,
    };
    let checks: Check[];
    if (opts.kernels) {
      const k = await kernelBench(chromium.browser, url, opts);
      record.kernels = k.result;
      checks = k.checks;
    } else if (opts.diagnostics !== undefined || opts.checks) {
      const d = await overheadBench(chromium.browser, url, opts);
      record[opts.checks ? 'checks' : 'diagnostics'] = d.result;
      checks = d.checks;
    } else {
      const t = await trainBench(chromium.browser, url, opts);
      // The page's JSON (what Copy JSON gives a visitor): its figures where earlier results kept them, the rest under page.
      const { results, errors, ...page } = t.page;
      record.page = page;
      record.train = results;
      record.reference = t.reference;
      record.errors = errors;
      const ours = results.ours;
      const peer = results['tfjs-webgpu'];
      if (ours && peer) record.oursOverTfjsWebgpu = ours.samplesPerSecond / peer.samplesPerSecond;
      checks = t.checks;
    }
    record.targets = checks;
    if (checks.length) {
      log('');
      log(`Targets (issue ${opts.checks ? 11 : opts.diagnostics !== undefined ? 10 : 4}):`);
      for (const c of checks) log(verdict(c));
    }
    await mkdir(opts.out, { recursive: true });
    const file = join(opts.out, `bench-${date.toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    log('');
    log(`Wrote ${file}`);
    if (record.errors && Object.keys(record.errors as object).length) process.exitCode = 1;
  } finally {
    await chromium?.close();
    await server.stop();
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
