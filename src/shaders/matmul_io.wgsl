// The matmul kernels' shared part, spliced into matmul.wgsl and matmul_tiled.wgsl at their MATMUL_IO
// placeholder before the defines are read (see src/gpu/preprocess.ts), so the conditions here follow the
// kernel's defines: the sizes, the bindings, the loaders of four values of op(A) or op(B), and the epilogue.
//
//   C (M, N) = op(A) (M, K) * op(B) (K, N)            then, as switched on:
//   + bias[n] (BIAS), max(0, .) (RELU), * (aux[m, n] > 0) (MASK: ReLU backward through the saved activation)
//   and db[m] = sum_k op(A)[m, k] (BIAS_GRAD: the bias gradient of dW = dZ^T X)
//
// Layouts (all row-major):
//   A: (M, K), or (K, M) when A_T                  B: (K, N), or (N, K) when B_T
//   A_U8: A is a batch of dataset images gathered on the fly: A[m, k] = pixel(perm[batch_base + m], k) / 255,
//         pixels packed four to a u32, each image padded to STRIDE words (the first layer's input, forward).
//   B_U8: the same for B with rows indexed by k (the first layer's input in dW = dZ^T X).
//   C: (M, N)   aux: (M, N)   bias: (N)   db: (M)
//   A_VEC4 / B_VEC4 / C_VEC4: the contiguous dimension is a multiple of 4, so the buffer is read (written) as
//   vec4s; otherwise element by element with bounds checks.
//
// The loaders check only the bounds they say they check: a caller keeps the others (a step of 4 along K that
// starts below K, rows clamped below M, ...), and every caller guards what it passes in.

override M: u32;
override N: u32;
override K: u32;
override STRIDE: u32 = 0u;
// K is a multiple of 4, so every step of 4 along K that starts below K is whole and needs no check.
const K_ALIGNED: bool = ${K_ALIGNED};

${STEP}

#if ${A_U8}
@group(0) @binding(0) var<storage, read> A: array<u32>;
#elif ${A_VEC4}
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
#else
@group(0) @binding(0) var<storage, read> A: array<f32>;
#endif
#if ${B_U8}
@group(0) @binding(1) var<storage, read> B: array<u32>;
#elif ${B_VEC4}
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> B: array<f32>;
#endif
#if ${C_VEC4}
@group(0) @binding(2) var<storage, read_write> C: array<vec4<f32>>;
#else
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
#endif
#if ${BIAS}
@group(0) @binding(3) var<storage, read> bias: array<f32>;
#endif
#if ${BIAS_GRAD}
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
#endif
#if ${MASK}
#if ${C_VEC4}
@group(0) @binding(4) var<storage, read> aux: array<vec4<f32>>;
#else
@group(0) @binding(4) var<storage, read> aux: array<f32>;
#endif
#endif
#if ${GATHER}
@group(0) @binding(5) var<storage, read> perm: array<u32>;
@group(0) @binding(6) var<uniform> step: Step;
#endif

#if ${GATHER}
// The first word of the dataset image in row `row` of the batch: one look-up through the permutation.
fn image_word(row: u32) -> u32 {
  return perm[step.batch_base + row] * STRIDE;
}
#endif

#if ${A_T}
#else
// op(A)[m, k0 .. k0 + 3] for A stored (M, K) (or gathered images); m is already clamped below M, and k0 < K
// (a multiple of 4). Steps past K read zeros only where K is not a multiple of 4 (per element).
fn a_row(m: u32, k0: u32) -> vec4<f32> {
#if ${A_U8}
  // Here m is the gathered image's first word (see image_word), looked up once, not at every step along K.
  // Bytes past K in the last word are padding: the kernels pair them with zeros of op(B).
  return unpack4x8unorm(A[m + k0 / 4u]);
#elif ${A_VEC4}
  return A[(m * K + k0) / 4u];
#else
  var v = vec4<f32>(0.0);
  for (var c = 0u; c < 4u; c++) {
    if (k0 + c < K) { v[c] = A[m * K + k0 + c]; }
  }
  return v;
#endif
}
#endif

#if ${A_T}
// A[k, m0 .. m0 + 3] for A stored (K, M); zeros for k past K unless K_ALIGNED (then the caller keeps k < K),
// columns clamped (vec4) or checked below M.
fn a_t_row(k: u32, m0: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
#if ${A_VEC4}
  if (K_ALIGNED || k < K) { v = A[(k * M + min(m0, M - 4u)) / 4u]; }
#else
  for (var c = 0u; c < 4u; c++) {
    if (k < K && m0 + c < M) { v[c] = A[k * M + m0 + c]; }
  }
#endif
  return v;
}
#endif

#if ${B_T}
#else
// op(B)[k, n0 .. n0 + 3] for B stored (K, N); zeros for k past K unless K_ALIGNED (then the caller keeps
// k < K). With B_VEC4 n0 is kept at most N - 4; otherwise columns past N read zeros (B_U8: the image's
// padding, up to n0 < 4 STRIDE). For gathered images (B_U8) `word` is image_word(k), which the caller looks up.
fn b_row(k: u32, n0: u32, word: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
#if ${B_U8}
  if (K_ALIGNED || k < K) { v = unpack4x8unorm(B[word + n0 / 4u]); }
#elif ${B_VEC4}
  if (K_ALIGNED || k < K) { v = B[(k * N + n0) / 4u]; }
#else
  for (var c = 0u; c < 4u; c++) {
    if (k < K && n0 + c < N) { v[c] = B[k * N + n0 + c]; }
  }
#endif
  return v;
}
#endif

#if ${B_T}
// B[n, k0 .. k0 + 3] for B stored (N, K); n is already clamped below N, and k0 < K (a multiple of 4).
// Steps past K read zeros only where K is not a multiple of 4 (per element).
fn b_t_row(n: u32, k0: u32) -> vec4<f32> {
#if ${B_VEC4}
  return B[(n * K + k0) / 4u];
#else
  var v = vec4<f32>(0.0);
  for (var c = 0u; c < 4u; c++) {
    if (k0 + c < K) { v[c] = B[n * K + k0 + c]; }
  }
  return v;
#endif
}
#endif

// Applies the epilogue to row m, columns n0 .. n0 + 3 (n0 < N), and stores what lies inside C.
fn store_row(m: u32, n0: u32, acc: vec4<f32>) {
  if (m >= M) {
    return;
  }
  var v = acc;
#if ${BIAS}
  for (var c = 0u; c < 4u; c++) {
    if (n0 + c < N) { v[c] += bias[n0 + c]; }
  }
#endif
#if ${RELU}
  v = max(v, vec4<f32>(0.0));
#endif
#if ${C_VEC4}
  let at = (m * N + n0) / 4u;
#if ${MASK}
  v = select(vec4<f32>(0.0), v, aux[at] > vec4<f32>(0.0));
#endif
  C[at] = v;
#else
  for (var c = 0u; c < 4u; c++) {
    let n = n0 + c;
    if (n < N) {
#if ${MASK}
      C[m * N + n] = select(0.0, v[c], aux[m * N + n] > 0.0);
#else
      C[m * N + n] = v[c];
#endif
    }
  }
#endif
}

// acc + a.x * b0 + a.y * b1 + a.z * b2 + a.w * b3: one row of a block times four rows of op(B), as four fused
// multiply-adds in that order (one rounding each). On a CPU adapter a fused multiply-add is one instruction
// where a multiply and an add are two: the register and quad layouts run 6% faster than with them.
fn mac4(acc: vec4<f32>, a: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>) -> vec4<f32> {
  return fma(vec4(a.w), b3, fma(vec4(a.z), b2, fma(vec4(a.y), b1, fma(vec4(a.x), b0, acc))));
}

// The sum of four values of op(A) along K: BIAS_GRAD's row sums, for kernels that step K by 4.
fn sum4(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}
