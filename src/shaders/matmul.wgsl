// Batched matrix product with fused epilogues: the work of every Linear layer, forward and backward.
//
//   C (M, N) = op(A) (M, K) * op(B) (K, N)            then, as switched on:
//   + bias[n] (BIAS), max(0, .) (RELU), * (aux[m, n] > 0) (MASK: ReLU backward through the saved activation)
//   and db[m] = sum_k op(A)[m, k] (BIAS_GRAD: the bias gradient of dW = dZ^T X, from the A tiles already loaded)
//
// Layouts (all row-major):
//   A: (M, K), or (K, M) when A_T                  B: (K, N), or (N, K) when B_T
//   A_U8: A is a batch of dataset images gathered on the fly: A[m, k] = pixel(perm[batch_base + m], k) / 255,
//         pixels packed four to a u32, each image padded to STRIDE words (the first layer's input, forward).
//   B_U8: the same for B with rows indexed by k (the first layer's input in dW = dZ^T X).
//   C: (M, N)   aux: (M, N)   bias: (N)   db: (M)
//   A_VEC4 / B_VEC4 / C_VEC4: the contiguous dimension is a multiple of 4, so the buffer is read (written) as
//   vec4s; otherwise element by element with bounds checks on both dimensions.
//
// Geometry: one invocation computes an RM x 4 block of C (rows RM*gid.y.., columns 4*gid.x..), stepping K
// by 4, holding the block in RM vec4 accumulators; no workgroup memory (on the CPU adapter barriers cost more than
// they save). Dispatch (ceil(N / 4 / WG_X), ceil(M / RM / WG_Y)). Every load and store is bounds-checked, so
// any M, N, K >= 1 works.

override M: u32;
override N: u32;
override K: u32;
override STRIDE: u32 = 0u;
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
// Rows of C per invocation (4 or 8): more rows reuse each loaded B vector more often.
const RM: u32 = ${RM}u;

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

// Row i of the result holds op(A)[m0 + i, k0 .. k0 + 3].
fn load_a(m0: u32, k0: u32) -> array<vec4<f32>, RM> {
  var r: array<vec4<f32>, RM>;
#if ${A_U8}
  for (var i = 0u; i < RM; i++) {
    let m = m0 + i;
    if (m < M && k0 < K) {
      r[i] = unpack4x8unorm(A[perm[step.batch_base + m] * STRIDE + k0 / 4u]);
    }
  }
#elif ${A_T}
  // A is (K, M): read rows k0.. four m at a time, and transpose in registers.
  for (var j = 0u; j < 4u; j++) {
    let k = k0 + j;
    for (var g = 0u; g < RM; g += 4u) {
      var t = vec4<f32>(0.0);
#if ${A_VEC4}
      if (k < K && m0 + g < M) { t = A[(k * M + m0 + g) / 4u]; }
#else
      for (var c = 0u; c < 4u; c++) {
        if (k < K && m0 + g + c < M) { t[c] = A[k * M + m0 + g + c]; }
      }
#endif
      r[g][j] = t.x;
      r[g + 1u][j] = t.y;
      r[g + 2u][j] = t.z;
      r[g + 3u][j] = t.w;
    }
  }
#else
  for (var i = 0u; i < RM; i++) {
    let m = m0 + i;
#if ${A_VEC4}
    if (m < M && k0 < K) { r[i] = A[(m * K + k0) / 4u]; }
#else
    for (var c = 0u; c < 4u; c++) {
      if (m < M && k0 + c < K) { r[i][c] = A[m * K + k0 + c]; }
    }
#endif
  }
#endif
  return r;
}

// Row j of the result holds op(B)[k0 + j, n0 .. n0 + 3].
fn load_b(k0: u32, n0: u32) -> array<vec4<f32>, 4> {
  var r: array<vec4<f32>, 4>;
#if ${B_U8}
  for (var j = 0u; j < 4u; j++) {
    let k = k0 + j;
    if (k < K && n0 < N) {
      r[j] = unpack4x8unorm(B[perm[step.batch_base + k] * STRIDE + n0 / 4u]);
    }
  }
#elif ${B_T}
  // B is (N, K): read rows n0.. over k, then transpose in registers.
  var t: array<vec4<f32>, 4>;
  for (var c = 0u; c < 4u; c++) {
    let n = n0 + c;
#if ${B_VEC4}
    if (n < N && k0 < K) { t[c] = B[(n * K + k0) / 4u]; }
#else
    for (var j = 0u; j < 4u; j++) {
      if (n < N && k0 + j < K) { t[c][j] = B[n * K + k0 + j]; }
    }
#endif
  }
  for (var j = 0u; j < 4u; j++) { r[j] = vec4<f32>(t[0][j], t[1][j], t[2][j], t[3][j]); }
#else
  for (var j = 0u; j < 4u; j++) {
    let k = k0 + j;
#if ${B_VEC4}
    if (k < K && n0 < N) { r[j] = B[(k * N + n0) / 4u]; }
#else
    for (var c = 0u; c < 4u; c++) {
      if (k < K && n0 + c < N) { r[j][c] = B[k * N + n0 + c]; }
    }
#endif
  }
#endif
  return r;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * RM;
  if (m0 >= M || n0 >= N) {
    return;
  }
  var acc: array<vec4<f32>, RM>;
#if ${BIAS_GRAD}
  var row_sum: array<f32, RM>;
#endif
  for (var k0 = 0u; k0 < K; k0 += 4u) {
    let a = load_a(m0, k0);
    let b = load_b(k0, n0);
    for (var i = 0u; i < RM; i++) {
      acc[i] = fma(vec4<f32>(a[i].x), b[0], acc[i]);
      acc[i] = fma(vec4<f32>(a[i].y), b[1], acc[i]);
      acc[i] = fma(vec4<f32>(a[i].z), b[2], acc[i]);
      acc[i] = fma(vec4<f32>(a[i].w), b[3], acc[i]);
    }
#if ${BIAS_GRAD}
    for (var i = 0u; i < RM; i++) { row_sum[i] += (a[i].x + a[i].y) + (a[i].z + a[i].w); }
#endif
  }
#if ${BIAS_GRAD}
  // Every column block computes the row sums; the first one writes them.
  if (n0 == 0u) {
    for (var i = 0u; i < RM; i++) {
      if (m0 + i < M) { db[m0 + i] = row_sum[i]; }
    }
  }
#endif
  for (var i = 0u; i < RM; i++) {
    let m = m0 + i;
    if (m >= M) {
      break;
    }
    var v = acc[i];
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
        if (aux[m * N + n] > 0.0) { C[m * N + n] = v[c]; } else { C[m * N + n] = 0.0; }
#else
        C[m * N + n] = v[c];
#endif
      }
    }
#endif
  }
}
