/**
 * Where the elements look for MNIST's four .gz files when the page sets no data-url. The site (and Vite's dev
 * server) serves them at mnist/ beside the page. The library build (vite.lib.config.ts, the package's
 * dist/lib/) ships them in mnist/ beside its own modules and sets import.meta.env.WEBGPU_MLP_DATA_BESIDE_MODULES,
 * so that a page loading the bundle from anywhere, a CDN included, finds them without naming a folder.
 */
const MNIST_FOLDER = 'mnist/';

export const DEFAULT_DATA_URL: string = import.meta.env.WEBGPU_MLP_DATA_BESIDE_MODULES
  ? new URL(MNIST_FOLDER, import.meta.url).href
  : MNIST_FOLDER;
