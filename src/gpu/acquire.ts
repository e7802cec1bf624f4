/**
 * Getting a device: from the page (navigator.gpu), from Node (src/gpu/node.ts), or handed in by the caller.
 *
 * WebGPU gives a device the default limits (128 MiB per storage binding, 256 MiB per buffer) unless it asks
 * for more; we ask for what the model and the dataset need, and refuse up front, naming the limit, when the
 * adapter cannot give it.
 */
import { GpuContext, GpuError, type AdapterSummary } from './context.ts';
import { defaultBrowserStore } from './tuning-idb.ts';
import { MatmulTuner, type TunerOptions } from './tuner.ts';

export interface DeviceNeeds {
  /** The largest single storage binding the run will use, in bytes. */
  maxStorageBufferBindingSize?: number;
  /** The largest buffer the run will create, in bytes. */
  maxBufferSize?: number;
}

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  return summarizeInfo(adapter.info);
}

/** The same from a GPUAdapterInfo (adapter.info, or device.adapterInfo for a device handed in). */
export function summarizeInfo(info: GPUAdapterInfo | undefined): AdapterSummary {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const description = info?.description ?? '';
  const text = `${vendor} ${architecture} ${description}`.toLowerCase();
  const software = Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
  const min = info?.subgroupMinSize;
  const max = info?.subgroupMaxSize;
  return {
    vendor: vendor || 'unknown',
    architecture: architecture || 'unknown',
    description,
    software,
    ...(min !== undefined && max !== undefined ? { subgroupSizes: [min, max] as [number, number] } : {}),
  };
}

/**
 * Requests a device from `adapter` with the limits the run needs. Where a need is above the adapter's
 * limit we still ask for the adapter's whole limit: Trainer.create then refuses the run, naming the layer
 * whose buffer does not fit, before allocating anything.
 */
export async function requestDevice(adapter: GPUAdapter, needs: DeviceNeeds = {}): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const [name, wanted] of Object.entries(needs) as [keyof DeviceNeeds, number | undefined][]) {
    if (wanted === undefined) continue;
    // Above the default: ask for the adapter's whole limit, since later runs on this device may need more.
    requiredLimits[name] = adapter.limits[name];
  }
  // timestamp-query for the profiler; subgroups for the matmul's quad layout (see GpuContext.quads).
  const features = (['timestamp-query', 'subgroups'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  return adapter.requestDevice({ requiredLimits, requiredFeatures: features });
}

/**
 * A context on a new device from `gpu` (navigator.gpu in a page or worker). The context owns the device.
 * `tuning.mode` picks how matmul variants are chosen (default 'auto': measured once per device, kept in
 * IndexedDB where the page has it; see src/gpu/tuner.ts).
 */
export async function createContext(gpu: GPU, needs: DeviceNeeds = {}, tuning: TunerOptions = {}): Promise<GpuContext> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new GpuError('no WebGPU adapter is available');
  const device = await requestDevice(adapter, needs);
  const store = tuning.store ?? defaultBrowserStore();
  return new GpuContext(device, summarizeAdapter(adapter), true, new MatmulTuner({ ...tuning, ...(store ? { store } : {}) }));
}

/** A context on a device the caller owns (it is not destroyed with the context). Choices are kept in memory unless `tuning.store` is given. */
export function wrapDevice(device: GPUDevice, adapter?: AdapterSummary, tuning: TunerOptions = {}): GpuContext {
  return new GpuContext(device, adapter ?? summarizeInfo(device.adapterInfo), false, new MatmulTuner(tuning));
}
