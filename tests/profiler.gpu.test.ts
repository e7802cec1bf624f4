/**
 * The benchmark's GPU tools: the timestamp profiler returns one time per dispatch, and the FMA peak probe
 * stores what its float64 oracle says (so the timed work really ran). Tolerance for the probe: 1e-4
 * relative (each float32 step contracts toward the fixed point, so rounding does not accumulate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuError, type GpuContext } from '../src/gpu/context.ts';
import { fmaPeakExpected, prepareFmaPeak } from '../src/gpu/fma-peak.ts';
import { hasTimestamps, profileDispatches } from '../src/gpu/profiler.ts';
import { readFloats } from '../src/gpu/readback.ts';
import { compare, gpuContext, run } from './gpu.ts';

let ctx: GpuContext;

beforeAll(async () => {
  ctx = await gpuContext();
});
afterAll(() => ctx?.destroy());

describe('fma peak probe', () => {
  for (const chains of [2, 4, 8] as const) {
    it(`stores the oracle's values with ${chains} chains`, async () => {
      const probe = await prepareFmaPeak(ctx, { chains, iterations: 16, workgroups: 2, wg: 8 });
      try {
        expect(probe.flops).toBe(16 * 16 * chains * 32);
        await run(ctx, [probe.dispatch]);
        const got = await readFloats(ctx, probe.out, 0, 16 * 4);
        const want = Array.from({ length: 16 }, (_, i) => fmaPeakExpected(chains, 16, i)).flat();
        const { ok, maxRel } = compare(got, want, 0, 1e-4);
        expect(ok, `max relative error ${maxRel}`).toBe(true);
      } finally {
        probe.destroy();
      }
    });
  }
});

describe('profileDispatches', () => {
  it("gives one GPU time per dispatch, in order, or says the device has no 'timestamp-query'", async () => {
    const probes = await Promise.all([2, 4].map((chains) => prepareFmaPeak(ctx, { chains: chains as 2 | 4, iterations: 64, workgroups: 4 })));
    try {
      const dispatches = probes.map((p) => p.dispatch);
      if (!hasTimestamps(ctx)) {
        await expect(profileDispatches(ctx, dispatches)).rejects.toThrow(GpuError);
        return;
      }
      const times = await profileDispatches(ctx, dispatches, 0, 3);
      expect(times.map((t) => t.name)).toEqual(dispatches.map((d) => d.name));
      for (const t of times) {
        expect(t.samples).toHaveLength(3);
        expect(t.ms).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(t.ms)).toBe(true);
      }
    } finally {
      for (const p of probes) p.destroy();
    }
  });
});
