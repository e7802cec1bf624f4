import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { copyVerbatim } from './build/copy-verbatim.ts';
import { mnistAssets } from './build/mnist-assets.ts';

// The demo site (index.html) and, in test, the Vitest projects. The embeddable library has its own config
// (vite.lib.config.ts); `npm run build` runs both, into dist/ and dist/lib/.
export default defineConfig({
  // Relative asset URLs, so dist/ works from any static host and any sub-path.
  base: './',
  worker: { format: 'es' },
  plugins: [mnistAssets(), copyVerbatim({ 'docs/embed.html': 'docs/embed.html' })],
  build: {
    outDir: 'dist',
    // TensorFlow.js (the benchmark's peer, loaded only when a TF.js job runs) is one 590 kB chunk; the
    // site's own chunks are far smaller.
    chunkSizeWarningLimit: 700,
    // The site, and the benchmark page that `npm run bench` drives (bench/index.html).
    rolldownOptions: { input: { main: fileURLToPath(new URL('index.html', import.meta.url)), bench: fileURLToPath(new URL('bench/index.html', import.meta.url)) } },
  },
  test: {
    // GPU tests share one software adapter on two cores: run files one at a time so timings stay sane.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The Node trainer keeps its matmul choices in the user's cache folder; the tests (and the CLI runs they
    // spawn) keep theirs in a folder of this test run instead.
    env: { WEBGPU_MLP_CACHE_DIR: join(tmpdir(), `webgpu-mlp-tests-${process.pid}`) },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'tests/e2e/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real browser against the built site: global-setup.ts builds both configs once per run.
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          // After the unit and GPU tests, never beside them: both want the two cores.
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
