/**
 * One engine's job in a fresh same-origin iframe (this page's address with ?job=<kind>, see bench/job.ts),
 * removed when the job ends: each engine gets its own document, its own WebGPU device and its own copy of
 * the libraries it loads, as a fresh tab would, and nothing of one engine's run lingers into the next. The
 * frame is driven as the runner drives a job page: bench.start(options), then bench.status() polled.
 */
import type { PageProgress, TrainBenchOptions } from './common.ts';
import type { JobKind, JobPage } from './job.ts';

/** How long a job page may take to load its module and put `bench` on its window. */
const READY_MS = 60_000;
const POLL_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A job that failed inside its frame: the message, with the frame's stack in `detail`. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

export async function runInFrame<T>(kind: JobKind, options: TrainBenchOptions, onProgress: (p: PageProgress) => void): Promise<T> {
  const url = new URL(location.href);
  url.search = `?job=${kind}`;
  url.hash = '';
  const frame = document.createElement('iframe');
  frame.src = url.href;
  frame.title = `benchmark job: ${kind}`;
  frame.tabIndex = -1;
  frame.setAttribute('aria-hidden', 'true');
  // Out of sight, but rendered: a frame that is display:none may be throttled by the browser.
  Object.assign(frame.style, { position: 'fixed', left: '0', bottom: '0', width: '1px', height: '1px', border: '0', opacity: '0', pointerEvents: 'none' });
  document.body.append(frame);
  try {
    const deadline = performance.now() + READY_MS;
    let bench: JobPage | undefined;
    while (!(bench = (frame.contentWindow as (Window & { bench?: JobPage }) | null)?.bench)) {
      if (performance.now() > deadline) throw new JobError(`the ${kind} job page did not start within ${READY_MS / 1000} s`, url.href);
      await sleep(POLL_MS);
    }
    bench.start(options);
    for (;;) {
      const s = bench.status();
      onProgress({ ...s.progress });
      if (s.done) {
        if (s.error !== null) {
          const [message] = s.error.split('\n');
          throw new JobError(message, s.error);
        }
        // A copy made in this page's realm, which outlives the frame.
        return JSON.parse(JSON.stringify(s.result)) as T;
      }
      await sleep(POLL_MS);
    }
  } finally {
    frame.remove();
  }
}
