/**
 * Global setup of the e2e project: builds the site and the library once per test run, with Vite's build()
 * API and the project's own configs, into a fresh temporary folder (so a test run never races `npm run
 * build` or another run over dist/, and never tests a stale build). Tests get the folder with
 * `inject('e2eDist')`. Set E2E_DIST to a built folder (such as dist/) to test that instead of building.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built site (index.html, mnist/, docs/) with the library in lib/. */
    e2eDist: string;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.E2E_DIST;
  if (given) {
    const dist = resolve(given);
    if (!existsSync(join(dist, 'index.html'))) throw new Error(`E2E_DIST is ${dist}, which holds no index.html: run npm run build first`);
    project.provide('e2eDist', dist);
    return async () => {};
  }
  const dist = await mkdtemp(join(tmpdir(), 'mlp-e2e-dist-'));
  const started = performance.now();
  try {
    await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
    await build({ root: ROOT, configFile: join(ROOT, 'vite.lib.config.ts'), logLevel: 'warn', build: { outDir: join(dist, 'lib'), emptyOutDir: true } });
  } catch (error) {
    await rm(dist, { recursive: true, force: true });
    throw new Error(`e2e setup: building the site and library failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  console.log(`e2e setup: built site and library in ${((performance.now() - started) / 1000).toFixed(1)} s (${dist})`);
  project.provide('e2eDist', dist);
  return async () => {
    await rm(dist, { recursive: true, force: true });
  };
}
