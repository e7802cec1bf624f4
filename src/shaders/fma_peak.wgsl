// Arithmetic peak probe: how many f32 fused multiply-adds per second the adapter sustains, so matmul
// throughput can be read as a fraction of what the hardware does at best. Not part of training.
//
//   a_j <- fma(a_j, m, c)   for each of CHAINS accumulators, 4 * ITERATIONS times;  out[i] = sum_j a_j
//
// Each invocation keeps CHAINS (2, 4 or 8) independent vec4 accumulators as named registers (independent, so
// one chain's latency is hidden by the others; named, not an array, and the loop body unrolled 4 times by
// hand, because a CPU adapter's shader compiler may keep an array in memory and not unroll). One iteration
// is 4 * CHAINS * 4 FMAs = 32 * CHAINS flops. m and c come from a buffer, so the compiler cannot fold the
// loop, and the one store at the end keeps it alive. With m = 0.999 and c = 0.001 every accumulator
// converges to 1: no overflow, no denormals.
//
// Bindings:  coeff: (2) f32, m then c;  out: (invocations) vec4<f32>, one store per invocation
// Geometry: 1-D grid of WG-wide workgroups; invocation i writes out[i];
//           flops = invocations * ITERATIONS * CHAINS * 32.

override ITERATIONS: u32 = 1024u;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> coeff: array<f32, 2>;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let m = vec4<f32>(coeff[0]);
  let c = vec4<f32>(coeff[1]);
  let s = f32(i % 7u);
  var a0 = vec4<f32>(s, 0.5, 0.25, 0.125);
  var a1 = a0 + 1.0;
#if ${CHAINS_4}
  var a2 = a0 + 2.0;
  var a3 = a0 + 3.0;
#endif
#if ${CHAINS_8}
  var a4 = a0 + 4.0;
  var a5 = a0 + 5.0;
  var a6 = a0 + 6.0;
  var a7 = a0 + 7.0;
#endif
  for (var it = 0u; it < ITERATIONS; it++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c);
#if ${CHAINS_4}
    a2 = fma(a2, m, c); a3 = fma(a3, m, c);
#endif
#if ${CHAINS_8}
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
#endif
    a0 = fma(a0, m, c); a1 = fma(a1, m, c);
#if ${CHAINS_4}
    a2 = fma(a2, m, c); a3 = fma(a3, m, c);
#endif
#if ${CHAINS_8}
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
#endif
    a0 = fma(a0, m, c); a1 = fma(a1, m, c);
#if ${CHAINS_4}
    a2 = fma(a2, m, c); a3 = fma(a3, m, c);
#endif
#if ${CHAINS_8}
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
#endif
    a0 = fma(a0, m, c); a1 = fma(a1, m, c);
#if ${CHAINS_4}
    a2 = fma(a2, m, c); a3 = fma(a3, m, c);
#endif
#if ${CHAINS_8}
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
#endif
  }
  var sum = a0 + a1;
#if ${CHAINS_4}
  sum += a2 + a3;
#endif
#if ${CHAINS_8}
  sum += a4 + a5 + a6 + a7;
#endif
  if (i < arrayLength(&out)) {
    out[i] = sum;
  }
}
