/**
 * Loading an IDX dataset over HTTP (the page and its worker): the four MNIST-style files, gzipped or plain,
 * from one folder URL. The files are checked exactly as on disk (src/data/idx.ts).
 */
import { DataError, datasetFromFiles, IDX_FILE_NAMES, makeImageSet, readIdx, type Dataset, type ImageSet } from './idx.ts';

async function fetchFile(base: string, name: string): Promise<Uint8Array> {
  const tried: string[] = [];
  for (const file of [`${name}.gz`, name]) {
    const url = new URL(file, base).href;
    tried.push(url);
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new DataError(`could not fetch ${url}: ${(error as Error).message}`);
    }
    if (response.ok) return new Uint8Array(await response.arrayBuffer());
    if (response.status !== 404) throw new DataError(`could not fetch ${url}: HTTP ${response.status}`);
  }
  throw new DataError(`the dataset folder has no ${name}: tried ${tried.join(' and ')}`);
}

/** Loads the dataset in the folder `base` (a URL ending in '/'). */
export async function fetchIdxDataset(base: string, name = 'mnist'): Promise<Dataset> {
  const folder = base.endsWith('/') ? base : `${base}/`;
  const names = [IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels];
  return datasetFromFiles(await Promise.all(names.map(async (file) => ({ name: file, bytes: await fetchFile(folder, file) }))), name);
}

/** Only the test images and labels of the folder `base`: for a page that classifies but does not train. */
export async function fetchTestSet(base: string, name = 'mnist'): Promise<ImageSet> {
  const folder = base.endsWith('/') ? base : `${base}/`;
  const [images, labels] = await Promise.all([IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels].map(async (file) => readIdx(await fetchFile(folder, file), file)));
  return makeImageSet(images, labels, `${name} test`);
}
