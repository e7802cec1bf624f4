/**
 * The hands-on parts of <mlp-trainer>'s view, as template functions rendered into its shadow root: the
 * lost-device alert, weight export/import (with what an import loaded, or why it was refused, right under
 * it) and the dataset card.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { EngineController } from '../bridge/controller.ts';
import type { EngineEvent } from '../../engine/protocol.ts';

const integer = new Intl.NumberFormat('en-US');

/** The lost-device alert; it offers to resume only when the engine kept a checkpoint to resume from. */
export function renderDeviceLost(lost: Extract<EngineEvent, { type: 'device-lost' }>, onRecover: () => void): TemplateResult {
  return html`
    <div id="device-lost" class="alert" role="alert" part="error device-lost">
      <p>${lost.message}</p>
      ${lost.checkpoint
        ? html`<button id="recover" type="button" class="primary" part="button recover" @click=${() => onRecover()}>Resume on a new device</button>`
        : nothing}
    </div>
  `;
}

/** What the last import did: a refusal (nothing changed) or the model loaded and what it scores. */
export type ImportOutcome =
  | { kind: 'reading'; name: string }
  | { kind: 'refused'; message: string }
  | { kind: 'loaded'; name: string; layers: number[]; accuracy: number; correct: number; count: number };

export interface WeightsView {
  canExport: boolean;
  canImport: boolean;
  outcome: ImportOutcome | null;
  /** Fine-tune and Start over are offered while the imported model is the one loaded. */
  offerNext: boolean;
  onExport(): void;
  onImport(file: File): void;
  onFineTune(): void;
  onStartOver(): void;
}

const percent2 = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;

function renderOutcome(v: WeightsView): TemplateResult | typeof nothing {
  const o = v.outcome;
  if (!o) return nothing;
  if (o.kind === 'reading') return html`<p id="import-result" class="hint" role="status">Reading ${o.name}…</p>`;
  if (o.kind === 'refused') {
    return html`<div id="import-result" class="alert" role="alert" part="error">${o.message} Nothing was changed: the model you had is still loaded.</div>`;
  }
  return html`
    <div id="import-result" class="ok" role="status" data-accuracy=${String(o.accuracy)}>
      <p>Imported ${o.name} (${o.layers.join('-')}): ${percent2(o.accuracy)} on the ${integer.format(o.count)} test images.</p>
      ${v.offerNext
        ? html`<div class="toolbar">
            <button id="fine-tune" type="button" class="primary" part="button fine-tune" @click=${() => v.onFineTune()}>Fine-tune these weights</button>
            <button id="start-over" type="button" part="button start-over" @click=${() => v.onStartOver()}>Start over from new weights</button>
          </div>
          <p class="hint">Fine-tune trains them with the settings above (epochs, learning rate, ...); Start over trains a new model from scratch.</p>`
        : nothing}
    </div>
  `;
}

export function renderWeights(v: WeightsView): TemplateResult {
  const picked = (event: Event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = ''; // so that picking the same file again is a change too
    if (file) v.onImport(file);
  };
  return html`
    <section class="card" part="weights" aria-labelledby="weights-title">
      <h2 id="weights-title">Weights</h2>
      <p class="hint" id="weights-hint">safetensors in PyTorch's nn.Sequential layout (keys 0.weight, 0.bias, 2.weight, …).</p>
      <div class="toolbar">
        <button id="export" type="button" part="button export" ?disabled=${!v.canExport} @click=${() => v.onExport()}>Export weights</button>
      </div>
      <div class="field">
        <label for="import">Import weights</label>
        <input id="import" type="file" accept=".safetensors,application/octet-stream" part="input" aria-describedby="weights-hint import-hint" ?disabled=${!v.canImport} @change=${picked} />
        <small id="import-hint" class="hint">A .safetensors file up to 64 MB, from this page or from PyTorch.</small>
      </div>
      ${renderOutcome(v)}
    </section>
  `;
}

export interface DatasetView {
  /** The dataset the engine holds now (null while it loads the first one, or when it could not). */
  dataset: EngineController['dataset'];
  /** No run is going and no dataset is being read: files may be picked. */
  canLoad: boolean;
  /** Files being read, or why the last ones were refused (the dataset in use is kept). */
  outcome: { kind: 'reading' } | { kind: 'refused'; message: string } | null;
  onLoad(files: File[]): void;
}

/** Training on one's own IDX dataset (Fashion-MNIST's four files, say) instead of MNIST. */
export function renderDataset(v: DatasetView): TemplateResult {
  const picked = (event: Event) => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = ''; // so that picking the same files again is a change too
    if (files.length > 0) v.onLoad(files);
  };
  const d = v.dataset;
  const o = v.outcome;
  return html`
    <section class="card" part="dataset" aria-labelledby="dataset-title">
      <h2 id="dataset-title">Dataset</h2>
      <p id="dataset-summary" class="hint">
        ${d ? `${d.name}: ${integer.format(d.train)} training and ${integer.format(d.test)} test images of ${d.rows}×${d.cols}, ${d.classes} classes.` : 'No dataset loaded yet.'}
      </p>
      <div class="field">
        <label for="dataset-files">Your own dataset</label>
        <input id="dataset-files" type="file" multiple part="input" aria-describedby="dataset-hint" ?disabled=${!v.canLoad} @change=${picked} />
        <small id="dataset-hint" class="hint">The four IDX files in MNIST's layout, plain or .gz: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; up to 256 MB in all.</small>
      </div>
      ${o?.kind === 'reading' ? html`<p id="dataset-result" class="hint" role="status">Reading the files…</p>` : nothing}
      ${o?.kind === 'refused'
        ? html`<div id="dataset-result" class="alert" role="alert" part="error">${o.message} ${d ? `The ${d.name} dataset is still loaded.` : ''}</div>`
        : nothing}
    </section>
  `;
}
