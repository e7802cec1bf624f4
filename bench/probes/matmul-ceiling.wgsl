// Bench-only probes of what bounds our matmul on an adapter with 4-wide subgroups (the software adapter):
// the engine's quad layout (src/shaders/matmul.wgsl, QUAD) cut down to a plain C = A B with M, N multiples
// of 64 and K of 4, in three forms that differ only in where the operands come from:
//
//   BUFFERS   storage buffers, as the engine reads them (its timing matches the engine's kernel);
//   TEXTURES  the same values from rgba32float textures through textureLoad (another load path: a CPU
//             adapter fetches a texel's four floats with one vector load instead of four per-lane gathers);
//   HOISTED   every load done once before the K loop, so the loop is the register tile's arithmetic alone.
//             Its result is not A B (each step adds the first step's products again), so it is checked
//             against K / 4 times the first step. Its rate is the ceiling no load path can pass.
//
// Geometry as in matmul.wgsl: 64 invocations = 16 quads, 64 x 64 of C per workgroup, 8 x 8 per invocation,
// half of each invocation's A rows and B columns loaded, the other half swapped in from its quad.
// Bindings: A (M, K) and B (K, N) as vec4 buffers or textures (A: K/4 x M texels, B: N/4 x K), C (M, N).

enable subgroups;

override M: u32;
override N: u32;
override K: u32;

#if ${TEXTURES}
@group(0) @binding(0) var At: texture_2d<f32>;
@group(0) @binding(1) var Bt: texture_2d<f32>;
// A[m, k0 .. k0 + 3] and B[k, n0 .. n0 + 3]
fn a4(m: u32, k0: u32) -> vec4<f32> { return textureLoad(At, vec2<u32>(k0 / 4u, m), 0); }
fn b4(k: u32, n0: u32) -> vec4<f32> { return textureLoad(Bt, vec2<u32>(n0 / 4u, k), 0); }
#else
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
fn a4(m: u32, k0: u32) -> vec4<f32> { return A[(m * K + k0) / 4u]; }
fn b4(k: u32, n0: u32) -> vec4<f32> { return B[(k * N + n0) / 4u]; }
#endif
@group(0) @binding(2) var<storage, read_write> C: array<vec4<f32>>;

fn store(m: u32, n0: u32, v: vec4<f32>) { C[(m * N + n0) / 4u] = v; }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let quad = li / 4u;
  let qx = lane & 1u;
  let qy = (lane >> 1u) & 1u;
  let mb = wg.y * 64u + (quad / 4u) * 16u + qy * 8u;
  let nb = wg.x * 64u + (quad % 4u) * 16u + qx * 8u;
  let m0 = mb + 4u * qx;
  let m1 = mb + 4u - 4u * qx;
  let n0 = nb + 4u * qy;
  let n1 = nb + 4u - 4u * qy;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0); var acc5 = vec4<f32>(0.0); var acc6 = vec4<f32>(0.0); var acc7 = vec4<f32>(0.0);
  var bcc0 = vec4<f32>(0.0); var bcc1 = vec4<f32>(0.0); var bcc2 = vec4<f32>(0.0); var bcc3 = vec4<f32>(0.0);
  var bcc4 = vec4<f32>(0.0); var bcc5 = vec4<f32>(0.0); var bcc6 = vec4<f32>(0.0); var bcc7 = vec4<f32>(0.0);
#if ${HOISTED}
  let k0 = 0u;
#else
  for (var k0 = 0u; k0 < K; k0 += 4u) {
#endif
    let a0 = a4(m0, k0);
    let a1 = a4(m0 + 1u, k0);
    let a2 = a4(m0 + 2u, k0);
    let a3 = a4(m0 + 3u, k0);
    let b0 = b4(k0, n0);
    let b1 = b4(k0 + 1u, n0);
    let b2 = b4(k0 + 2u, n0);
    let b3 = b4(k0 + 3u, n0);
    let a4_ = quadSwapX(a0);
    let a5 = quadSwapX(a1);
    let a6 = quadSwapX(a2);
    let a7 = quadSwapX(a3);
    let c0 = quadSwapY(b0);
    let c1 = quadSwapY(b1);
    let c2 = quadSwapY(b2);
    let c3 = quadSwapY(b3);
#if ${HOISTED}
  for (var k = 0u; k < K; k += 4u) {
#endif
    acc0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
    bcc0 += a0.x * c0 + a0.y * c1 + a0.z * c2 + a0.w * c3;
    acc1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
    bcc1 += a1.x * c0 + a1.y * c1 + a1.z * c2 + a1.w * c3;
    acc2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
    bcc2 += a2.x * c0 + a2.y * c1 + a2.z * c2 + a2.w * c3;
    acc3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
    bcc3 += a3.x * c0 + a3.y * c1 + a3.z * c2 + a3.w * c3;
    acc4 += a4_.x * b0 + a4_.y * b1 + a4_.z * b2 + a4_.w * b3;
    bcc4 += a4_.x * c0 + a4_.y * c1 + a4_.z * c2 + a4_.w * c3;
    acc5 += a5.x * b0 + a5.y * b1 + a5.z * b2 + a5.w * b3;
    bcc5 += a5.x * c0 + a5.y * c1 + a5.z * c2 + a5.w * c3;
    acc6 += a6.x * b0 + a6.y * b1 + a6.z * b2 + a6.w * b3;
    bcc6 += a6.x * c0 + a6.y * c1 + a6.z * c2 + a6.w * c3;
    acc7 += a7.x * b0 + a7.y * b1 + a7.z * b2 + a7.w * b3;
    bcc7 += a7.x * c0 + a7.y * c1 + a7.z * c2 + a7.w * c3;
  }
  store(m0, n0, acc0); store(m0 + 1u, n0, acc1); store(m0 + 2u, n0, acc2); store(m0 + 3u, n0, acc3);
  store(m1, n0, acc4); store(m1 + 1u, n0, acc5); store(m1 + 2u, n0, acc6); store(m1 + 3u, n0, acc7);
  store(m0, n1, bcc0); store(m0 + 1u, n1, bcc1); store(m0 + 2u, n1, bcc2); store(m0 + 3u, n1, bcc3);
  store(m1, n1, bcc4); store(m1 + 1u, n1, bcc5); store(m1 + 2u, n1, bcc6); store(m1 + 3u, n1, bcc7);
}
