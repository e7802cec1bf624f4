import { defineConfig } from 'vite';
import { mnistAssets } from './build/mnist-assets.ts';

// The embeddable library: ES modules in dist/lib/ that define the custom elements when loaded, with Lit
// bundled in and the engine's worker as its own file beside them (a module worker, resolved against
// import.meta.url, so the folder can be served from anywhere). MNIST comes along in dist/lib/mnist/ for
// pages that point the element's data-url at it.
export default defineConfig({
  base: './',
  // Library mode leaves process.env.NODE_ENV for a consumer's bundler; these modules go straight to browsers.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
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
      entry: { 'mlp-trainer': 'src/app/trainer/mlp-trainer.ts', 'init-lab': 'src/app/lab/init-lab.ts' },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rolldownOptions: { output: { chunkFileNames: '[name]-[hash].js' } },
  },
});
