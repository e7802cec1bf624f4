/**
 * Fetching the IDX dataset over HTTP (src/data/fetch.ts) from a local server: the .gz name first, then the
 * plain one; a web page where the file should be (a static host's answer for a folder that is not there) is
 * said to be one; and every failure carries what came back as data (URL, status, web page or not, the first
 * bytes printable) besides its sentence.
 */
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchIdxDataset, printable } from '../src/data/fetch.ts';
import { DataError, IDX_FILE_NAMES } from '../src/data/idx.ts';
import { bandImages, idxFile } from './idx-fixtures.ts';

const { images, labels } = bandImages(20);
/** Folder -> file name -> [status, content-type, body]. */
const SITE: Record<string, Record<string, [number, string, Uint8Array]>> = {
  gz: {
    [`${IDX_FILE_NAMES.trainImages}.gz`]: [200, 'application/gzip', new Uint8Array(gzipSync(idxFile([20, 28, 28], images)))],
    [IDX_FILE_NAMES.trainLabels]: [200, 'application/octet-stream', idxFile([20], labels)],
    [IDX_FILE_NAMES.testImages]: [200, 'application/octet-stream', idxFile([20, 28, 28], images)],
    [IDX_FILE_NAMES.testLabels]: [200, 'application/octet-stream', idxFile([20], labels)],
  },
  // Not IDX, not a page: a server that answers every path with the same bytes.
  junk: Object.fromEntries(Object.values(IDX_FILE_NAMES).map((name) => [`${name}.gz`, [200, 'application/octet-stream', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0xff, 0x41])]])),
};
const PAGE = new TextEncoder().encode('\n  <!DOCTYPE html><html><body>app</body></html>');

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const [, folder, name] = (req.url ?? '/').split('/');
    const file = SITE[folder]?.[name];
    if (file) res.writeHead(file[0], { 'content-type': file[1] }).end(file[2]);
    else if (folder === 'gone') res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    else if (folder === 'broken') res.writeHead(500, { 'content-type': 'text/plain' }).end('oops');
    // Nothing here, and the first file's answers come last.
    else if (folder === 'slow') setTimeout(() => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'), name.startsWith(IDX_FILE_NAMES.trainImages) ? 300 : 0);
    // Any other path: the app's page, status 200, and (like some servers) no content-type to tell.
    else res.writeHead(200).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => server?.close());

async function failure(url: string): Promise<DataError> {
  const error = await fetchIdxDataset(url).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe('fetching an IDX dataset', () => {
  it('takes each file gzipped or plain, whichever the folder has', async () => {
    const dataset = await fetchIdxDataset(`${base}gz`);
    expect([dataset.train.count, dataset.test.count, dataset.train.rows]).toEqual([20, 20, 28]);
    expect(Array.from(dataset.train.labels)).toEqual(Array.from(labels));
  });

  it('says so when the server answers with a web page, and gives the URL, status and first bytes as data', async () => {
    const error = await failure(`${base}missing/`);
    expect(error.message).toMatch(new RegExp(`^the dataset folder ${base}missing/ has no [\\w-]+: ${base}missing/[\\w-]+\\.gz answered with a web page \\(HTTP 200\\), not an IDX file; ${base}missing/[\\w-]+ answered with a web page`));
    expect(error.source).toMatchObject({ status: 200, html: true, firstBytes: '\\x0a  <!DOCTYPE htm' });
    expect(error.source?.url).toMatch(new RegExp(`^${base}missing/[\\w-]+\\.gz$`));
  });

  it('reports the first file of the four when none is there, whichever answers first', async () => {
    const error = await failure(`${base}slow/`);
    expect(error.message).toMatch(new RegExp(`^the dataset folder ${base}slow/ has no ${IDX_FILE_NAMES.trainImages}: `));
    expect(error.source?.url).toBe(`${base}slow/${IDX_FILE_NAMES.trainImages}.gz`);
  });

  it('names both URLs tried when neither exists', async () => {
    const error = await failure(`${base}gone/`);
    expect(error.message).toContain(`answered HTTP 404 (not found); ${base}gone/`);
    expect(error.source).toMatchObject({ status: 404, html: false, firstBytes: 'not found' });
  });

  it('reports a server error and a file that is not IDX with what came back', async () => {
    expect((await failure(`${base}broken/`)).source).toMatchObject({ status: 500, html: false, firstBytes: 'oops' });
    const junk = await failure(`${base}junk/`);
    expect(junk.message).toMatch(/wrong magic number.*not an IDX file/);
    expect(junk.source).toMatchObject({ status: 200, html: false, firstBytes: 'PK\\x03\\x04\\xffA' });
  });

  it('says when nothing answered at all', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/data/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(url);
    expect(error.message).toMatch(/^could not fetch http:\/\/127\.0\.0\.1:\d+\/data\/[\w-]+\.gz: /);
    expect(error.source).toMatchObject({ status: null, html: false, firstBytes: '' });
  });

  it('shows bytes printable', () => {
    expect(printable(new Uint8Array([0x3c, 0x21, 0x00, 0x7f, 0x41]))).toBe('<!\\x00\\x7fA');
  });
});
