// What documentation tools learn of <init-lab> from custom-elements.json, built here by the analyzer with the
// project's config (build/package.ts's buildManifest, what `npm run manifest` and the package run): its
// attributes (state and panels among them) and public members, and none of what the element only offers its
// panels (PanelHost: report, blocked, shape, announce, engine, shown), which its JSDoc marks @internal.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest } from '../build/package.ts';

interface Declaration {
  tagName?: string;
  attributes?: Array<{ name: string; type?: { text: string }; default?: string }>;
  members?: Array<{ name: string; kind: string; privacy?: string }>;
}

let folder = '';
let lab: Declaration;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'lab-manifest-'));
  await buildManifest(folder);
  const manifest = JSON.parse(await readFile(join(folder, 'custom-elements.json'), 'utf8')) as { modules: Array<{ declarations?: Declaration[] }> };
  lab = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'init-lab')!;
});

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe("<init-lab>'s manifest", () => {
  it('lists the attributes a page sets, and the state it reflects with its type', () => {
    expect(lab.attributes!.map((a) => a.name).sort()).toEqual(['data-url', 'depth', 'panels', 'state', 'width']);
    expect(lab.attributes!.find((a) => a.name === 'state')?.type?.text).toBe('InitLabState');
    expect(lab.attributes!.find((a) => a.name === 'panels')?.default).toBe("'lab probe stack'");
  });

  it('lists as public members only the properties and the state getter, none of what the panels use', () => {
    const publicMembers = lab.members!.filter((m) => m.privacy === undefined).map((m) => m.name);
    expect(publicMembers.sort()).toEqual(['dataUrl', 'depth', 'panels', 'state', 'width']);
    const names = lab.members!.map((m) => m.name);
    for (const internal of ['report', 'blocked', 'shape', 'announce', 'engine', 'shown']) expect(names).not.toContain(internal);
  });
});
