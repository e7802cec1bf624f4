/**
 * The matmul choices kept in a JSON file in Node: by default matmul-tuning.json in the user's cache folder
 * ($XDG_CACHE_HOME/webgpu-mlp, else ~/.cache/webgpu-mlp; %LOCALAPPDATA%\webgpu-mlp on Windows,
 * ~/Library/Caches/webgpu-mlp on macOS), or where WEBGPU_MLP_CACHE_DIR points. One object maps each tuning
 * key (adapter and kernel-source hash, see src/gpu/tuner.ts) to its shapes' choices. Written whole through a
 * temporary file and a rename, so a reader never sees half of it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TunedShape, TuningStore } from './tuner.ts';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.WEBGPU_MLP_CACHE_DIR) return env.WEBGPU_MLP_CACHE_DIR;
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'webgpu-mlp');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'webgpu-mlp');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'webgpu-mlp');
}

type FileRecords = Record<string, Record<string, TunedShape>>;

export class FileStore implements TuningStore {
  constructor(readonly where: string = join(defaultCacheDir(), 'matmul-tuning.json')) {}

  private async read(): Promise<FileRecords> {
    let text: string;
    try {
      text = await readFile(this.where, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as FileRecords;
    } catch {
      // A damaged cache is measured again and rewritten.
    }
    return {};
  }

  async load(key: string): Promise<Record<string, TunedShape> | undefined> {
    return (await this.read())[key];
  }

  async save(key: string, shapes: Record<string, TunedShape>): Promise<void> {
    const records = await this.read();
    records[key] = shapes;
    await mkdir(dirname(this.where), { recursive: true });
    const temporary = `${this.where}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(records, null, 1)}\n`);
    await rename(temporary, this.where);
  }
}
