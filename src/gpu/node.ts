/**
 * WebGPU in Node through Dawn (the `webgpu` package).
 *
 * On a machine with a GPU, Dawn uses its native driver. Without one, Dawn can still run on SwiftShader, the
 * CPU Vulkan driver that Chromium ships: pointing VK_ICD_FILENAMES at it before creating the instance makes
 * it the adapter. We try the native path first and fall back with a warning, so the same command works on a
 * laptop GPU and on a GPU-less server. (cli/launch.mjs makes sure a Vulkan loader can be found at all.)
 */
import { existsSync, readdirSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { GpuContext, GpuError } from './context.ts';
import { requestDevice, summarizeAdapter, type DeviceNeeds } from './acquire.ts';
import { FileStore } from './tuning-file.ts';
import { MatmulTuner, type TunerOptions } from './tuner.ts';

const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

export interface NodeContextOptions extends DeviceNeeds {
  /** Called once with a message when the software adapter is used because no GPU adapter was found. */
  onWarning?: (message: string) => void;
  /**
   * How matmul variants are chosen (src/gpu/tuner.ts). By default they are measured once per device and kept
   * in matmul-tuning.json in the user's cache folder (see src/gpu/tuning-file.ts).
   */
  tuning?: TunerOptions;
}

// Dawn instances must stay referenced while their devices live.
const instances: GPU[] = [];

/** Folders where Vulkan drivers register themselves on Linux. */
const VULKAN_ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** False on a Linux machine with no Vulkan driver installed, where asking Dawn only prints driver warnings. */
function mayHaveNativeAdapter(): boolean {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  return VULKAN_ICD_DIRS.some((dir) => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.json')));
}

/** How long Dawn's event polling sleeps between two polls while a GPU promise is pending (see pollGently). */
export const DAWN_POLL_MS = 1;
const POLLING_PATCHED = Symbol.for('webgpu-mlp: Dawn polling');

/**
 * While any GPU promise is pending (a mapAsync, onSubmittedWorkDone), Dawn's Node binding polls its device
 * from a setImmediate callback that queues itself again: a busy loop that keeps one core at 100%. On a
 * software adapter that core is taken from SwiftShader's own threads, which run the kernels: measured here,
 * a training step took 51 ms with the loop spinning, against about 30 ms for the same kernels in Chromium.
 * The binding looks `setImmediate` up on the global object at every poll and passes an anonymous native
 * function, so those callbacks (and only those) are deferred by DAWN_POLL_MS with setTimeout: the loop sleeps
 * between polls, and a readback resolves at most about a millisecond later. Everything else still gets
 * Node's own setImmediate.
 */
function pollGently(): void {
  const global = globalThis as typeof globalThis & { [POLLING_PATCHED]?: true };
  if (global[POLLING_PATCHED]) return;
  const immediate = global.setImmediate;
  // The binding's poll is an anonymous native function of no parameters; a promise's resolve function (native,
  // anonymous, one parameter), a builtin (named) or a bound function (named "bound ...") is not.
  const isDawnPoll = (fn: unknown): boolean =>
    typeof fn === 'function' && fn.name === '' && fn.length === 0 && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
  const patched = ((callback: (...args: unknown[]) => void, ...args: unknown[]) =>
    isDawnPoll(callback) ? setTimeout(callback, DAWN_POLL_MS, ...args) : immediate(callback, ...args)) as unknown as typeof setImmediate;
  global.setImmediate = Object.assign(patched, { __promisify__: immediate.__promisify__ });
  global[POLLING_PATCHED] = true;
}

async function findAdapter(): Promise<{ gpu: GPU; adapter: GPUAdapter; fellBack: boolean }> {
  Object.assign(globalThis, globals);
  pollGently();
  if (mayHaveNativeAdapter()) {
    const gpu = create([]);
    instances.push(gpu);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return { gpu, adapter, fellBack: false };
  }

  const icd = SWIFTSHADER_ICDS.find((path) => existsSync(path));
  if (icd && !process.env.VK_ICD_FILENAMES) {
    process.env.VK_ICD_FILENAMES = icd;
    const softwareGpu = create([]);
    instances.push(softwareGpu);
    const software = await softwareGpu.requestAdapter();
    if (software) return { gpu: softwareGpu, adapter: software, fellBack: true };
  }
  throw new GpuError(
    'no WebGPU adapter found. Install your GPU\'s Vulkan driver, or, to train on the CPU, Chromium ' +
      '(Debian: apt-get install chromium), whose SwiftShader driver this program uses as a software adapter.',
  );
}

/** A `GPU` object (what navigator.gpu is in a page) whose adapter works here, with the same fallback. */
export async function nodeGpu(): Promise<GPU> {
  return (await findAdapter()).gpu;
}

/** A context on a new Dawn device; the context owns the device and destroys it. */
export async function createNodeContext(options: NodeContextOptions = {}): Promise<GpuContext> {
  const { adapter, fellBack } = await findAdapter();
  const summary = summarizeAdapter(adapter);
  if (fellBack) {
    summary.software = true;
    options.onWarning?.(
      `no GPU adapter found; falling back to the software adapter (SwiftShader on the CPU, ${process.env.VK_ICD_FILENAMES}). Training will be slow.`,
    );
  }
  const device = await requestDevice(adapter, options);
  const tuning = options.tuning ?? {};
  return new GpuContext(device, summary, true, new MatmulTuner({ ...tuning, store: tuning.store ?? new FileStore() }));
}
