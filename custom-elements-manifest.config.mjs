// @custom-elements-manifest/analyzer's settings (`npm run manifest`, and build/package.ts): the two elements,
// read as Lit elements (the --litelement handling) from their decorators and JSDoc (@attr, @fires with the
// detail type, @csspart, @cssprop), written to custom-elements.json with the paths of the modules the package
// ships instead of the sources. The details' types are in the package's .d.ts (webgpu-mlp/mlp-trainer, ...).
const SHIPPED = {
  'src/app/trainer/mlp-trainer.ts': 'dist/lib/mlp-trainer.js',
  'src/app/lab/init-lab.ts': 'dist/lib/init-lab.js',
};

/** Replaces every source path in the manifest (a module's path, a declaration's module) by the shipped file's. */
function shippedPaths(node) {
  if (Array.isArray(node)) return node.forEach(shippedPaths);
  if (node === null || typeof node !== 'object') return;
  for (const key of ['path', 'module']) {
    if (typeof node[key] === 'string' && Object.hasOwn(SHIPPED, node[key])) node[key] = SHIPPED[node[key]];
  }
  Object.values(node).forEach(shippedPaths);
}

/** data-url's default is a constant the build decides (src/app/bridge/data-location.ts): said as the bundle has it. */
function dataUrlDefault(node) {
  if (Array.isArray(node)) return node.forEach(dataUrlDefault);
  if (node === null || typeof node !== 'object') return;
  if (node.default === 'DEFAULT_DATA_URL') node.default = "new URL('mnist/', import.meta.url): mnist/ beside the bundle";
  Object.values(node).forEach(dataUrlDefault);
}

/** Drops the modules' re-exports of types (`export type { ... } from './events.ts'`): the shipped JavaScript has none. */
function withoutTypeExports(manifest) {
  for (const mod of manifest.modules) mod.exports = mod.exports?.filter((e) => !/\.ts$/.test(e.declaration?.module ?? ''));
}

export default {
  globs: Object.keys(SHIPPED),
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [
    {
      name: 'shipped-modules',
      packageLinkPhase({ customElementsManifest }) {
        shippedPaths(customElementsManifest);
        withoutTypeExports(customElementsManifest);
        dataUrlDefault(customElementsManifest);
      },
    },
  ],
};
