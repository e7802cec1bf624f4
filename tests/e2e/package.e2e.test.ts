/**
 * The npm package as a documentation author gets it: its files built (build/package.ts, reusing the e2e
 * setup's browser bundle), packed with `npm pack`, and the tarball installed with npm into a fresh project in
 * the temporary folder, which cannot see this repository's sources. Then, with only what the package ships:
 * - the tarball holds the built files that package.json names (every export's target among them) and no source;
 * - a Node script imports the library by the package's name and trains one epoch on 1,000 MNIST images;
 * - the `webgpu-mlp train` command does the same, finding a Vulkan loader by itself;
 * - a plain page on another origin (a documentation site) with one script tag, the package's bundle served as a
 *   CDN serves it, and one <mlp-trainer>: the element finds its worker and MNIST beside the bundle and trains its
 *   run to the end in Chromium; opened from a file instead, it says that WebGPU needs a secure context;
 * - TypeScript type-checks a consumer file against the package's types alone (the tag name map, the event
 *   detail types, the library API), with module resolution for bundlers and for Node;
 * - custom-elements.json lists both elements with their attributes and events (with detail types).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildPackage, stagePackage } from '../../build/package.ts';
import { withVulkanLoader } from '../../bin/vulkan-loader.mjs';
import { launch, type LaunchedBrowser } from './browser.ts';
import { startStaticServer, type StaticServer } from './server.ts';
import { clickButton, openPage, progressStep, screenshot, shadowAttribute, waitForShadow, waitForState } from './pages.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

/** Runs a command; its output goes into the error when it fails. */
async function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  try {
    return (await exec(command, args, { ...options, maxBuffer: 16 * 2 ** 20 })).stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${options.cwd}:\n${stdout}${stderr}`, { cause: error });
  }
}

/**
 * The environment of a user's shell: without the library path this repository's launcher adds, and without
 * the npm_* settings that `npm test` hands its scripts (its project folder among them).
 */
function plainEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'LD_LIBRARY_PATH' && !/^npm_/i.test(name)));
}

let work = '';
let consumer = '';
let installed = '';
let packedFiles: string[] = [];

/** Logs how long each step of the setup took (the whole test should stay within a few minutes). */
async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await step();
  console.log(`package test: ${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlp-package-'));
  const staging = join(work, 'staging');
  consumer = join(work, 'consumer');
  await timed('built the package', async () => {
    await buildPackage(staging, { lib: join(inject('e2eDist'), 'lib') });
    await stagePackage(staging);
  });
  const packed = await timed('packed it', async () => JSON.parse(await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: staging, env: plainEnv() })) as Array<{ filename: string; files: Array<{ path: string }> }>);
  packedFiles = packed[0].files.map((f) => f.path);
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'docs-site', private: true, type: 'module' }, null, 2));
  await timed('installed the tarball', () => run('npm', ['install', join(work, packed[0].filename), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: consumer, env: plainEnv() }));
  installed = join(consumer, 'node_modules', 'webgpu-mlp');
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the built files package.json names, every export target among them, and no source', async () => {
    expect(consumer.startsWith(ROOT)).toBe(false);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>>; bin: Record<string, string>; private?: boolean };
    expect(manifest.private).toBeUndefined();
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
    for (const file of [...targets, ...Object.values(manifest.bin), 'LICENSE', 'README.md']) {
      expect(packedFiles, file).toContain(file.replace(/^\.\//, ''));
    }
    expect(packedFiles).toEqual(expect.arrayContaining(['dist/lib/mnist/train-images-idx3-ubyte.gz', 'dist/lib/mnist/t10k-labels-idx1-ubyte.gz']));
    expect(packedFiles.filter((f) => /^(src|tests|cli|build|bench)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });
});

describe('in Node', () => {
  it('a script imports the library by the package name and trains one epoch on 1,000 images', async () => {
    await writeFile(
      join(consumer, 'train.mjs'),
      `import { createNodeContext, deviceNeeds, loadMnist, RECIPES, Trainer } from 'webgpu-mlp/node';

const dataset = await loadMnist();
const recipe = { ...RECIPES.mlp, epochs: 1, trainLimit: 1000 };
const ctx = await createNodeContext({ ...deviceNeeds(dataset, recipe), tuning: { mode: 'untuned' } });
const trainer = await Trainer.create(ctx, dataset, recipe);
const epochs = [];
await trainer.fit({ onEpoch: (e) => epochs.push(e) });
const { accuracy, count } = await trainer.evaluate();
console.log(JSON.stringify({ resolved: import.meta.resolve('webgpu-mlp/node'), steps: trainer.stepsPerEpoch, epochs: epochs.map((e) => e.loss), accuracy, count }));
trainer.destroy();
ctx.destroy();
`,
    );
    // Plain Node, no tsx; the library path a machine without a Vulkan loader needs (README: Install).
    const out = await timed('trained in Node', () => run(process.execPath, ['train.mjs'], { cwd: consumer, env: withVulkanLoader(plainEnv()) }));
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { resolved: string; steps: number; epochs: number[]; accuracy: number; count: number };
    expect(fileURLToPath(result.resolved)).toBe(join(installed, 'dist', 'api', 'node.js'));
    expect(result.steps).toBe(10);
    expect(result.epochs).toHaveLength(1);
    expect(result.epochs[0]).toBeLessThan(2.3);
    expect(result.count).toBe(10_000);
    expect(result.accuracy).toBeGreaterThan(0.5);
  });

  it('the webgpu-mlp command trains one epoch on 1,000 images', async () => {
    const bin = join(consumer, 'node_modules', '.bin', 'webgpu-mlp');
    expect(await run(bin, ['train', '--help'], { cwd: consumer, env: plainEnv() })).toContain('Usage: webgpu-mlp train [options]');
    const out = await timed('trained with the command', () => run(bin, ['train', '--epochs', '1', '--train-limit', '1000', '--matmul', 'untuned', '--json'], { cwd: consumer, env: plainEnv() }));
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { epoch?: number; test_accuracy?: number; count?: number });
    expect(lines.filter((l) => l.epoch !== undefined)).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ count: 10_000 });
    expect(lines.at(-1)!.test_accuracy).toBeGreaterThan(0.5);
  });
});

describe('in Chromium', () => {
  let chromium: LaunchedBrowser;
  let cdn: StaticServer;
  let site: StaticServer;
  let bundle = '';
  const page = (script: string) => `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A documentation page</title></head>
  <body>
    <p>One script tag and one element.</p>
    <script type="module" src="${script}"></script>
    <mlp-trainer epochs="1" train-limit="300"></mlp-trainer>
  </body>
</html>
`;

  beforeAll(async () => {
    // The installed package served as a CDN serves it (cross-origin, CORS allowed); the page on an origin of its own.
    cdn = await startStaticServer(installed, { headers: { 'Access-Control-Allow-Origin': '*' } });
    bundle = new URL('dist/lib/webgpu-mlp.js', cdn.url).href;
    await mkdir(join(work, 'site'), { recursive: true });
    await writeFile(join(work, 'site', 'index.html'), page(bundle));
    site = await startStaticServer(join(work, 'site'));
    chromium = await launch();
  });

  afterAll(async () => {
    await chromium?.close();
    await site?.stop();
    await cdn?.stop();
  });

  it('one script tag and one <mlp-trainer> train to the end, the worker and MNIST found beside the bundle', async () => {
    const { page, problems } = await openPage(chromium.browser, site.url);
    try {
      const setup = await page.evaluate(() => ({
        scripts: [...document.scripts].map((s) => s.src),
        trainer: customElements.get('mlp-trainer') !== undefined && document.querySelector('mlp-trainer')!.shadowRoot !== null,
        lab: customElements.get('init-lab') !== undefined,
      }));
      expect(setup).toEqual({ scripts: [bundle], trainer: true, lab: true });
      await waitForState(page, 'idle', 150_000);
      await clickButton(page, 'start');
      await waitForState(page, 'finished', 150_000);
      expect(await progressStep(page)).toBe(3);
      expect(await shadowAttribute(page, '#confusion', 'data-total')).toBe('10000');
      expect(Number(await shadowAttribute(page, '#accuracy-summary', 'data-accuracy'))).toBeGreaterThan(0.1);
      expect(cdn.requests).toEqual(expect.arrayContaining(['/dist/lib/webgpu-mlp.js', '/dist/lib/worker.js', '/dist/lib/mnist/train-images-idx3-ubyte.gz']));
      expect(site.requests.filter((path) => path !== '/favicon.ico')).toEqual(['/']);
      await screenshot(page, 'package-cdn');
      expect(problems.all()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the same page opened from a file says that WebGPU needs a secure context', async () => {
    const file = join(work, 'site', 'from-a-file.html');
    await writeFile(file, page(bundle));
    const { page: opened } = await openPage(chromium.browser, pathToFileURL(file).href);
    try {
      const reason = await waitForShadow(opened, '#offline-reason', { timeout: 60_000 });
      expect(reason).toContain('WebGPU needs a secure context');
      expect(reason).toContain('http://localhost');
    } finally {
      await opened.close();
    }
  });
});

describe('TypeScript', () => {
  const CHECK = `import type { EpochEndDetail, MlpTrainer, MlpTrainerEventMap, ProgressDetail } from 'webgpu-mlp/mlp-trainer';
import type { InitLab, LabEndDetail } from 'webgpu-mlp/init-lab';
import { RECIPES, validateRecipe, type Recipe } from 'webgpu-mlp';
import { createNodeContext, loadMnist } from 'webgpu-mlp/node';

// The tag name map: querySelector knows each element's class.
const trainer = document.querySelector('mlp-trainer');
const lab = document.querySelector('init-lab');
// @ts-expect-error <mlp-trainer> is not an InitLab
const wrong: InitLab | null = trainer;
if (trainer) {
  trainer.epochs = 1;
  // @ts-expect-error epochs is a number
  trainer.epochs = 'one';
  // Listeners on the element get each event's detail type ('progress' is not the built-in ProgressEvent).
  trainer.addEventListener('progress', (event) => {
    const progress: ProgressDetail = event.detail;
    console.log(progress.step, progress.loss, progress.samplesPerSecond);
  });
  trainer.addEventListener('epoch-end', (event) => {
    const detail: EpochEndDetail = event.detail;
    const loss: number = detail.result.loss;
    const accuracy: number | undefined = detail.evaluation?.accuracy;
    console.log(loss, accuracy);
  });
  // @ts-expect-error a train-end's state is finished or stopped, not a number
  trainer.addEventListener('train-end', (event) => { const state: number = event.detail.state; console.log(state); });
  const started: boolean = trainer.start();
  console.log(started, trainer.state);
}
// On an ancestor, the map gives the type.
document.body.addEventListener('error', (event) => console.log((event as unknown as MlpTrainerEventMap['error']).detail.field));
lab?.addEventListener('lab-end', (event) => {
  const detail: LabEndDetail = event.detail;
  console.log(detail.status, detail.runs.length);
});
const recipe: Recipe = validateRecipe({ ...RECIPES.quick, epochs: 1 });
const element: MlpTrainer | null = trainer;
export async function nodeRun(): Promise<number> {
  const dataset = await loadMnist();
  const ctx = await createNodeContext();
  ctx.destroy();
  return dataset.train.count + recipe.epochs + (wrong || element ? 1 : 0);
}
`;

  for (const resolution of ['Bundler', 'NodeNext'] as const) {
    it(`type-checks a consumer of the elements and the library (moduleResolution ${resolution})`, async () => {
      await writeFile(join(consumer, 'check.ts'), CHECK);
      const config = `tsconfig.${resolution.toLowerCase()}.json`;
      const options = { target: 'ES2022', module: resolution === 'Bundler' ? 'ESNext' : 'NodeNext', moduleResolution: resolution, lib: ['ES2022', 'DOM', 'DOM.Iterable'], strict: true, noEmit: true, skipLibCheck: false, types: [] };
      await writeFile(join(consumer, config), JSON.stringify({ compilerOptions: options, files: ['check.ts'] }, null, 2));
      await timed(`type-checked (${resolution})`, () => run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: consumer, env: plainEnv() }));
    });
  }
});

describe('custom-elements.json', () => {
  interface Declaration {
    tagName?: string;
    customElement?: boolean;
    attributes?: Array<{ name: string }>;
    events?: Array<{ name: string; type?: { text: string } }>;
    cssParts?: Array<{ name: string }>;
    cssProperties?: Array<{ name: string }>;
  }

  it('lists both elements with their attributes and events, in the modules the package ships', async () => {
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { customElements: string };
    const manifest = JSON.parse(await readFile(join(installed, pkg.customElements), 'utf8')) as { modules: Array<{ path: string; declarations?: Declaration[] }> };
    const elements = new Map(manifest.modules.flatMap((m) => (m.declarations ?? []).filter((d) => d.customElement).map((d) => [d.tagName, { ...d, path: m.path }] as const)));
    expect([...elements.keys()].sort()).toEqual(['init-lab', 'mlp-trainer']);
    for (const { path } of elements.values()) expect(packedFiles).toContain(path);

    const trainer = elements.get('mlp-trainer')!;
    expect(trainer.attributes!.map((a) => a.name)).toEqual(expect.arrayContaining(['recipe', 'layers', 'init', 'bias-init', 'optimizer', 'lr', 'batch', 'epochs', 'seed', 'train-limit', 'data-url', 'eval-each-epoch', 'sync-hash', 'state']));
    expect(Object.fromEntries(trainer.events!.map((e) => [e.name, e.type?.text]))).toEqual({
      'train-start': 'CustomEvent<TrainStartDetail>',
      progress: 'CustomEvent<ProgressDetail>',
      'epoch-end': 'CustomEvent<EpochEndDetail>',
      'train-end': 'CustomEvent<TrainEndDetail>',
      error: 'CustomEvent<ErrorDetail>',
    });
    expect(trainer.cssParts!.map((p) => p.name)).toEqual(expect.arrayContaining(['controls', 'start', 'chart', 'unsupported']));
    expect(trainer.cssProperties!.map((p) => p.name)).toEqual(expect.arrayContaining(['--mlp-accent', '--mlp-chart-height', '--mlp-sticky-top']));

    const lab = elements.get('init-lab')!;
    expect(lab.attributes!.map((a) => a.name)).toEqual(expect.arrayContaining(['data-url', 'depth', 'width']));
    expect(Object.fromEntries(lab.events!.map((e) => [e.name, e.type?.text]))).toEqual({
      'lab-start': 'CustomEvent<LabStartDetail>',
      'stack-start': 'CustomEvent<LabStartDetail>',
      'lab-end': 'CustomEvent<LabEndDetail>',
      'probe-end': 'CustomEvent<ProbeEndDetail>',
      'lab-error': 'CustomEvent<LabErrorDetail>',
    });
  });
});
