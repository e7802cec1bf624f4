/**
 * Our engine's side of the training benchmark: Trainer on a fresh device, timed over the planned steps
 * with nothing changed from how an application runs it (chunked submits, asynchronous loss readbacks), then
 * the whole test set evaluated, the GPU bytes counted and, where the adapter has timestamp queries, each
 * kernel of one step timed. The result says which matmul variant each product got (`options.matmul`: measured
 * on this device, the untuned one, or a forced one) and how long choosing took.
 */
import { createContext } from '../src/gpu/acquire.ts';
import { hasTimestamps, profileDispatches, type KernelTime } from '../src/gpu/profiler.ts';
import { freeImages, uploadDataset } from '../src/train/gpu-dataset.ts';
import { deviceNeeds, Trainer, type EpochResult } from '../src/train/trainer.ts';
import { finishResult, initialArena, loadMnist, mapCounter, planRun, type PageProgress, type TrainBenchOptions, type TrainBenchResult } from './common.ts';

/** Repeats of the step when timing its kernels (the median is reported). */
const PROFILE_REPEATS = 5;

export async function runOurs(opts: TrainBenchOptions, progress: PageProgress): Promise<TrainBenchResult> {
  progress.phase = 'loading MNIST';
  const data = await loadMnist();
  const plan = planRun(data, opts);
  progress.phase = 'building';
  progress.steps = plan.steps;
  const ctx = await createContext(navigator.gpu, deviceNeeds(data, plan.recipe), { mode: opts.matmul ?? 'auto' });
  try {
    const images = uploadDataset(ctx, data, plan.recipe.trainLimit);
    const warmupSteps = opts.warmupSteps ?? 2;
    // Building the first trainer chooses the matmul variants (measured on this device unless cached or forced).
    progress.phase = opts.matmul === undefined || opts.matmul === 'auto' ? 'building, choosing matmul variants' : 'building';
    if (warmupSteps > 0) {
      const warm = await Trainer.create(ctx, data, plan.recipe, { images });
      progress.phase = 'warming up';
      await warm.run({ maxSteps: warmupSteps });
      warm.destroy();
    }
    const trainer = await Trainer.create(ctx, data, plan.recipe, { images });
    // Every product (the step's and the evaluation's) has its variant once a trainer is built.
    const matmul = ctx.matmulTuner.report(ctx);
    const { arena } = initialArena(plan.recipe);
    const initial = await trainer.readParameters();
    const initialWeightsChecked = initial.length === arena.length && initial.every((v, i) => v === arena[i]);

    progress.phase = 'training';
    const epochs: EpochResult[] = [];
    let lossSum = 0;
    let lossCount = 0;
    const mapsBefore = mapCounter.count;
    const started = performance.now();
    await trainer.run({
      maxSteps: plan.steps,
      onEpoch: (e) => epochs.push(e),
      onProgress: (p) => {
        progress.step = p.step;
        for (const l of p.losses) lossSum += l;
        lossCount += p.losses.length;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const readbacks = mapCounter.count - mapsBefore;
    const gpuBytes = ctx.bytes();

    progress.phase = 'evaluating';
    const evaluation = await trainer.evaluate();

    progress.phase = 'profiling kernels';
    let kernelTimes: KernelTime[] | null = null;
    let timestampQuery: string;
    let profileWallMs: number | null = null;
    if (hasTimestamps(ctx)) {
      const profileStart = performance.now();
      kernelTimes = await profileDispatches(ctx, trainer.stepDispatches, 0, PROFILE_REPEATS);
      profileWallMs = (performance.now() - profileStart) / PROFILE_REPEATS;
      timestampQuery = kernelTimes.every((k) => k.ms === 0) ? 'available, but every timestamp read back equal (no resolution)' : 'available';
    } else {
      timestampQuery = "unavailable: the adapter does not offer 'timestamp-query'";
    }
    const dispatchesPerStep = trainer.dispatchesPerStep;
    trainer.destroy();
    freeImages(ctx, images.train);
    freeImages(ctx, images.test);

    const last = epochs.at(-1);
    return finishResult(plan, opts.recipe, {
      engine: 'ours',
      backend: 'webgpu',
      seconds,
      loss: plan.wholeEpochs && last ? last.loss : lossSum / Math.max(1, lossCount),
      testAccuracy: evaluation.accuracy,
      testCount: evaluation.count,
      readbacks,
      initialWeightsChecked,
      matmul,
      extra: {
        adapter: ctx.adapter,
        dispatchesPerStep,
        /** The matmul layout the device allowed (see GpuContext.quads). */
        matmulLayout: ctx.quads ? 'quad' : 'plain',
        gpuBytes,
        epochReadbacks: epochs.map((e) => e.readbacks),
        epochs: epochs.map(({ epoch, loss, seconds: s, steps }) => ({ epoch, loss, seconds: s, steps })),
        warmupSteps,
        timestampQuery,
        kernelTimes: kernelTimes?.map(({ name, ms, samples }) => ({ name, ms, samples })) ?? null,
        kernelMsPerStep: kernelTimes ? kernelTimes.reduce((a, k) => a + k.ms, 0) : null,
        wallMsPerStep: (seconds * 1000) / plan.steps,
        /** Wall time of one profiled step (its passes, the resolve and the readback), a check on the timestamps. */
        profileWallMsPerStep: profileWallMs,
      },
    });
  } finally {
    ctx.destroy();
  }
}
