/**
 * A Vite plugin that copies files into the build output unchanged. Used for docs pages that load the built
 * library (dist/lib/) by a relative path: as Vite HTML entries they would have their scripts bundled again,
 * which is exactly what an embedding page does not do.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

/** `files` maps a path relative to the project root to a path relative to the output folder. */
export function copyVerbatim(files: Record<string, string>): Plugin {
  let root = process.cwd();
  return {
    name: 'copy-verbatim',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    async buildStart() {
      for (const from of Object.keys(files)) this.addWatchFile(resolve(root, from));
    },
    async generateBundle() {
      for (const [from, to] of Object.entries(files)) {
        this.emitFile({ type: 'asset', fileName: to, source: await readFile(resolve(root, from)) });
      }
    },
  };
}
