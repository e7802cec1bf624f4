/**
 * What the page learns of the visitor's WebGPU adapter without taking a device: what the page shows on load,
 * what `npm run bench` prints first, and what goes into every result's JSON.
 */
import { summarizeAdapter } from '../src/gpu/acquire.ts';

export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  /** A CPU implementation of WebGPU (SwiftShader and the like), where timings say little about GPUs. */
  software: boolean;
  timestampQuery: boolean;
  /** The adapter's smallest and largest subgroup size, where it says. */
  subgroupSizes?: [number, number];
}

export interface PageInfo {
  adapter: AdapterReport;
  crossOriginIsolated: boolean;
  userAgent: string;
}

/** The adapter an engine would get (high-performance, as our engine and TF.js ask), or an error that says why there is none. */
export async function adapterInfo(): Promise<PageInfo> {
  if (!('gpu' in navigator)) throw new Error('this browser has no WebGPU (navigator.gpu is missing): try a recent Chrome, Edge or Safari');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('this browser gives the page no WebGPU adapter (WebGPU is off, or the GPU is blocklisted)');
  const { vendor, architecture, description, software, subgroupSizes } = summarizeAdapter(adapter);
  return {
    adapter: { vendor, architecture, description, software, timestampQuery: adapter.features.has('timestamp-query'), ...(subgroupSizes ? { subgroupSizes } : {}) },
    crossOriginIsolated,
    userAgent: navigator.userAgent,
  };
}
