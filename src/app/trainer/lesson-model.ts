/**
 * The lesson's trained model for pages without WebGPU: the weights this engine exported at the end of the
 * recorded run (recorded/lesson-weights.safetensors, PyTorch nn.Sequential layout), run on the CPU in
 * float64, and MNIST's test digits to feed it. Both are fetched only when first asked for.
 *
 * The weights are referenced with `?url&no-inline` so that both builds emit them as a file beside the code
 * (the library build would otherwise inline every asset into the JavaScript as base64).
 */
import weightsUrl from './recorded/lesson-weights.safetensors?url&no-inline';
import { parseSafetensors, readF32 } from '../../data/safetensors.ts';
import { fetchTestSet } from '../../data/fetch.ts';
import { predictProbabilities } from '../../reference/predict.ts';
import type { LayerParams } from '../../reference/mlp.ts';
import type { Classifier, TestDigitProvider } from '../widgets/digit-pad.ts';

/**
 * Each Linear layer's weight and bias, in float64, from a safetensors file of nn.Sequential(Linear, ReLU,
 * Linear, ...): keys 0.weight, 0.bias, 2.weight, ... (a Linear every other index), each layer's input width
 * the previous one's output width.
 */
export function paramsFromSafetensors(bytes: Uint8Array): LayerParams[] {
  const file = parseSafetensors(bytes);
  const params: LayerParams[] = [];
  for (let index = 0; file.tensors.has(`${index}.weight`); index += 2) {
    const [out, inputs] = file.tensors.get(`${index}.weight`)!.shape;
    const previous = params.at(-1)?.bias.length;
    if (previous !== undefined && previous !== inputs) {
      throw new RangeError(`${index}.weight takes ${inputs} inputs, but the layer before it has ${previous} outputs`);
    }
    params.push({
      weight: Float64Array.from(readF32(file, `${index}.weight`, [out, inputs])),
      bias: Float64Array.from(readF32(file, `${index}.bias`, [out])),
    });
  }
  if (params.length === 0) throw new RangeError('no Linear layer: the file has no tensor 0.weight');
  return params;
}

/** A pad classifier over `params` (one image at a time); it always has an answer. */
export function cpuClassifier(params: LayerParams[]): (pixels: Uint8Array) => Promise<number[]> {
  return async (pixels) => Array.from(predictProbabilities(params, pixels, 1));
}

let lessonClassifier: Promise<Classifier> | null = null;

/** The lesson's model as a pad classifier; the weights are fetched on the first call (about 1.07 MB). */
export function loadLessonClassifier(): Promise<Classifier> {
  lessonClassifier ??= (async () => {
    const response = await fetch(weightsUrl);
    if (!response.ok) throw new Error(`could not fetch the trained weights (${weightsUrl}): HTTP ${response.status}`);
    return cpuClassifier(paramsFromSafetensors(new Uint8Array(await response.arrayBuffer())));
  })();
  // A failed fetch may be retried (a flaky connection), so it is not kept.
  lessonClassifier.catch(() => (lessonClassifier = null));
  return lessonClassifier;
}

/** Test digits from the dataset folder `dataUrl` (relative to the page); the two test files are fetched on first use. */
export function testDigitsFrom(dataUrl: string): TestDigitProvider {
  let testSet: ReturnType<typeof fetchTestSet> | null = null;
  return async (index) => {
    testSet ??= fetchTestSet(new URL(dataUrl, document.baseURI).href);
    const set = await testSet.catch((error: unknown) => {
      testSet = null;
      throw error;
    });
    if (!Number.isInteger(index) || index < 0 || index >= set.count) throw new RangeError(`there is no test image ${index} (0 to ${set.count - 1})`);
    const size = set.rows * set.cols;
    return { pixels: set.pixels.slice(index * size, (index + 1) * size), label: set.labels[index] };
  };
}
