/**
 * The bench page's entry: puts `window.bench` on the page for the runner (cli/bench.ts) to drive through
 * puppeteer. A job starts with bench.start(kind, options) and is polled with bench.status(), so a run of any
 * length never outlives a single protocol call. One job per page load: the runner opens a fresh page for each,
 * so our engine and each TF.js backend get a device (and a page) of their own.
 */
import type { PageProgress, TrainBenchOptions } from './common.ts';
import type { KernelBenchOptions } from './kernels.ts';
import { runOurs } from './ours.ts';
import { runOverhead, type OverheadOptions } from './overhead.ts';

/** 'diagnostics': our engine with and without diagnostics, side by side (bench/overhead.ts). */
export type JobKind = 'ours' | 'tfjs-webgpu' | 'tfjs-wasm' | 'kernels' | 'diagnostics';

export interface JobStatus {
  kind: JobKind | null;
  progress: PageProgress;
  done: boolean;
  result: unknown;
  error: string | null;
}

export interface PageInfo {
  vendor: string;
  architecture: string;
  description: string;
  timestampQuery: boolean;
  crossOriginIsolated: boolean;
  userAgent: string;
}

const status: JobStatus = { kind: null, progress: { phase: 'idle', step: 0, steps: 0 }, done: false, result: null, error: null };

async function info(): Promise<PageInfo> {
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('this browser gives the page no WebGPU adapter');
  const { vendor, architecture, description } = adapter.info;
  return { vendor, architecture, description, timestampQuery: adapter.features.has('timestamp-query'), crossOriginIsolated, userAgent: navigator.userAgent };
}

function start(kind: JobKind, options: TrainBenchOptions | KernelBenchOptions | OverheadOptions): void {
  if (status.kind) throw new Error(`this page already ran a ${status.kind} job; open a fresh page for the next`);
  status.kind = kind;
  const p = status.progress;
  // TensorFlow.js is loaded only by the jobs that use it, so our engine's page runs without it.
  const job: Promise<unknown> =
    kind === 'ours'
      ? runOurs(options as TrainBenchOptions, p)
      : kind === 'diagnostics'
        ? runOverhead(options as OverheadOptions, p)
        : kind === 'kernels'
          ? import('./kernels.ts').then((m) => m.runKernels(options as KernelBenchOptions, p))
          : import('./tfjs-peer.ts').then((m) => m.runTfjs(kind === 'tfjs-wasm' ? 'wasm' : 'webgpu', options as TrainBenchOptions, p));
  job.then(
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
}

const bench = { info, start, status: (): JobStatus => status };

declare global {
  interface Window {
    bench: typeof bench;
  }
}

window.bench = bench;
document.body.dataset.ready = 'true';
