/**
 * The GPU context: one device, its limits, a pipeline cache and every buffer made on it.
 *
 * One object, passed explicitly (no module singletons), so a worker, a Node process and each test build
 * their own. It owns what it creates: destroy() frees every buffer still alive, and the device too when the
 * context acquired it. Buffers are counted by purpose so a run can report what its GPU bytes are.
 */
import { preprocess, type Defines } from './preprocess.ts';
import { MatmulTuner } from './tuner.ts';

/** What a buffer holds, for the byte accounting the benchmark reports. */
export type BufferPurpose = 'parameters' | 'gradients' | 'optimizer' | 'activations' | 'dataset' | 'staging' | 'uniforms' | 'metrics';

/** How a kernel reads a buffer: storage read-only or read-write, a uniform, or a uniform at a dynamic offset. */
export type BindingKind = 'read' | 'read_write' | 'uniform' | 'uniform_dynamic';

/** One binding of a kernel: its number in group 0 and its kind. */
export interface Binding {
  binding: number;
  kind: BindingKind;
}

/**
 * A kernel's bindings, named as the WGSL declares them (`@group(0) @binding(2) var<storage, read_write> m`
 * is `m: { binding: 2, kind: 'read_write' }`); null for one the variant does not declare. The one table
 * builds the bind group layout and, by name, the bind groups, and is checked against the shader's own
 * declarations when the kernel compiles, so the three cannot drift apart.
 */
export type BindingTable<Name extends string = string> = Record<Name, Binding | null>;

/** A table entry, e.g. `m: slot(2, 'read_write')`. */
export function slot(binding: number, kind: BindingKind): Binding {
  return { binding, kind };
}

export interface KernelSpec<Name extends string = string> {
  /** Kernel name, used in errors: 'matmul', 'adam', ... */
  name: string;
  /** The .wgsl text with its placeholders. */
  source: string;
  defines: Defines;
  /** Values of the shader's `override` constants. */
  constants: Record<string, number>;
  bindings: BindingTable<Name>;
}

export interface Kernel {
  name: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** True for a CPU implementation of WebGPU (SwiftShader), where timings mean little. */
  software: boolean;
  /** The adapter's smallest and largest subgroup size, where it says. */
  subgroupSizes?: [number, number];
}

export class GpuError extends Error {}

export class GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  private readonly ownsDevice: boolean;
  private readonly kernels = new Map<string, Promise<Kernel>>();
  private readonly buffers = new Map<GPUBuffer, { purpose: BufferPurpose; label: string }>();
  private lostReason: string | null = null;
  private firstError: string | null = null;
  private readonly onUncapturedError = (event: Event): void => {
    const message = (event as GPUUncapturedErrorEvent).error?.message ?? String(event);
    this.firstError ??= message;
  };

  /**
   * The matmul shares loads within quads (src/shaders/matmul.wgsl, QUAD): the device has subgroups and
   * they are always 4 wide, so that a quad is 4 consecutive invocations (a CPU adapter's SIMD lanes, where
   * loads are the bottleneck). Wider subgroups do not promise that layout, and on GPUs it is unmeasured.
   */
  readonly quads: boolean;

  /**
   * Picks each product's matmul variant (src/gpu/tuner.ts). A context measures with no persistent cache
   * unless its maker gives one: createContext keeps choices in IndexedDB, createNodeContext in a file.
   */
  matmulTuner: MatmulTuner;

  constructor(device: GPUDevice, adapter: AdapterSummary, ownsDevice: boolean, tuner: MatmulTuner = new MatmulTuner()) {
    this.matmulTuner = tuner;
    this.device = device;
    this.adapter = adapter;
    this.quads = device.features.has('subgroups') && adapter.subgroupSizes?.[0] === 4 && adapter.subgroupSizes[1] === 4;
    this.ownsDevice = ownsDevice;
    device.addEventListener('uncapturederror', this.onUncapturedError);
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed' || !this.destroyed) {
        this.lostReason = `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`;
      }
    });
  }

  private destroyed = false;

  /** Throws if the device was lost or a GPU validation or out-of-memory error was raised. */
  check(): void {
    if (this.lostReason) throw new GpuError(this.lostReason);
    if (this.firstError) throw new GpuError(`GPU error: ${this.firstError}`);
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  createBuffer(label: string, size: number, usage: GPUBufferUsageFlags, purpose: BufferPurpose): GPUBuffer {
    const padded = Math.max(16, Math.ceil(size / 16) * 16);
    if (padded > this.device.limits.maxBufferSize) {
      throw new GpuError(
        `${label} needs a buffer of ${padded} bytes; this device allows at most ${this.device.limits.maxBufferSize}`,
      );
    }
    const buffer = this.device.createBuffer({ label, size: padded, usage });
    this.buffers.set(buffer, { purpose, label });
    return buffer;
  }

  /** A storage buffer filled with `data` at creation. */
  createStorage(label: string, data: ArrayBufferView, purpose: BufferPurpose, extraUsage = 0): GPUBuffer {
    const buffer = this.createBuffer(label, data.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage, purpose);
    this.write(buffer, data);
    return buffer;
  }

  /** queue.writeBuffer of a typed array (ordered before the next submit). */
  write(buffer: GPUBuffer, data: ArrayBufferView, offsetBytes = 0): void {
    this.device.queue.writeBuffer(buffer, offsetBytes, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  destroyBuffer(buffer: GPUBuffer): void {
    if (this.buffers.delete(buffer)) buffer.destroy();
  }

  liveBuffers(): GPUBuffer[] {
    return [...this.buffers.keys()];
  }

  /** Bytes held now, in all and by purpose. */
  bytes(): { total: number; byPurpose: Partial<Record<BufferPurpose, number>> } {
    const byPurpose: Partial<Record<BufferPurpose, number>> = {};
    let total = 0;
    for (const [buffer, { purpose }] of this.buffers) {
      byPurpose[purpose] = (byPurpose[purpose] ?? 0) + buffer.size;
      total += buffer.size;
    }
    return { total, byPurpose };
  }

  /** Compiles (once per distinct source and constants) and returns a kernel's pipeline and layout. */
  kernel(spec: KernelSpec<string>): Promise<Kernel> {
    const code = preprocess(spec.name, spec.source, spec.defines);
    const key = `${spec.name}\n${JSON.stringify(spec.constants)}\n${JSON.stringify(spec.bindings)}\n${code}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.compile(spec, code);
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  get pipelineCount(): number {
    return this.kernels.size;
  }

  /**
   * Errors name the kernel and its variant (its defines). The validation scope wraps only the calls made
   * synchronously here: pipelines compile concurrently, and a scope held across an await would catch another
   * kernel's errors (one compile error was seen reported under another kernel's name).
   */
  private async compile(spec: KernelSpec<string>, code: string): Promise<Kernel> {
    const defines = Object.entries(spec.defines).filter(([, v]) => typeof v === 'boolean');
    const variant = defines.length ? ` (${defines.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
    const drift = checkBindings(spec.bindings, code);
    if (drift) throw new GpuError(`kernel ${spec.name}${variant}: its binding table does not match the shader: ${drift}`);
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: spec.name, code });
    const layout = this.device.createBindGroupLayout({
      label: spec.name,
      entries: Object.values(spec.bindings).flatMap((b) => (b ? [layoutEntry(b.binding, b.kind)] : [])),
    });
    const pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const scope = this.device.popErrorScope();
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      const lines = errors.map((m) => `  ${spec.name}.wgsl ${m.lineNum}:${m.linePos}: ${m.message}`);
      throw new GpuError(`kernel ${spec.name}${variant} failed to compile:\n${lines.join('\n')}`);
    }
    const scoped = await scope;
    if (scoped) throw new GpuError(`kernel ${spec.name}${variant}: ${scoped.message}`);
    const pipeline = await this.device
      .createComputePipelineAsync({ label: spec.name, layout: pipelineLayout, compute: { module, entryPoint: 'main', constants: spec.constants } })
      .catch((error: unknown) => {
        throw new GpuError(`kernel ${spec.name}${variant}: pipeline creation failed: ${(error as Error).message}`);
      });
    return { name: spec.name, pipeline, layout };
  }

  /** Frees every buffer still alive and, when this context acquired the device, the device. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of this.buffers.keys()) buffer.destroy();
    this.buffers.clear();
    this.kernels.clear();
    this.device.removeEventListener('uncapturederror', this.onUncapturedError);
    if (this.ownsDevice) this.device.destroy();
  }
}

const DECLARATION = /@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)\s*var\s*<\s*(storage|uniform)\s*(?:,\s*(read|read_write)\s*)?>\s*(\w+)/g;

/**
 * Compares a binding table with the buffers a shader's code declares in group 0: the same names, numbers
 * and access. Returns what differs, or null.
 */
export function checkBindings(table: BindingTable, code: string): string | null {
  const declared = new Map<string, string>();
  for (const [, binding, space, access, name] of code.matchAll(DECLARATION)) {
    declared.set(name, `${binding} ${space === 'uniform' ? 'uniform' : (access ?? 'read')}`);
  }
  const listed = new Map<string, string>();
  for (const [name, b] of Object.entries(table)) {
    if (b) listed.set(name, `${b.binding} ${b.kind === 'uniform_dynamic' ? 'uniform' : b.kind}`);
  }
  const problems: string[] = [];
  for (const [name, what] of declared) {
    const mine = listed.get(name);
    if (!mine) problems.push(`the shader declares ${name} (binding ${what}), the table does not`);
    else if (mine !== what) problems.push(`${name} is binding ${what} in the shader, ${mine} in the table`);
  }
  for (const [name, what] of listed) {
    if (!declared.has(name)) problems.push(`the table lists ${name} (binding ${what}), the shader does not declare it`);
  }
  return problems.length ? problems.join('; ') : null;
}

function layoutEntry(binding: number, kind: BindingKind): GPUBindGroupLayoutEntry {
  const visibility = GPUShaderStage.COMPUTE;
  switch (kind) {
    case 'read':
      return { binding, visibility, buffer: { type: 'read-only-storage' } };
    case 'read_write':
      return { binding, visibility, buffer: { type: 'storage' } };
    case 'uniform':
      return { binding, visibility, buffer: { type: 'uniform' } };
    case 'uniform_dynamic':
      return { binding, visibility, buffer: { type: 'uniform', hasDynamicOffset: true } };
  }
}

/** Number of workgroups of `size` invocations covering `count` items, laid over x then y. */
export function grid1d(count: number, size: number, maxPerDimension: number): [number, number] {
  const groups = Math.max(1, Math.ceil(count / size));
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  return [Math.ceil(groups / y), y];
}
