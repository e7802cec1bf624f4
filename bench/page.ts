/**
 * <bench-page>: the benchmark a visitor runs on their own GPU. It shows the adapter on load, takes a few
 * options (engines, recipe, how much to time, training images, our engine's matmul choice; the address's
 * query sets them, see bench/options.ts), and on Run trains each engine in a fresh iframe of its own
 * (bench/frame.ts) one after the other, showing each one's progress. Then: the figures `npm run bench`
 * prints, the matmul variant our engine chose for each product, and the whole run as JSON to copy.
 *
 * The `state` attribute says where it is: loading, ready, running, done. `npm run bench` opens this page
 * with its options in the address, presses Run, waits for done and reads #json.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { adapterInfo, type PageInfo } from './adapter.ts';
import type { BenchReport, PageProgress, TrainBenchResult } from './common.ts';
import { SOURCE_MEANINGS, fixed, matmulTable, runSummary, trainTable, tuningSummary, type Table } from './format.ts';
import { JobError, runInFrame } from './frame.ts';
import { DEFAULT_OPTIONS, ENGINE_NAMES, ENGINES, MATMUL_CHOICES, fromQuery, jobOptions, recipeName, toQuery, wholeNumber, matmulChoice, type Engine, type PageOptions } from './options.ts';
import { RECIPES } from '../src/train/recipe.ts';
import { benchStyles } from './page-styles.ts';

/** Engines that need a WebGPU adapter. */
const NEEDS_WEBGPU: readonly Engine[] = ['ours', 'tfjs-webgpu'];

type PageState = 'loading' | 'ready' | 'running' | 'done';

interface EngineRun {
  progress: PageProgress;
  /** Wall seconds from the frame's start to the job's end (loading and building included). */
  seconds?: number;
  error?: string;
}

@customElement('bench-page')
export class BenchPage extends LitElement {
  static override styles = benchStyles;

  @state() private info: PageInfo | null = null;
  @state() private infoError: string | null = null;
  @state() private options: PageOptions = { ...DEFAULT_OPTIONS };
  /** Options in the address that were wrong, and so kept their defaults. */
  @state() private addressProblems: string[] = [];
  /** A number field that holds no valid number: Run waits until it does. */
  @state() private fieldProblems: Partial<Record<'count' | 'trainLimit', string>> = {};
  @state() private runs = new Map<Engine, EngineRun>();
  @state() private report: BenchReport | null = null;
  @state() private copyNote = '';
  @state() private pageState: PageState = 'loading';

  override connectedCallback(): void {
    super.connectedCallback();
    const { options, problems } = fromQuery(location.search);
    this.options = options;
    this.addressProblems = problems;
    adapterInfo().then(
      (info) => (this.info = info),
      (error: unknown) => {
        this.infoError = error instanceof Error ? error.message : String(error);
        // Without an adapter only the wasm engine can run: offer it instead of two that would fail.
        const engines = this.options.engines.filter((e) => !NEEDS_WEBGPU.includes(e));
        this.options = { ...this.options, engines: engines.length ? engines : ['tfjs-wasm'] };
      },
    ).finally(() => (this.pageState = 'ready'));
  }

  /** The state attribute follows what is on screen: it changes once the render that shows the state is done. */
  override updated(): void {
    if (this.getAttribute('state') !== this.pageState) this.setAttribute('state', this.pageState);
  }

  private set<K extends keyof PageOptions>(key: K, value: PageOptions[K]): void {
    this.options = { ...this.options, [key]: value };
    // The address keeps the options, so a link reproduces them.
    history.replaceState(null, '', `?${toQuery(this.options)}`);
  }

  private toggleEngine(engine: Engine, on: boolean): void {
    const chosen = new Set(this.options.engines);
    if (on) chosen.add(engine);
    else chosen.delete(engine);
    this.set('engines', ENGINES.filter((e) => chosen.has(e)));
  }

  /** Reads a number field; a wrong one is shown under the fields, and the option keeps its last good value. */
  private number(key: 'count' | 'trainLimit', text: string): void {
    const { [key]: _, ...others } = this.fieldProblems;
    try {
      this.set(key, key === 'trainLimit' && text.trim() === '' ? 0 : wholeNumber(key === 'count' ? `The ${this.options.unit}` : 'Training images', text, key === 'count' ? 1 : 0));
      this.fieldProblems = others;
    } catch (error) {
      this.fieldProblems = { ...others, [key]: (error as Error).message };
    }
  }

  /** Steps or whole epochs; the count goes back to that unit's default (60 steps would be 60 epochs). */
  private setUnit(unit: PageOptions['unit']): void {
    const { count: _, ...others } = this.fieldProblems;
    this.fieldProblems = others;
    this.options = { ...this.options, count: unit === 'epochs' ? 1 : DEFAULT_OPTIONS.count };
    this.set('unit', unit);
  }

  private async run(): Promise<void> {
    if (this.pageState !== 'ready' && this.pageState !== 'done') return;
    if (!this.options.engines.length || Object.keys(this.fieldProblems).length) return;
    const options = { ...this.options, engines: [...this.options.engines] };
    const started = performance.now();
    this.pageState = 'running';
    this.report = null;
    this.copyNote = '';
    this.runs = new Map(options.engines.map((e) => [e, { progress: { phase: 'waiting', step: 0, steps: 0 } }]));
    const results: Partial<Record<Engine, TrainBenchResult>> = {};
    const errors: Partial<Record<Engine, string>> = {};
    for (const engine of options.engines) {
      const run = this.runs.get(engine)!;
      const show = (): void => void (this.runs = new Map(this.runs));
      const began = performance.now();
      try {
        results[engine] = await runInFrame<TrainBenchResult>(engine, jobOptions(options), (p) => ((run.progress = p), show()));
        run.seconds = (performance.now() - began) / 1000;
        show();
      } catch (error) {
        run.error = error instanceof Error ? error.message : String(error);
        run.progress = { ...run.progress, phase: 'failed' };
        errors[engine] = error instanceof JobError ? error.detail : run.error;
        show();
      }
    }
    this.report = {
      report: 'webgpu-mlp bench page',
      version: 1,
      date: new Date().toISOString(),
      userAgent: navigator.userAgent,
      crossOriginIsolated,
      adapter: this.info?.adapter ?? { error: this.infoError ?? 'unknown' },
      options,
      results,
      errors,
      seconds: Math.round(performance.now() - started) / 1000,
    };
    this.pageState = 'done';
  }

  private async copy(): Promise<void> {
    const text = this.json();
    try {
      await navigator.clipboard.writeText(text);
      this.copyNote = 'Copied.';
    } catch (error) {
      this.copyNote = `Could not copy (${(error as Error).message}): select the JSON below and copy it.`;
      this.renderRoot.querySelector('details')?.setAttribute('open', '');
    }
  }

  private json(): string {
    return JSON.stringify(this.report, null, 2);
  }

  override render() {
    return html`${this.renderAdapter()} ${this.renderForm()} ${this.runs.size ? this.renderProgress() : nothing} ${this.report ? this.renderResults(this.report) : nothing}`;
  }

  private renderAdapter() {
    const i = this.info?.adapter;
    return html`<section id="adapter" aria-labelledby="adapter-title">
      <h2 id="adapter-title">Your adapter</h2>
      ${this.infoError
        ? html`<p class="alert" id="adapter-error" role="alert">No WebGPU here: ${this.infoError}. Our engine and TF.js WebGPU cannot run; TF.js wasm still can.</p>`
        : i
          ? html`<dl>
                <dt>Vendor</dt><dd id="vendor">${i.vendor}</dd>
                <dt>Architecture</dt><dd id="architecture">${i.architecture}</dd>
                <dt>Description</dt><dd id="description">${i.description || '(not given by the browser)'}</dd>
                <dt>Software adapter</dt><dd id="software">${i.software ? 'yes: the CPU emulates the GPU, so the timings say little about GPUs' : 'no'}</dd>
                <dt>Timestamp queries</dt><dd>${i.timestampQuery ? 'offered' : 'not offered'}</dd>
              </dl>`
            : html`<p>Asking the browser for its WebGPU adapter ...</p>`}
    </section>`;
  }

  private renderForm() {
    const o = this.options;
    const busy = this.pageState === 'running' || this.pageState === 'loading';
    const noGpu = this.infoError !== null;
    return html`<form id="options" novalidate aria-labelledby="options-title" @submit=${(e: Event) => (e.preventDefault(), void this.run())}>
      <h2 id="options-title">Benchmark</h2>
      <fieldset class="engines">
        <legend>Engines</legend>
        ${ENGINES.map(
          (e) => html`<label class="check"
            ><input
              type="checkbox"
              id=${`engine-${e}`}
              .checked=${o.engines.includes(e)}
              ?disabled=${busy || (noGpu && NEEDS_WEBGPU.includes(e))}
              @change=${(ev: Event) => this.toggleEngine(e, (ev.target as HTMLInputElement).checked)}
            />
            ${ENGINE_NAMES[e]}</label
          >`,
        )}
      </fieldset>
      <div class="fields">
        <label class="field"
          >Recipe
          <select id="recipe" ?disabled=${busy} @change=${(e: Event) => this.set('recipe', recipeName((e.target as HTMLSelectElement).value))}>
            ${Object.entries(RECIPES).map(([name, r]) => html`<option value=${name} ?selected=${name === o.recipe}>${name} (${r.layers.join('-')})</option>`)}
          </select></label
        >
        <div class="field">
          <label for="count">Time</label>
          <span class="pair">
            <input id="count" type="number" min="1" step="1" inputmode="numeric" .value=${String(o.count)} ?disabled=${busy} @change=${(e: Event) => this.number('count', (e.target as HTMLInputElement).value)} />
            <select id="unit" aria-label="Unit of the time" ?disabled=${busy} @change=${(e: Event) => this.setUnit((e.target as HTMLSelectElement).value as PageOptions['unit'])}>
              <option value="steps" ?selected=${o.unit === 'steps'}>steps</option>
              <option value="epochs" ?selected=${o.unit === 'epochs'}>whole epochs</option>
            </select>
          </span>
        </div>
        <label class="field"
          >Training images
          <input id="train-limit" type="number" min="0" step="1" inputmode="numeric" placeholder="all 60,000" .value=${o.trainLimit ? String(o.trainLimit) : ''} ?disabled=${busy} @change=${(e: Event) => this.number('trainLimit', (e.target as HTMLInputElement).value)}
        /></label>
        <label class="field"
          >Our matmul variants
          <select id="matmul" ?disabled=${busy} @change=${(e: Event) => this.set('matmul', matmulChoice((e.target as HTMLSelectElement).value))}>
            ${MATMUL_CHOICES.map((c) => html`<option value=${c} ?selected=${c === o.matmul}>${c === 'auto' ? 'auto (measure on this GPU)' : c === 'untuned' ? 'untuned (built-in choice)' : `${c} everywhere`}</option>`)}
          </select></label
        >
      </div>
      <div class="toolbar">
        <button id="run" class="primary" type="submit" ?disabled=${busy || !o.engines.length || Object.keys(this.fieldProblems).length > 0}>${this.pageState === 'running' ? 'Running ...' : 'Run'}</button>
        <span class="hint">Keep this tab in front while it runs: browsers slow down background tabs.</span>
      </div>
      ${!o.engines.length ? html`<p class="alert" role="alert">Choose at least one engine.</p>` : nothing}
      ${Object.values(this.fieldProblems).map((p) => html`<p class="alert field-problem" role="alert">${p}.</p>`)}
      ${this.addressProblems.length
        ? html`<div class="notice" id="address-problems">
            <p>The address set options this page does not know, so it keeps their defaults:</p>
            <ul>
              ${this.addressProblems.map((p) => html`<li>${p}</li>`)}
            </ul>
          </div>`
        : nothing}
    </form>`;
  }

  private renderProgress() {
    return html`<section id="progress" aria-labelledby="progress-title" aria-live="polite">
      <h2 id="progress-title" class="visually-hidden">Progress</h2>
      <ul>
        ${[...this.runs].map(
          ([engine, { progress: p, seconds, error }]) => html`<li data-engine=${engine} data-phase=${p.phase}>
            <span class="engine">${ENGINE_NAMES[engine]}</span>
            ${error
              ? html`<span class="failed">failed: ${error}</span>`
              : html`<span class="phase">${p.phase}${p.steps && p.phase === 'training' ? ` ${p.step}/${p.steps}` : ''}${p.phase === 'done' && seconds !== undefined ? ` in ${fixed(seconds, 1)} s` : ''}</span>
                  ${p.phase === 'training' && p.steps ? html`<progress max=${p.steps} value=${p.step}></progress>` : nothing}`}
          </li>`,
        )}
      </ul>
    </section>`;
  }

  private renderResults(r: BenchReport) {
    const any = Object.values(r.results)[0];
    const tuning = r.results.ours?.matmul;
    return html`<section id="results" aria-labelledby="results-title">
      <h2 id="results-title">Results</h2>
      ${any ? runSummary(any, r.options.warmupSteps).map((line) => html`<p class="summary">${line}</p>`) : nothing}
      ${any ? table('train-table', trainTable(r.results)) : nothing}
      ${any
        ? html`<p class="note">
            s/epoch: seconds per epoch of this run's ${any.trainCount} images; (60k): the same, for all 60,000. ours/this: our engine's samples/s over
            that engine's (above 1: ours is faster).
          </p>`
        : nothing}
      ${Object.entries(r.errors).map(([engine, message]) => html`<p class="alert run-error" data-engine=${engine}>${ENGINE_NAMES[engine as Engine]} failed: ${message!.split('\n')[0]}</p>`)}
      ${tuning
        ? html`<h3>Matmul variants our engine chose</h3>
            <p id="tuning">${tuningSummary(tuning)}</p>
            ${table('matmul-table', matmulTable(tuning))}
            <p class="note">
              Source: ${[...new Set(tuning.entries.map((e) => e.source))].map((s, i) => html`${i ? '; ' : ''}<em>${s}</em>: ${SOURCE_MEANINGS[s]}`)}. Times are
              milliseconds per dispatch of each candidate.
            </p>`
        : nothing}
      <div class="toolbar">
        <button id="copy" type="button" @click=${() => void this.copy()}>Copy JSON</button>
        <span id="copy-note" role="status">${this.copyNote}</span>
      </div>
      <details>
        <summary>The run as JSON (adapter, browser, options, every engine's figures${tuning ? ', matmul choices' : ''}: ${fixed(r.seconds, 1)} s in all)</summary>
        <pre id="json">${this.json()}</pre>
      </details>
    </section>`;
  }
}

/** A text table as an HTML table, scrolling sideways where the window is narrower. */
function table(id: string, t: Table) {
  return html`<div class="scroll">
    <table id=${id}>
      <thead>
        <tr>
          ${t.header.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${t.rows.map((row) => html`<tr>${row.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td>${c}</td>`))}</tr>`)}
      </tbody>
    </table>
  </div>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'bench-page': BenchPage;
  }
}
