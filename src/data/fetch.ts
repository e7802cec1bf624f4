/**
 * Loading an IDX dataset over HTTP (the page and its worker): the four MNIST-style files, gzipped or plain,
 * from one folder URL. The files are checked exactly as on disk (src/data/idx.ts).
 *
 * Each file is tried as `name.gz`, then as `name`. An answer that is not the file moves on to the next name:
 * a 404, or a web page, which is what many static hosts and dev servers send, with status 200, for a path
 * they do not have. When neither name is the file, or the file is not IDX, the DataError's message says
 * what each URL answered, and its `source` carries the answer as data (URL, status, web page or not, first
 * bytes) for a page to word its own message.
 */
import { DataError, IDX_FILE_NAMES, datasetFromFiles, gunzip, isGzip, makeImageSet, parseIdx, readIdx, type DataSource, type Dataset, type ImageSet } from './idx.ts';

/** How many bytes of an answer a message shows. */
const SHOWN_BYTES = 16;

/** Bytes as text for a message: printable ASCII as itself, any other byte as \xNN. */
export function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

/** A web page's text starts with '<' (<!DOCTYPE html>, <html>), after any byte-order mark and white space. */
function startsLikeMarkup(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x3c;
}

/** What a URL answered, as a DataSource, with the body when the status was a success. */
async function ask(url: string): Promise<{ source: DataSource; ok: boolean; bytes: Uint8Array }> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DataError(`could not fetch ${url}: ${(error as Error).message}`, { url, status: null, html: false, firstBytes: '' });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const html = (response.headers.get('content-type') ?? '').toLowerCase().includes('text/html') || startsLikeMarkup(bytes);
  return { source: { url, status: response.status, html, firstBytes: printable(bytes.subarray(0, SHOWN_BYTES)) }, ok: response.ok, bytes };
}

/** "http://…/x.gz answered with a web page (HTTP 200)" and the like. */
function answered(source: DataSource): string {
  if (source.html) return `${source.url} answered with a web page (HTTP ${source.status}), not an IDX file`;
  return `${source.url} answered HTTP ${source.status}${source.status === 404 ? ' (not found)' : ''}`;
}

/** The file's IDX bytes (gunzipped), or a DataError carrying what the server answered. */
async function fetchFile(folder: string, name: string): Promise<Uint8Array> {
  const misses: DataSource[] = [];
  for (const file of [`${name}.gz`, name]) {
    const url = new URL(file, folder).href;
    const { source, ok, bytes } = await ask(url);
    if (source.html || source.status === 404) {
      misses.push(source);
      continue;
    }
    if (!ok) throw new DataError(`could not fetch ${answered(source)}`, source);
    try {
      const plain = isGzip(bytes) ? await gunzip(bytes, url) : bytes;
      parseIdx(plain, url);
      return plain;
    } catch (error) {
      if (error instanceof DataError) throw new DataError(error.message, source);
      throw error;
    }
  }
  throw new DataError(`the dataset folder ${folder} has no ${name}: ${misses.map(answered).join('; ')}`, misses[0]);
}

/**
 * Every promise's value, in order; when some fail, the first failure in list order (not the first to arrive),
 * so that a folder with nothing in it is always reported by the same file.
 */
async function allInOrder<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Loads the dataset in the folder `base` (a URL ending in '/'). */
export async function fetchIdxDataset(base: string, name = 'mnist'): Promise<Dataset> {
  const folder = base.endsWith('/') ? base : `${base}/`;
  const names = [IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels];
  return datasetFromFiles(await allInOrder(names.map(async (file) => ({ name: file, bytes: await fetchFile(folder, file) }))), name);
}

/** Only the test images and labels of the folder `base`: for a page that classifies but does not train. */
export async function fetchTestSet(base: string, name = 'mnist'): Promise<ImageSet> {
  const folder = base.endsWith('/') ? base : `${base}/`;
  const [images, labels] = await allInOrder([IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels].map(async (file) => readIdx(await fetchFile(folder, file), file)));
  return makeImageSet(images, labels, `${name} test`);
}
