/**
 * The elements' reference, read from custom-elements.json (the manifest @custom-elements-manifest/analyzer
 * writes from the elements' JSDoc; build/docs.ts passes its path as `manifestPath`): per element its tag,
 * summary, description, attributes, properties, methods, events with their detail types, CSS parts and CSS
 * custom properties, in the manifest's order. Texts come back as HTML: escaped, with `code` spans kept as code.
 */
import { readFile } from 'node:fs/promises';

/** Escapes text for HTML and turns `backticked` spans into <code>. */
function html(text = '') {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return escaped.replace(/\s*\n\s*/g, ' ').replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** A default as the manifest writes it, unless it is code rather than a value (`new EngineController(...)`). */
function shownDefault(value) {
  if (value === undefined || /^new\s/.test(value) && !value.includes(':')) return '';
  return value;
}

/** The detail type of `CustomEvent<Detail>`. */
function detailType(type = '') {
  return /^CustomEvent<(.+)>$/.exec(type)?.[1] ?? type;
}

function element(declaration) {
  const members = declaration.members ?? [];
  const visible = (m) => !m.static && (m.privacy ?? 'public') === 'public';
  return {
    tag: declaration.tagName,
    className: declaration.name,
    summary: html(declaration.summary),
    description: html(declaration.description),
    attributes: (declaration.attributes ?? []).map((a) => ({
      name: a.name,
      type: a.type?.text ?? '',
      default: shownDefault(a.default),
      description: html(a.description),
      property: a.fieldName ?? '',
    })),
    properties: members
      .filter((m) => m.kind === 'field' && visible(m))
      .map((m) => ({ name: m.name, type: m.type?.text ?? '', readonly: Boolean(m.readonly), attribute: m.attribute ?? '', description: html(m.description) })),
    methods: members
      .filter((m) => m.kind === 'method' && visible(m))
      .map((m) => ({
        signature: `${m.name}(${(m.parameters ?? []).map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.type?.text ?? 'unknown'}`).join(', ')}): ${m.return?.type?.text ?? 'void'}`,
        name: m.name,
        description: html(m.description),
      })),
    events: (declaration.events ?? []).map((e) => ({ name: e.name, detail: detailType(e.type?.text), description: html(e.description) })),
    cssParts: (declaration.cssParts ?? []).map((p) => ({ name: p.name, description: html(p.description) })),
    cssProperties: (declaration.cssProperties ?? []).map((p) => ({ name: p.name, default: p.default ?? '', description: html(p.description) })),
  };
}

export default async function ({ manifestPath }) {
  const manifest = JSON.parse(await readFile(manifestPath ?? 'custom-elements.json', 'utf8'));
  const declarations = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.customElement && d.tagName);
  if (declarations.length === 0) throw new Error(`${manifestPath} describes no custom element: run npm run manifest`);
  return declarations.map(element);
}
