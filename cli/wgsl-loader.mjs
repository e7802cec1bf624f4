// Node module hook: `import text from './kernel.wgsl?raw'` yields the file's text, as Vite does in the browser.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { readFile } from 'node:fs/promises';
      export async function load(url, context, nextLoad) {
        if (url.startsWith('file:') && /\\.wgsl\\?raw$/.test(url)) {
          const text = await readFile(new URL(url.replace(/\\?raw$/, '')), 'utf8');
          return { format: 'module', shortCircuit: true, source: 'export default ' + JSON.stringify(text) + ';' };
        }
        return nextLoad(url, context);
      }
    `),
  import.meta.url,
);
