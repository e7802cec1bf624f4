/**
 * Both elements in one module: the package's browser bundle (dist/lib/webgpu-mlp.js, export
 * "webgpu-mlp/elements"), which defines <mlp-trainer> and <init-lab> when loaded. The engine's worker and
 * MNIST (mnist/) sit beside it.
 */
export * from './trainer/mlp-trainer.ts';
export * from './lab/init-lab.ts';
