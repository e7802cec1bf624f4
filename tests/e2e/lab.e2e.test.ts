/**
 * <init-lab> on the demo page, checked as a person (or a screen reader) meets it: a refused input is
 * explained under that input, in view, with the focus on it; a failed action next to its button; a short
 * comparison trains to its end; every control on the page (the trainer's included) has its own accessible
 * name; the lab's headings are h3 under the page's h2; and on a 390 px phone nothing of the lab is wider than
 * the screen except tables inside a scroller that shows it scrolls. Screenshots: results/screenshots/
 * lab-1280.png and lab-390.png.
 *
 * The tests share one page but each sets up what it checks (viewport, inputs), so any one runs alone.
 */
import type { Page } from 'puppeteer-core';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './browser.ts';
import { openPage, screenshot, useSite, waitForShadow } from './pages.ts';

const site = useSite();
let page: Page;
let problems: PageProblems;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  ({ page, problems } = await openPage(site.browser, new URL('index.html', site.server.url).href));
  await page.waitForFunction(() => document.querySelector('init-lab')?.shadowRoot?.querySelector('#engine-status')?.textContent?.startsWith('Ready'), {
    polling: 200,
    timeout: 150_000,
  });
});

afterAll(async () => {
  await page?.close();
});

/** Types into one of the lab's inputs as a person would. */
async function fillLab(id: string, value: string): Promise<void> {
  await page.locator(`init-lab >>> #${id}`).fill(value);
}

/** Clicks a lab button from script, so the page does not scroll to it first: the lab must bring its answer into view itself. */
async function clickLabFromAfar(id: string, scrollTo: 'top' | 'bottom'): Promise<void> {
  await page.evaluate((id, scrollTo) => {
    window.scrollTo(0, scrollTo === 'top' ? 0 : document.documentElement.scrollHeight);
    document.querySelector('init-lab')!.shadowRoot!.querySelector<HTMLButtonElement>(`#${id}`)!.click();
  }, id, scrollTo);
}

/** Where a shadow-root element of the lab is, against the viewport, and what points at it. */
function locate(id: string) {
  return page.evaluate((id) => {
    const root = document.querySelector('init-lab')!.shadowRoot!;
    const el = root.querySelector<HTMLElement>(`#${id}`);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, text: el.textContent?.trim() ?? '', viewport: { width: innerWidth, height: innerHeight } };
  }, id);
}

function expectInViewport(box: { top: number; bottom: number; left: number; right: number; viewport: { width: number; height: number } }): void {
  expect(box.top).toBeGreaterThanOrEqual(0);
  expect(box.bottom).toBeLessThanOrEqual(box.viewport.height);
  expect(box.left).toBeGreaterThanOrEqual(0);
  expect(box.right).toBeLessThanOrEqual(box.viewport.width);
}

describe('<init-lab> errors where the eye is', () => {
  it.each([
    ['1280 px, scrolled to the top', DESKTOP, 'top'],
    ['390 px, scrolled to the top', PHONE, 'top'],
    ['390 px, scrolled to the bottom', PHONE, 'bottom'],
  ] as const)('at %s, a refused probe depth is explained under the depth field, in view, with the field focused', async (_name, viewport, from) => {
    await page.setViewport(viewport);
    await fillLab('probe-depth', '31');
    await clickLabFromAfar('probe-run', from);
    await waitForShadow(page, '#probe-depth-error', { host: 'init-lab', timeout: 10_000 });

    const message = (await locate('probe-depth-error'))!;
    const input = (await locate('probe-depth'))!;
    expect(message.text).toBe('Depth (hidden layers): a whole number from 10 to 30.');
    expectInViewport(message);
    expectInViewport(input);
    // Under the field, not somewhere else on the page.
    expect(message.top).toBeGreaterThanOrEqual(input.bottom);
    expect(message.top - input.bottom).toBeLessThan(60);
    const state = await page.evaluate(() => {
      const root = document.querySelector('init-lab')!.shadowRoot!;
      const depth = root.querySelector('#probe-depth')!;
      return { focused: root.activeElement?.id, invalid: depth.getAttribute('aria-invalid'), describedBy: depth.getAttribute('aria-describedby')?.split(' ') ?? [], alerts: root.querySelectorAll('[role="alert"]').length };
    });
    expect(state).toEqual({ focused: 'probe-depth', invalid: 'true', describedBy: ['probe-depth-hint', 'probe-depth-error'], alerts: 0 });

    // Fixing the value takes the message away.
    await fillLab('probe-depth', '20');
    expect(await locate('probe-depth-error')).toBeNull();
    expect(await page.$eval('init-lab >>> #probe-depth', (el) => el.getAttribute('aria-invalid'))).toBe('false');
  });

  it("a failed probe says so in a sentence next to Run probe, in view, with the engine's words in the details", async () => {
    await page.setViewport(PHONE);
    const engineWords = '[Buffer "training order"] used in submit while destroyed';
    // The next probe fails on the GPU, as the controller reports a failed request: null, the reason in `error`.
    await page.evaluate((words) => {
      const engine = document.querySelector('init-lab')!.engine;
      const real = engine.probe;
      engine.probe = async () => {
        engine.probe = real;
        engine.error = words;
        return null;
      };
    }, engineWords);
    await clickLabFromAfar('probe-run', 'top');
    await waitForShadow(page, '#probe-run-error', { host: 'init-lab', timeout: 10_000 });
    const message = (await locate('probe-run-error'))!;
    const button = (await locate('probe-run'))!;
    expect(message.text).toBe('The depth probe failed; press Run probe to try again.');
    expectInViewport(message);
    expect(message.top).toBeGreaterThanOrEqual(button.bottom);
    expect(message.top - button.bottom).toBeLessThan(60);
    const shown = await page.evaluate(() => {
      const root = document.querySelector('init-lab')!.shadowRoot!;
      const note = root.querySelector('#probe-run-error')!.parentElement!;
      return {
        role: note.getAttribute('role'),
        details: note.querySelector('details')?.textContent?.replace(/\s+/g, ' ').trim(),
        describedBy: root.querySelector('#probe-run')!.getAttribute('aria-describedby'),
      };
    });
    expect(shown).toEqual({ role: 'alert', details: `Details (probe) ${engineWords}`, describedBy: 'probe-run-error' });
  });
});

describe('<init-lab> comparison', () => {
  it('trains two initializers on 200 images to the end, one table row each', async () => {
    await page.setViewport(DESKTOP);
    await fillLab('lab-train-limit', '200');
    await fillLab('lab-epochs', '1');
    await fillLab('lab-batch', '100');
    for (const [i, init] of ['xavier-uniform', 'xavier-normal', 'he-uniform', 'he-normal', 'pytorch-default', 'normal:0,1', 'normal:0,0.01'].entries()) {
      const want = init === 'xavier-uniform' || init === 'normal:0,1';
      if ((await page.$eval(`init-lab >>> #lab-inits-${i}`, (el) => (el as HTMLInputElement).checked)) !== want) await page.locator(`init-lab >>> #lab-inits-${i}`).click();
    }
    const ended = page.evaluate(
      () => new Promise<string>((resolve) => document.querySelector('init-lab')!.addEventListener('lab-end', (e) => resolve((e as CustomEvent<{ status: string }>).detail.status), { once: true })),
    );
    await page.locator('init-lab >>> #lab-start').click();
    expect(await ended).toBe('finished');
    const rows = await page.$$eval('init-lab >>> #lab-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-init'), tr.children[3]?.textContent?.trim()]));
    // Two steps of 100 and one epoch per initializer.
    expect(rows).toEqual([
      ['xavier-uniform', '1'],
      ['normal:0,1', '1'],
    ]);
    expect(await page.$eval('init-lab >>> #lab-summary', (el) => el.textContent)).toMatch(/^Finished\. Test accuracy, best first: /);
    expect(await page.$('init-lab >>> #lab-start-error')).toBeNull();
  });
});

interface AXNode {
  role: string;
  name?: string;
  description?: string;
  children?: AXNode[];
}

/** Roles a person operates: each needs a name of its own on the page. */
const CONTROL_ROLES = new Set(['button', 'checkbox', 'combobox', 'link', 'listbox', 'menuitem', 'radio', 'searchbox', 'slider', 'spinbutton', 'switch', 'tab', 'textbox', 'DisclosureTriangle']);

function controls(node: AXNode, out: AXNode[] = []): AXNode[] {
  if (CONTROL_ROLES.has(node.role)) out.push(node);
  for (const child of node.children ?? []) controls(child, out);
  return out;
}

describe('<init-lab> for screen readers', () => {
  it("gives every control on the page (the trainer's too) a name of its own, with hints as descriptions", async () => {
    await page.setViewport(DESKTOP);
    const tree = (await page.accessibility.snapshot({ interestingOnly: true })) as AXNode | null;
    const found = controls(tree!);
    const names = found.map((c) => `${c.role} "${c.name ?? ''}"`);
    const unnamed = found.filter((c) => !c.name?.trim()).map((c) => c.role);
    const seen = new Map<string, number>();
    for (const c of found) seen.set(c.name ?? '', (seen.get(c.name ?? '') ?? 0) + 1);
    const repeated = [...seen].filter(([, count]) => count > 1).map(([name, count]) => `"${name}" x${count}`);
    expect(unnamed, `controls without a name among ${names.join(', ')}`).toEqual([]);
    expect(repeated, 'accessible names used by more than one control on the page').toEqual([]);

    // The lab's own, by the names chosen for them; a hint describes, it is not part of the name.
    const byName = new Map(found.map((c) => [c.name, c]));
    for (const name of ['Start comparison', 'Stop comparison', 'Run probe', 'Train this stack', 'Stop training the stack', 'Optimizer (comparison)', 'Optimizer (training the stack)', 'Steps (training the stack)', 'Seed (comparison)', 'Seed (probe)', 'Epochs (comparison)', 'Layer widths (comparison)', 'Depth (hidden layers)', 'Xavier uniform (comparison)', 'Xavier uniform (probe)']) {
      expect(byName.has(name), `no control named "${name}"`).toBe(true);
    }
    expect(byName.get('Training images (comparison)')?.description).toBe('0 = all');
    expect(byName.get('Depth (hidden layers)')?.description).toBe('10–30');
  });

  it("puts the lab's panels under h3 headings that follow the page's h2", async () => {
    const headings = await page.evaluate(() => {
      const out: { level: number; text: string; inLab: boolean }[] = [];
      const walk = (root: ParentNode, inLab: boolean) => {
        for (const el of Array.from(root.children)) {
          const m = /^H([1-6])$/.exec(el.tagName);
          if (m) out.push({ level: Number(m[1]), text: el.textContent?.trim() ?? '', inLab });
          if (el.shadowRoot) walk(el.shadowRoot, inLab || el.tagName === 'INIT-LAB');
          walk(el, inLab);
        }
      };
      walk(document.body, false);
      return out;
    });
    const first = headings.findIndex((h) => h.inLab);
    const lab = headings.filter((h) => h.inLab);
    expect(first, 'no heading inside <init-lab>').toBeGreaterThan(0);
    expect(lab.map((h) => h.level)).toEqual(lab.map(() => 3));
    expect(headings[first - 1], `the heading before the lab's: ${JSON.stringify(headings[first - 1])}`).toMatchObject({ level: 2, inLab: false });
  });
});

/** Lab elements wider than the viewport that no scroller with a visible cue holds. */
function unscrolledOverflow(page: Page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    const cueShowing = (scroller: Element) => {
      const root = scroller.shadowRoot!;
      const hint = root.querySelector<HTMLElement>('[part="hint"]')!;
      const r = scroller.getBoundingClientRect();
      return scroller.hasAttribute('overflowing') && !hint.hidden && hint.getBoundingClientRect().height > 0 && root.querySelector('.more-after, .more-before') !== null && r.left >= 0 && r.right <= width;
    };
    const holder = (el: Element): Element | null => {
      for (let at: Element | null = el; at; at = at.parentElement ?? ((at.getRootNode() as ShadowRoot).host ?? null)) {
        if (at.tagName === 'MLP-SCROLL') return at;
      }
      return null;
    };
    const walk = (root: ParentNode) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) {
          const scroller = holder(el);
          if (!scroller || !cueShowing(scroller)) problems.push(`<${el.tagName.toLowerCase()}${el.id ? ` id=${el.id}` : ''}> spans ${Math.round(r.left)}..${Math.round(r.right)} px of ${width}`);
        }
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document.querySelector('init-lab')!.shadowRoot!);
    return problems;
  });
}

describe('<init-lab> on a phone', () => {
  it('at 390 px fits the screen, except tables in a scroller that shows it scrolls; screenshots at 1280 and 390 px', async () => {
    await page.setViewport(PHONE);
    // A probe result, so that its charts and its widest table are on the page too.
    await fillLab('probe-depth', '10');
    await fillLab('probe-width', '64');
    await page.locator('init-lab >>> #probe-run').click();
    await page.waitForFunction(() => document.querySelector('init-lab')?.shadowRoot?.querySelector('#probe-results[data-results]'), { polling: 200, timeout: 120_000 });
    // uPlot sizes its canvas from the chart's width after a resize observer fires.
    await new Promise((done) => setTimeout(done, 500));

    expect(await unscrolledOverflow(page)).toEqual([]);
    // The tables do scroll here, and say so.
    const scrollers = await page.$$eval('init-lab >>> mlp-scroll', (all) => all.map((s) => s.hasAttribute('overflowing')));
    expect(scrollers).toEqual([true, true, true]);
    await screenshot(page, 'lab-390', { element: 'init-lab' });

    await page.setViewport(DESKTOP);
    await new Promise((done) => setTimeout(done, 500));
    expect(await unscrolledOverflow(page)).toEqual([]);
    await screenshot(page, 'lab-1280', { element: 'init-lab' });
    expect(problems.all()).toEqual([]);
  });
});
