/**
 * One's own dataset from the UI: files picked in #dataset-files that are not the four IDX files are refused
 * with a message naming them (MNIST stays, Start still works), and four small valid IDX files replace MNIST,
 * which the status line and the dataset card then show.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './browser.ts';
import { clickButton, fillTinyRun, openPage, shadowText, useSite, waitForShadow, waitForState } from './pages.ts';
import { bandImages, idxFile as idx } from '../idx-fixtures.ts';

const site = useSite();
let page: Page;
let problems: PageProblems;
let folder: string;


/** Writes `count` 28x28 images (label i % 10, a band of rows per label) and their labels under `prefix`. */
async function writeSet(prefix: string, count: number): Promise<string[]> {
  const { images, labels } = bandImages(count);
  const paths = [join(folder, `${prefix}-images-idx3-ubyte`), join(folder, `${prefix}-labels-idx1-ubyte`)];
  await writeFile(paths[0], idx([count, 28, 28], images));
  await writeFile(paths[1], idx([count], labels));
  return paths;
}

async function datasetInput(): Promise<ElementHandle<HTMLInputElement>> {
  const input = await page.waitForSelector('mlp-trainer >>> #dataset-files:not([disabled])', { timeout: 30_000 });
  return input as ElementHandle<HTMLInputElement>;
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mlp-e2e-dataset-'));
  ({ page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href));
  await waitForState(page, 'idle', 150_000);
});

afterAll(async () => {
  await page?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('<mlp-trainer> with a dataset of ones own', () => {
  it('refuses a file that is not one of the IDX files with a message, keeps MNIST, and still starts', async () => {
    expect(await shadowText(page, '#dataset-summary')).toBe('mnist: 60,000 training and 10,000 test images of 28×28, 10 classes.');
    const notes = join(folder, 'notes.txt');
    await writeFile(notes, 'this is not a dataset\n');
    await (await datasetInput()).uploadFile(notes);
    const message = await waitForShadow(page, '#dataset-result.alert', { timeout: 60_000 });
    expect(message).toMatch(/^Could not load these files: "notes\.txt" is not a file of an IDX dataset: expected the four IDX files train-images-idx3-ubyte, .* The mnist dataset is still loaded\.$/);
    expect(await shadowText(page, '#error')).toBeNull();
    await waitForState(page, 'idle', 30_000);
    expect(await shadowText(page, '.engine-summary')).toMatch(/^mnist: 60,000 training, 10,000 test images/);

    await fillTinyRun(page, { trainLimit: 200, epochs: 1, evalEachEpoch: false });
    await clickButton(page, 'start');
    await waitForState(page, 'finished', 150_000);
    expect(await shadowText(page, '#error')).toBeNull();
  });

  it('loads four small IDX files, shows their counts, and trains on them', async () => {
    const files = [...(await writeSet('train', 300)), ...(await writeSet('t10k', 100))];
    await (await datasetInput()).uploadFile(...files);
    await page.waitForFunction(
      () => document.querySelector('mlp-trainer')?.shadowRoot?.querySelector('.engine-summary')?.textContent?.startsWith('your dataset: 300 training, 100 test images'),
      { polling: 100, timeout: 60_000 },
    );
    expect(await shadowText(page, '#dataset-summary')).toBe('your dataset: 300 training and 100 test images of 28×28, 10 classes.');
    await waitForState(page, 'idle', 30_000);
    expect(await shadowText(page, '#error')).toBeNull();
    expect(await shadowText(page, '#dataset-result')).toBeNull();

    await fillTinyRun(page, { trainLimit: 0, epochs: 2, evalEachEpoch: true });
    await clickButton(page, 'start');
    await waitForState(page, 'finished', 150_000);
    expect(await shadowText(page, '#accuracy-summary')).toMatch(/of 100 test images\)\.$/);
    expect(problems.all()).toEqual([]);
  });
});
