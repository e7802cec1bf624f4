/**
 * The matmul choices kept in IndexedDB (the page and the worker): database 'webgpu-mlp', object store
 * 'matmul-tuning', one record per tuning key (adapter and kernel-source hash, see src/gpu/tuner.ts).
 */
import type { TunedShape, TuningStore } from './tuner.ts';

const DB = 'webgpu-mlp';
const STORE = 'matmul-tuning';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export class IndexedDbStore implements TuningStore {
  readonly where = `IndexedDB ${DB}/${STORE}`;
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly factory: IDBFactory) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = this.factory.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => {
        // Another tab upgrading the database must not wait on us.
        r.result.onversionchange = () => r.result.close();
        resolve(r.result);
      };
      r.onerror = () => reject(r.error ?? new Error('IndexedDB could not be opened'));
      r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    return this.db;
  }

  async load(key: string): Promise<Record<string, TunedShape> | undefined> {
    const db = await this.open();
    const value: unknown = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(key));
    return value && typeof value === 'object' ? (value as Record<string, TunedShape>) : undefined;
  }

  async save(key: string, shapes: Record<string, TunedShape>): Promise<void> {
    const db = await this.open();
    await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(shapes, key));
  }
}

/** IndexedDB where the global scope has it (pages and workers; not Node, not some private modes). */
export function defaultBrowserStore(): TuningStore | undefined {
  return typeof indexedDB === 'undefined' ? undefined : new IndexedDbStore(indexedDB);
}
