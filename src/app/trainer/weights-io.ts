/**
 * Weight files on the page's side: saving the engine's safetensors bytes as a download, and reading a file
 * the user picked (refusing oversized ones before reading a byte). The engine validates the contents.
 */
import { parseSafetensors } from '../../data/safetensors.ts';

export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export class WeightFileError extends Error {}

/** Saves bytes under `filename` through a temporary object URL. */
export function downloadBytes(bytes: Uint8Array, filename: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface WeightFile {
  name: string;
  bytes: Uint8Array;
  /** The widths the file says it holds ("784,256,256,10"), from metadata this element writes; null if none. */
  layers: string | null;
}

export async function readWeightFile(file: File): Promise<WeightFile> {
  if (file.size > MAX_IMPORT_BYTES) {
    throw new WeightFileError(`"${file.name}" is ${(file.size / 2 ** 20).toFixed(1)} MB; weight files above 64 MB are refused (an MLP for MNIST takes a few MB).`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  return { name: file.name, bytes, layers: declaredLayers(bytes) };
}

function declaredLayers(bytes: Uint8Array): string | null {
  try {
    const layers = parseSafetensors(bytes).metadata.layers;
    return layers && /^\d+(,\d+)+$/.test(layers) ? layers : null;
  } catch {
    return null; // Not readable here: the engine parses it again and reports what is wrong.
  }
}
