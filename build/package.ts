/**
 * Builds what the npm package ships (package.json "files") into a folder: the browser bundle (dist/lib/, by
 * vite.lib.config.ts), the library API (dist/api/, vite.api.config.ts), its types (dist/types/,
 * tsconfig.build.json) and custom-elements.json (custom-elements-manifest.config.mjs). `npm run build` builds
 * them here, beside the site; the package test (tests/e2e/package.e2e.test.ts) builds them into a folder of
 * its own, copies the package's other files in (stagePackage) and packs that.
 *
 *   tsx build/package.ts        (npm run build:package)
 */
import { execFile } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** The entries of package.json "files" that buildPackage makes; the others are copied as they are. */
export const BUILT = ['dist/lib', 'dist/api', 'dist/types', 'custom-elements.json'] as const;

export interface PackageBuildOptions {
  /** A browser bundle already built by vite.lib.config.ts (the e2e setup makes one), copied instead of built again. */
  lib?: string;
}

/** Builds the package's files into `out` (the repository root, or a staging folder). */
export async function buildPackage(out: string, options: PackageBuildOptions = {}): Promise<void> {
  const lib = join(out, 'dist/lib');
  const vite = (configFile: string, outDir: string) => build({ root: ROOT, configFile: join(ROOT, configFile), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  if (options.lib) await cp(options.lib, lib, { recursive: true });
  else await vite('vite.lib.config.ts', lib);
  await vite('vite.api.config.ts', join(out, 'dist/api'));
  await Promise.all([
    tool('typescript/bin/tsc', ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(out, 'dist/types')]),
    buildManifest(out),
  ]);
}

/** Writes custom-elements.json into the folder `out` (custom-elements-manifest.config.mjs; `npm run manifest` writes it at the root). */
export async function buildManifest(out: string): Promise<void> {
  // The analyzer joins --outdir to the working folder even when it is absolute.
  await tool('@custom-elements-manifest/analyzer/cem.js', ['analyze', '--quiet', '--config', join(ROOT, 'custom-elements-manifest.config.mjs'), '--outdir', relative(ROOT, out) || '.']);
}

/** Copies the package's files that are not built (package.json, README.md, LICENSE, bin/) into `out`. */
export async function stagePackage(out: string): Promise<void> {
  const { files } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  const copied = ['package.json', 'README.md', 'LICENSE', ...files.filter((f) => !(BUILT as readonly string[]).includes(f))];
  await Promise.all(copied.map((f) => cp(join(ROOT, f), join(out, f), { recursive: true })));
}

/** Runs a devDependency's script with this Node, in the repository root; its output goes into the error. */
async function tool(script: string, args: string[]): Promise<void> {
  try {
    await run(process.execPath, [join(ROOT, 'node_modules', script), ...args], { cwd: ROOT });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${script} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildPackage(ROOT);
}
