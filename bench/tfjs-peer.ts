/**
 * The peer: the same model, data, initial weights, batch order and optimizer in TensorFlow.js, written the
 * way its guides recommend for speed. The whole training set lives on the device as tensors; each step
 * slices its batch indices from the epoch's shuffled index tensor and gathers the batch on the device;
 * the step is optimizer.minimize inside tf.tidy; the loss is summed on the device and read back once per
 * epoch (and at the end). Dense layers are tf.fused.matMul with bias and ReLU, as tfjs-layers' Dense does.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { Dataset, ImageSet } from '../src/data/idx.ts';
import { epochOrders, finishResult, initialArena, loadMnist, mapCounter, planRun, type PageProgress, type TrainBenchOptions, type TrainBenchResult } from './common.ts';
import type { Recipe } from '../src/train/recipe.ts';

export type TfBackend = 'webgpu' | 'wasm';

/** Rows per evaluation batch. */
const EVAL_ROWS = 1000;

/** Selects a TF.js backend (the wasm binaries come from this build, never from a CDN) and describes it. */
export async function useBackend(name: TfBackend): Promise<Record<string, unknown>> {
  if (name === 'wasm') {
    setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
  }
  if (!(await tf.setBackend(name))) throw new Error(`TensorFlow.js could not start its ${name} backend`);
  await tf.ready();
  if (name === 'wasm') {
    return {
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      threads: getThreadsCount(),
      crossOriginIsolated,
    };
  }
  const backend = tf.backend() as WebGPUBackend;
  return { timestampQuery: backend.device.features.has('timestamp-query') };
}

interface Layer {
  /** (in, out): TF.js multiplies x W, so our (out, in) weights are transposed once on upload. */
  w: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
  relu: boolean;
}

function makeLayers(recipe: Recipe): { layers: Layer[]; initial: Float32Array[] } {
  const { model, arena } = initialArena(recipe);
  const layers: Layer[] = [];
  const initial: Float32Array[] = [];
  model.layers.forEach((layer, l) => {
    const w = model.layout.get(layer.weightName);
    const b = model.layout.get(layer.biasName);
    const transposed = new Float32Array(w.length);
    for (let o = 0; o < layer.fanOut; o++) {
      for (let i = 0; i < layer.fanIn; i++) transposed[i * layer.fanOut + o] = arena[w.offset + o * layer.fanIn + i];
    }
    const bias = arena.slice(b.offset, b.offset + b.length);
    initial.push(transposed, bias);
    layers.push({
      w: tf.variable(tf.tensor2d(transposed, [layer.fanIn, layer.fanOut]), true, `w${l}`),
      b: tf.variable(tf.tensor1d(bias), true, `b${l}`),
      relu: layer.relu,
    });
  });
  return { layers, initial };
}

function forward(layers: Layer[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (const { w, b, relu } of layers) h = tf.fused.matMul({ a: h, b: w, bias: b, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
  return h;
}

/** Pixels / 255 as a float32 tensor (count, size) and one-hot labels (count, width), both on the device. */
function toTensors(set: ImageSet, count: number, width: number): { x: tf.Tensor2D; y: tf.Tensor2D; labels: tf.Tensor1D } {
  const size = set.rows * set.cols;
  const pixels = new Float32Array(count * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = set.pixels[i] / 255;
  const labels = tf.tensor1d(Int32Array.from(set.labels.subarray(0, count)), 'int32');
  return { x: tf.tensor2d(pixels, [count, size]), y: tf.tidy(() => tf.cast(tf.oneHot(labels, width), 'float32') as tf.Tensor2D), labels };
}

/** Test accuracy: the predicted classes of every test image, read back once and counted on the CPU. */
async function accuracy(layers: Layer[], data: Dataset): Promise<{ correct: number; count: number }> {
  const count = data.test.count;
  const test = toTensors(data.test, count, data.numClasses);
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < count; start += EVAL_ROWS) {
    const n = Math.min(EVAL_ROWS, count - start);
    parts.push(tf.tidy(() => tf.argMax(forward(layers, tf.slice(test.x, [start, 0], [n, -1])), 1)));
  }
  const all = tf.concat(parts);
  const predictions = await all.data();
  tf.dispose([...parts, all, test.x, test.y, test.labels]);
  let correct = 0;
  for (let i = 0; i < count; i++) if (predictions[i] === data.test.labels[i]) correct++;
  return { correct, count };
}

export async function runTfjs(backendName: TfBackend, opts: TrainBenchOptions, progress: PageProgress): Promise<TrainBenchResult> {
  progress.phase = `starting TF.js ${backendName}`;
  const backendInfo = await useBackend(backendName);
  progress.phase = 'loading MNIST';
  const data = await loadMnist();
  const plan = planRun(data, opts);
  const { recipe, trainCount, stepsPerEpoch } = plan;
  progress.steps = plan.steps;
  const B = recipe.batch;
  // One-hot over the model's outputs, which may be more than the classes (lesson-deep: 512 for 10).
  const train = toTensors(data.train, trainCount, recipe.layers[recipe.layers.length - 1]);
  const { layers, initial } = makeLayers(recipe);
  const vars = layers.flatMap((l) => [l.w, l.b]);
  const lossSum = tf.variable(tf.scalar(0), false, 'loss sum');
  const newOptimizer = (): tf.AdamOptimizer => tf.train.adam(recipe.lr, recipe.beta1, recipe.beta2, recipe.eps);

  const step = (optimizer: tf.Optimizer, order: tf.Tensor1D, stepInEpoch: number): void => {
    tf.tidy(() => {
      const index = tf.slice(order, stepInEpoch * B, B);
      const x = tf.gather(train.x, index);
      const y = tf.gather(train.y, index);
      const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(layers, x)) as tf.Scalar, true, vars);
      lossSum.assign(tf.add(lossSum, cost!));
    });
  };

  // Warm-up on a throwaway optimizer (shader compilation happens on first use), then back to the start.
  const warmupSteps = Math.min(opts.warmupSteps ?? 2, stepsPerEpoch);
  if (warmupSteps > 0) {
    progress.phase = 'warming up';
    const warm = newOptimizer();
    const order = tf.tensor1d(Int32Array.from({ length: trainCount }, (_, i) => i), 'int32');
    for (let s = 0; s < warmupSteps; s++) step(warm, order, s);
    await lossSum.data();
    warm.dispose();
    order.dispose();
    tf.tidy(() => {
      layers.forEach((l, i) => {
        l.w.assign(tf.tensor2d(initial[2 * i], l.w.shape));
        l.b.assign(tf.tensor1d(initial[2 * i + 1]));
      });
      lossSum.assign(tf.scalar(0));
    });
  }

  progress.phase = 'training';
  const optimizer = newOptimizer();
  const nextOrder = epochOrders(recipe, trainCount);
  const epochLosses: number[] = [];
  let order: tf.Tensor1D | null = null;
  let previousSum = 0;
  const mapsBefore = mapCounter.count;
  const started = performance.now();
  for (let s = 0; s < plan.steps; s++) {
    const inEpoch = s % stepsPerEpoch;
    if (inEpoch === 0) {
      order?.dispose();
      order = tf.tensor1d(Int32Array.from(nextOrder()), 'int32');
    }
    step(optimizer, order!, inEpoch);
    progress.step = s + 1;
    if (inEpoch === stepsPerEpoch - 1) {
      const sum = (await lossSum.data())[0];
      epochLosses.push((sum - previousSum) / stepsPerEpoch);
      previousSum = sum;
    } else if ((s + 1) % 10 === 0) {
      // Let the page answer the runner's progress polls; no readback.
      await new Promise((done) => setTimeout(done, 0));
    }
  }
  const finalSum = (await lossSum.data())[0];
  const seconds = (performance.now() - started) / 1000;
  const readbacks = mapCounter.count - mapsBefore;
  const memory = tf.memory();
  order?.dispose();

  progress.phase = 'evaluating';
  const { correct, count } = await accuracy(layers, data);

  // Kernels per step, from TF.js's own profiler (one more step, after the numbers above were taken).
  let kernelsPerStep: number | null = null;
  try {
    const probeOrder = tf.tensor1d(Int32Array.from({ length: trainCount }, (_, i) => i), 'int32');
    const info = await tf.profile(() => step(optimizer, probeOrder, 0));
    kernelsPerStep = info.kernels.length;
    probeOrder.dispose();
  } catch {
    kernelsPerStep = null;
  }

  optimizer.dispose();
  tf.dispose([...vars, lossSum, train.x, train.y, train.labels]);
  return finishResult(plan, opts.recipe, {
    engine: `tfjs-${backendName}`,
    backend: backendName,
    seconds,
    loss: plan.wholeEpochs && epochLosses.length ? epochLosses[epochLosses.length - 1] : finalSum / plan.steps,
    testAccuracy: correct / count,
    testCount: count,
    readbacks,
    initialWeightsChecked: true,
    extra: { tfjsVersion: tf.version_core, backend: backendInfo, epochLosses, warmupSteps, kernelsPerStep, bytesAllocated: memory.numBytes, tensors: memory.numTensors },
  });
}
