/**
 * The hands-on parts of <mlp-trainer>'s view, as template functions rendered into its shadow root: the run
 * buttons, the drawing pad with its probability bars, and weight export/import.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import { PAD_SIZE, type DrawPadController } from '../widgets/draw-pad.ts';
import type { EngineController } from '../bridge/controller.ts';
import type { EngineEvent, RunState } from '../../engine/protocol.ts';
import { renderProbabilities } from './trainer-views.ts';

export interface RunButtonsView {
  state: RunState;
  /** The engine is ready and no run is going: Start and Step may be pressed. */
  canRun: boolean;
  /** The data set and adapter, shown beside the buttons. */
  summary: string;
  onPauseResume(): void;
  onStop(): void;
  onStep(): void;
}

/** Start is the form's submit button (Enter in a field starts too); the others act directly. */
export function renderRunButtons(v: RunButtonsView): TemplateResult {
  const active = v.state === 'running' || v.state === 'paused';
  return html`
    <div class="toolbar" part="toolbar">
      <button id="start" type="submit" class="primary" part="button start" ?disabled=${!v.canRun}>Start</button>
      <button id="pause" type="button" part="button pause" ?disabled=${!active} @click=${() => v.onPauseResume()}>
        ${v.state === 'paused' ? 'Resume' : 'Pause'}
      </button>
      <button id="stop" type="button" part="button stop" ?disabled=${!active} @click=${() => v.onStop()}>Stop</button>
      <button id="step" type="button" part="button step" ?disabled=${!v.canRun} @click=${() => v.onStep()}>Step</button>
      <span class="hint">${v.summary}</span>
    </div>
  `;
}

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

export function renderPad(pad: DrawPadController, probabilities: number[] | null, classes: number): TemplateResult {
  return html`
    <section class="card" part="pad" aria-labelledby="pad-title">
      <h3 id="pad-title">Draw a digit</h3>
      <div class="pad">
        <div>
          <canvas
            id="draw-pad"
            ${ref(pad.canvasRef)}
            width=${PAD_SIZE}
            height=${PAD_SIZE}
            role="img"
            aria-label="Drawing pad: draw a digit with a mouse, pen or finger; the model classifies it as you draw"
            aria-disabled=${pad.enabled ? 'false' : 'true'}
            aria-describedby="pad-hint"
          ></canvas>
          <div class="toolbar">
            <button id="clear-pad" type="button" part="button clear" ?disabled=${!pad.hasInk} @click=${() => pad.clear()}>Clear</button>
          </div>
          <p id="pad-hint" class="hint">
            ${pad.enabled
              ? 'White on black, like MNIST: centred and scaled to 20×20 before the model sees it.'
              : 'Train at least one step (or import weights) to try your own digits.'}
          </p>
        </div>
        ${renderProbabilities(probabilities, classes)}
      </div>
    </section>
  `;
}

export interface WeightsView {
  canExport: boolean;
  canImport: boolean;
  onExport(): void;
  onImport(file: File): void;
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
      <h3 id="weights-title">Weights</h3>
      <p class="hint">safetensors in PyTorch's nn.Sequential layout (keys 0.weight, 0.bias, 2.weight, …).</p>
      <div class="toolbar">
        <button id="export" type="button" part="button export" ?disabled=${!v.canExport} @click=${() => v.onExport()}>Export weights</button>
      </div>
      <div class="field">
        <label for="import">Import weights (.safetensors, up to 64 MB)</label>
        <input id="import" type="file" accept=".safetensors,application/octet-stream" part="input" ?disabled=${!v.canImport} @change=${picked} />
      </div>
    </section>
  `;
}

export interface DatasetView {
  /** The dataset the engine holds now (null while it loads the first one). */
  dataset: EngineController['dataset'];
  /** No run is going and no dataset is being read: files may be picked. */
  canLoad: boolean;
  onLoad(files: File[]): void;
}

const integer = new Intl.NumberFormat('en-US');

/** Training on one's own IDX dataset (Fashion-MNIST's four files, say) instead of MNIST. */
export function renderDataset(v: DatasetView): TemplateResult {
  const picked = (event: Event) => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = ''; // so that picking the same files again is a change too
    if (files.length > 0) v.onLoad(files);
  };
  const d = v.dataset;
  return html`
    <section class="card" part="dataset" aria-labelledby="dataset-title">
      <h3 id="dataset-title">Dataset</h3>
      <p id="dataset-summary" class="hint">
        ${d ? `${d.name}: ${integer.format(d.train)} training and ${integer.format(d.test)} test images of ${d.rows}×${d.cols}, ${d.classes} classes.` : 'Loading…'}
      </p>
      <div class="field">
        <label for="dataset-files">Your own dataset: the four IDX files (MNIST layout, plain or .gz)</label>
        <input id="dataset-files" type="file" multiple part="input" ?disabled=${!v.canLoad} @change=${picked} />
      </div>
      <p class="hint">train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; up to 256 MB in all. Labels 0 to 9.</p>
    </section>
  `;
}
