/**
 * Turns a kernel's .wgsl text into the source for one variant.
 *
 * Kernels are written as plain .wgsl files with `${NAME}` placeholders: after `#if`/`#elif` they are
 * variant flags, elsewhere they are text to splice in (such as the shared Step struct). wgsl-preprocessor
 * works as a template-literal tag, so we split the file at its placeholders and call the tag with the
 * pieces, exactly as a tagged template would. `${STEP}` and `${HEALTH}` splice in the shared step.wgsl and
 * health.wgsl. An include (`${MATMUL_IO}`: matmul_io.wgsl) is spliced in before anything else, because its
 * own `#if ${...}` follow the including kernel's defines, which the tag reads only from the file's own text.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import healthSnippet from '../shaders/health.wgsl?raw';
import matmulIo from '../shaders/matmul_io.wgsl?raw';
import stepStruct from '../shaders/step.wgsl?raw';

export type Defines = Record<string, boolean | string>;

const PLACEHOLDER = /\$\{(\w+)\}/g;

/** Shared parts of several kernels, spliced in as text. */
const INCLUDES: Record<string, string> = { MATMUL_IO: matmulIo };

/** `source` with its includes spliced in (one level: an include includes nothing). */
function withIncludes(source: string): string {
  return source.replace(PLACEHOLDER, (whole, name: string) => INCLUDES[name] ?? whole);
}

export function preprocess(kernel: string, source: string, defines: Defines): string {
  const values: Array<boolean | string> = [];
  const pieces = withIncludes(source).split(PLACEHOLDER);
  const strings: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    if (i % 2 === 0) {
      strings.push(pieces[i]);
      continue;
    }
    const name = pieces[i];
    const value = name === 'STEP' ? stepStruct : name === 'HEALTH' ? healthSnippet : defines[name];
    if (value === undefined) {
      throw new Error(`kernel ${kernel}: no value for placeholder \${${name}}`);
    }
    values.push(value);
  }
  const tagged = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray;
  return wgsl(tagged, ...values);
}
