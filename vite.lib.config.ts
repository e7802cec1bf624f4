import { defineConfig } from 'vite';
import { mnistAssets } from './build/mnist-assets.ts';

// The browser bundle of the package (dist/lib/, what a CDN serves): ES modules that define the custom
// elements when loaded, webgpu-mlp.js both, mlp-trainer.js and init-lab.js one each, with Lit bundled in and
// the engine's worker as its own file beside them (resolved against import.meta.url, so the folder can be
// served from anywhere). MNIST comes along in dist/lib/mnist/, where an element looks when its data-url is
// not set. The library API for bundlers and Node is another build (vite.api.config.ts).
export default defineConfig({
  base: './',
  define: {
    // Library mode leaves process.env.NODE_ENV for a consumer's bundler; these modules go straight to browsers.
    'process.env.NODE_ENV': JSON.stringify('production'),
    // The elements' default data-url: the mnist/ folder beside these modules (src/app/bridge/data-location.ts).
    'import.meta.env.WEBGPU_MLP_DATA_BESIDE_MODULES': 'true',
  },
  worker: {
    format: 'es',
    rolldownOptions: { output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' } },
  },
  plugins: [mnistAssets()],
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    copyPublicDir: false,
    lib: {
      entry: { 'webgpu-mlp': 'src/app/elements.ts', 'mlp-trainer': 'src/app/trainer/mlp-trainer.ts', 'init-lab': 'src/app/lab/init-lab.ts' },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rolldownOptions: { output: { chunkFileNames: '[name]-[hash].js' } },
  },
});
