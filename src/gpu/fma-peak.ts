/**
 * The arithmetic peak probe's wrapper (src/shaders/fma_peak.wgsl): a dispatch of pure vec4 FMAs whose flop
 * count is known exactly, for the kernel benchmark to divide by. Its oracle is the closed form in the
 * shader header: every output converges to chains * (1, 1, 1, 1).
 */
import source from '../shaders/fma_peak.wgsl?raw';
import { slot, type GpuContext, type KernelSpec } from './context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

export interface FmaPeakShape {
  /** Independent vec4 accumulators per invocation: 2, 4 or 8 (register pressure against latency hiding). */
  chains: 2 | 4 | 8;
  iterations: number;
  workgroups: number;
  /** Invocations per workgroup. */
  wg?: number;
}

export interface FmaPeak {
  dispatch: Dispatch;
  /** Floating-point operations of one dispatch (an FMA counts two). */
  flops: number;
  out: GPUBuffer;
  /** Frees the probe's buffers. */
  destroy(): void;
}

export function fmaPeakSpec(s: FmaPeakShape): KernelSpec<'coeff' | 'out'> {
  if (![2, 4, 8].includes(s.chains)) throw new RangeError(`fma peak: chains must be 2, 4 or 8, got ${s.chains}`);
  for (const [name, value] of Object.entries(s)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`fma peak: ${name} must be a positive integer, got ${value}`);
  }
  return {
    name: 'fma_peak',
    source,
    defines: { CHAINS_4: s.chains >= 4, CHAINS_8: s.chains === 8 },
    constants: { ITERATIONS: s.iterations, WG: s.wg ?? 64 },
    bindings: { coeff: slot(0, 'read'), out: slot(1, 'read_write') },
  };
}

export async function prepareFmaPeak(ctx: GpuContext, s: FmaPeakShape): Promise<FmaPeak> {
  const wg = s.wg ?? 64;
  const invocations = s.workgroups * wg;
  const coeff = ctx.createStorage('fma peak coefficients', new Float32Array(FMA_PEAK_COEFF), 'metrics');
  const out = ctx.createBuffer('fma peak output', invocations * 16, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'metrics');
  try {
    const dispatch = await prepare(ctx, fmaPeakSpec(s), { coeff, out }, [s.workgroups, 1, 1], `fma peak x${s.chains}`);
    return {
      dispatch,
      flops: invocations * s.iterations * s.chains * 32,
      out,
      destroy: () => {
        ctx.destroyBuffer(coeff);
        ctx.destroyBuffer(out);
      },
    };
  } catch (error) {
    ctx.destroyBuffer(coeff);
    ctx.destroyBuffer(out);
    throw error;
  }
}

/** The probe's coefficients, as the shader sees them (f32). */
export const FMA_PEAK_COEFF = [Math.fround(0.999), Math.fround(0.001)] as const;

/**
 * The float64 oracle: what invocation `index` stores (4 floats), by running the same recurrence from the
 * same starting values. float32 rounding stays within about 1e-4 of it because each step contracts toward 1.
 */
export function fmaPeakExpected(chains: 2 | 4 | 8, iterations: number, index: number): number[] {
  const [m, c] = FMA_PEAK_COEFF;
  const start = [index % 7, 0.5, 0.25, 0.125];
  const sum = [0, 0, 0, 0];
  for (let j = 0; j < chains; j++) {
    for (let k = 0; k < 4; k++) {
      let a = start[k] + j;
      for (let it = 0; it < 4 * iterations; it++) a = a * m + c;
      sum[k] += a;
    }
  }
  return sum;
}
