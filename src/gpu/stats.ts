/**
 * The statistics kernel's wrapper (src/shaders/stats.wgsl; oracle: tensorStats in src/reference/diagnostics.ts):
 * the jobs one dispatch runs, one workgroup each, their table encoding and the words each job writes.
 */
import source from '../shaders/stats.wgsl?raw';
import { slot, type GpuContext, type KernelSpec } from './context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

/** Where a job's tensor is: the dispatch's `a` or `b` binding, or a view of one of the arenas. */
export type StatsSource = 'a' | 'b' | 'params' | 'delta' | 'grads';
const SOURCES: readonly StatsSource[] = ['a', 'b', 'params', 'delta', 'grads'];

export interface StatsJob {
  source: StatsSource;
  /** First element (a multiple of 4: the kernel reads vec4s) and element count in the source. */
  offset: number;
  count: number;
  /** Columns of the (count / cols, cols) tensor whose dead (all-zero) columns are counted; 0: none. */
  cols: number;
  histogram: boolean;
  /** First word of the job's output in a slot. */
  out: number;
}

/** u32 words of one Job struct in the table. */
export const JOB_WORDS = 8;
/** Words a job writes: mean, std, min, max, non-finite count, dead columns, finite count, 0; then `bins` counts. */
export const STATS_WORDS = 8;
/**
 * Invocations per workgroup (a power of two for the reduction tree, and the most bins a histogram may have).
 * One workgroup reduces a whole tensor (up to a 200,704-float weight in the mlp recipe), so a GPU wants many
 * invocations to hide its memory latency; a CPU adapter runs them as fibers on one core and pays a switch
 * through all of them at every barrier: the four statistics dispatches of a sampled mlp step took 49 ms of
 * GPU time with 256, 35 ms with 64 (timestamp queries, SwiftShader on 2 cores).
 */
export function statsWorkgroup(software: boolean): number {
  return software ? 64 : 256;
}

export function statsSpec(slotWords: number, bins: number, workgroup: number): KernelSpec<'a' | 'b' | 'params' | 'delta' | 'grads' | 'jobs' | 'stats' | 'step'> {
  if (!Number.isInteger(bins) || bins < 1 || bins > workgroup) throw new RangeError(`stats: bins must be an integer from 1 to ${workgroup}, got ${bins}`);
  return {
    name: 'stats',
    source,
    defines: {},
    constants: { SLOT_WORDS: slotWords, WG: workgroup, BINS: bins },
    bindings: {
      a: slot(0, 'read'),
      b: slot(1, 'read'),
      params: slot(2, 'read'),
      delta: slot(3, 'read'),
      grads: slot(4, 'read'),
      jobs: slot(5, 'read'),
      stats: slot(6, 'read_write'),
      step: slot(7, 'uniform_dynamic'),
    },
  };
}

/** The jobs as the kernel's Job structs. */
export function encodeJobs(jobs: readonly StatsJob[]): Uint32Array {
  const words = new Uint32Array(jobs.length * JOB_WORDS);
  jobs.forEach((job, i) => {
    if (job.offset % 4 !== 0) throw new RangeError(`stats job ${i}: offset ${job.offset} is not a multiple of 4`);
    words.set([SOURCES.indexOf(job.source), job.offset, job.count, job.cols, job.histogram ? 1 : 0, job.out], i * JOB_WORDS);
  });
  return words;
}

export interface StatsBindings {
  a: GPUBufferBinding;
  b: GPUBufferBinding;
  params: GPUBuffer;
  delta: GPUBuffer;
  grads: GPUBuffer;
  /** This dispatch's jobs: a view of the job table. */
  jobs: GPUBufferBinding;
  stats: GPUBuffer;
  step: GPUBufferBinding;
}

/** One dispatch running `jobCount` jobs, one workgroup each, writing into slots of `slotWords` words. */
export function prepareStats(ctx: GpuContext, slotWords: number, bins: number, b: StatsBindings, jobCount: number, label: string): Promise<Dispatch> {
  return prepare(
    ctx,
    statsSpec(slotWords, bins, statsWorkgroup(ctx.adapter.software)),
    { a: b.a, b: b.b, params: b.params, delta: b.delta, grads: b.grads, jobs: b.jobs, stats: b.stats, step: b.step },
    [jobCount, 1, 1],
    label,
  );
}
