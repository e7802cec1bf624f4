/**
 * <mlp-trainer>'s files, as a ReactiveController: weight export, weight import (read, then loaded by the
 * engine beside the current model: a refusal changes nothing) and the user's own dataset. Each outcome (in
 * progress, refused with the reason, or loaded) is kept here for the element to show next to the file input
 * that caused it, where the eye is, and not a second time in the status line.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { MAX_DATASET_BYTES } from '../../engine/protocol.ts';
import type { EngineController, ImportedWeights } from '../bridge/controller.ts';
import type { ImportOutcome } from './tools-view.ts';
import { WeightFileError, downloadBytes, readWeightFile } from './weights-io.ts';

export type DatasetOutcome = { kind: 'reading' } | { kind: 'refused'; message: string };

/** The engine's last refusal, taken to be said next to what caused it (and so not in the status line). */
export function takeEngineError(engine: EngineController): string {
  const message = engine.error ?? 'the engine gave no reason';
  engine.error = null;
  return message;
}

export class TrainerFiles implements ReactiveController {
  importOutcome: ImportOutcome | null = null;
  datasetOutcome: DatasetOutcome | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly engine: EngineController,
    /** A model came from a file: the element makes it the current run. */
    private readonly adopt: (name: string, weights: ImportedWeights) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** A file is being read by the page or the engine (its refusals are then said here, not by a field). */
  get busy(): boolean {
    return this.importOutcome?.kind === 'reading' || this.datasetOutcome?.kind === 'reading';
  }

  /** A new run: what the last import said no longer applies. */
  forgetImport(): void {
    this.importOutcome = null;
    this.host.requestUpdate();
  }

  async exportWeights(): Promise<void> {
    const file = await this.engine.exportWeights();
    if (file) downloadBytes(file.bytes, file.filename);
  }

  /** Reads a weight file and asks the engine to load it beside the current model; a refusal changes nothing. */
  async importWeights(file: File): Promise<void> {
    let weights;
    try {
      weights = await readWeightFile(file);
    } catch (error) {
      if (!(error instanceof WeightFileError)) throw error;
      return this.setImport({ kind: 'refused', message: error.message });
    }
    this.setImport({ kind: 'reading', name: weights.name });
    const result = await this.engine.importWeights(weights.bytes, weights.name);
    if (!result) return this.setImport({ kind: 'refused', message: `Could not import ${weights.name}: ${takeEngineError(this.engine)}` });
    const { evaluation, layers } = result;
    this.setImport({ kind: 'loaded', name: weights.name, layers, accuracy: evaluation.accuracy, correct: evaluation.correct, count: evaluation.count });
    this.adopt(weights.name, result);
  }

  /** Reads the picked IDX files (refusing more than 256 MB before reading a byte) and hands them to the engine. */
  async loadDataset(files: File[]): Promise<void> {
    const total = files.reduce((sum, file) => sum + file.size, 0);
    if (total > MAX_DATASET_BYTES) {
      const mb = (total / 2 ** 20).toFixed(1);
      return this.setDataset({ kind: 'refused', message: `The ${files.length} files picked are ${mb} MB together; datasets above ${MAX_DATASET_BYTES / 2 ** 20} MB are refused (MNIST's four files take about 11 MB gzipped).` });
    }
    this.setDataset({ kind: 'reading' });
    let named: Array<{ name: string; bytes: Uint8Array }>;
    try {
      named = await Promise.all(files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
    } catch (error) {
      return this.setDataset({ kind: 'refused', message: `Could not read the files picked: ${error instanceof Error ? error.message : String(error)}.` });
    }
    if (await this.engine.loadDataset('your dataset', named)) return this.setDataset(null);
    this.setDataset({ kind: 'refused', message: `Could not load these files: ${takeEngineError(this.engine)}` });
  }

  private setImport(outcome: ImportOutcome | null): void {
    this.importOutcome = outcome;
    this.host.requestUpdate();
  }

  private setDataset(outcome: DatasetOutcome | null): void {
    this.datasetOutcome = outcome;
    this.host.requestUpdate();
  }
}
