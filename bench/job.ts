/**
 * A job page (bench/index.html?job=<kind>): puts `window.bench` on the page for whoever drives it, the bench
 * page (bench/frame.ts, from a fresh iframe per engine) or the runner (cli/bench.ts, for --kernels,
 * --diagnostics and --checks). A job starts with bench.start(options) and is polled with bench.status(), so a
 * run of any length never outlives a single protocol call. One job per page load, so our engine and each
 * TF.js backend get a device (and a document) of their own; TensorFlow.js loads only in its own jobs.
 */
import { adapterInfo } from './adapter.ts';
import type { PageProgress, TrainBenchOptions } from './common.ts';
import type { KernelBenchOptions } from './kernels.ts';
import type { OverheadOptions } from './overhead.ts';

/** 'diagnostics': our engine with and without diagnostics (or the value checks), side by side (bench/overhead.ts). */
export const JOB_KINDS = ['ours', 'tfjs-webgpu', 'tfjs-wasm', 'kernels', 'diagnostics'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface JobStatus {
  kind: JobKind;
  started: boolean;
  progress: PageProgress;
  done: boolean;
  result: unknown;
  error: string | null;
}

function run(kind: JobKind, options: TrainBenchOptions | KernelBenchOptions | OverheadOptions, p: PageProgress): Promise<unknown> {
  switch (kind) {
    case 'ours':
      return import('./ours.ts').then((m) => m.runOurs(options as TrainBenchOptions, p));
    case 'diagnostics':
      return import('./overhead.ts').then((m) => m.runOverhead(options as OverheadOptions, p));
    case 'kernels':
      return import('./kernels.ts').then((m) => m.runKernels(options as KernelBenchOptions, p));
    case 'tfjs-webgpu':
    case 'tfjs-wasm':
      return import('./tfjs-peer.ts').then((m) => m.runTfjs(kind === 'tfjs-wasm' ? 'wasm' : 'webgpu', options as TrainBenchOptions, p));
  }
}

function jobPage(kind: JobKind) {
  const status: JobStatus = { kind, started: false, progress: { phase: 'idle', step: 0, steps: 0 }, done: false, result: null, error: null };
  const start = (options: TrainBenchOptions | KernelBenchOptions | OverheadOptions): void => {
    if (status.started) throw new Error(`this page already ran its ${kind} job; open a fresh page for the next`);
    status.started = true;
    const p = status.progress;
    run(kind, options, p).then(
      (result) => {
        status.result = result;
        status.done = true;
        p.phase = 'done';
      },
      (error: unknown) => {
        status.error = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
        status.done = true;
        p.phase = 'failed';
      },
    );
  };
  return { kind, info: adapterInfo, start, status: (): JobStatus => status };
}

export type JobPage = ReturnType<typeof jobPage>;

declare global {
  interface Window {
    /** Set on a job page (bench/index.html?job=<kind>) once it can take its job. */
    bench?: JobPage;
  }
}

/** Makes this document the job page for `kind` (the value of ?job=). */
export function startJobPage(kind: string): void {
  const known = (JOB_KINDS as readonly string[]).includes(kind);
  document.body.replaceChildren(
    Object.assign(document.createElement('p'), {
      textContent: known
        ? `A ${kind} job of the benchmark, driven by the bench page or npm run bench. Open this page without ?job= to run the benchmark.`
        : `Unknown job "${kind}" (known: ${JOB_KINDS.join(', ')}). Open this page without ?job= to run the benchmark.`,
    }),
  );
  if (!known) return;
  window.bench = jobPage(kind as JobKind);
  document.body.dataset.ready = 'true';
}
