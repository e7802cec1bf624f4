// The matmul laid out for GPUs: the same product and fused epilogues as matmul.wgsl (the math, the layouts
// of A, B, C, bias/db, aux and the loaders are in matmul_io.wgsl), in two variants picked by SMALL.
//
//   C (M, N) = op(A) (M, K) * op(B) (K, N), then bias, ReLU, ReLU mask; db[m] = sum_k op(A)[m, k] (BIAS_GRAD)
//
// 'tiled' (SMALL false), for products large enough to fill the device: the classic workgroup-memory tiling.
// A workgroup of WG_X x WG_Y invocations computes a (4 WG_Y) x (4 WG_X) tile of C, one invocation a 4 x 4
// block of it (rows 4 lid.y .. + 3 and columns 4 lid.x .. + 3 of the tile, in four vec4 accumulators). For
// each step of TK along K the workgroup loads the tile's slices of op(A) ((4 WG_Y) x TK) and op(B)
// (TK x (4 WG_X)) into workgroup memory together, each invocation its share of vec4 loads (an operand whose
// layout runs along K is transposed on the way in), waits at a barrier, and every invocation then reads one
// vec4 of A rows and one of B columns per k. Loads outside M, N or K put zeros in the tiles, so any
// M, N, K >= 1 works. Dispatch (ceil(N / (4 WG_X)), ceil(M / (4 WG_Y))). BIAS_GRAD: each invocation adds
// up the op(A) values of its rows as it reads them; those of the tile column holding column 0 write db.
//
// 'small' (SMALL true), for products whose output cannot fill the device (100 x 10, 100 x 256): K is split
// too. C is cut into 4 x 4 blocks; SPLIT consecutive invocations share one, invocation s of them taking the
// steps of 4 along K that start at 4 s, 4 (s + SPLIT), ... (together they read each row in contiguous runs).
// Then they add their partial blocks through workgroup memory, in the order of s (no atomics: the same
// result every run); row r of the block (r = 4: its row sums, BIAS_GRAD) is finished and stored by
// invocation r % SPLIT. A workgroup is WG_SIZE invocations, WG_SIZE / SPLIT blocks; blocks are numbered
// row-major over C (columns fastest) and across workgroups x then y, so the grid is
// ceil(blocks / (WG_SIZE / SPLIT)) workgroups, spilling into y past the per-dimension limit.

${MATMUL_IO}

#if ${SMALL}
// From TypeScript (src/gpu/matmul.ts), which computes the grid from the same numbers.
override WG_SIZE: u32;
override SPLIT: u32;

// Per invocation: its four partial rows, and with BIAS_GRAD its partial row sums.
#if ${BIAS_GRAD}
const PARTS = 5u;
#else
const PARTS = 4u;
#endif
// partial[i * PARTS + r]: row r of invocation i's partial block.
var<workgroup> partial: array<vec4<f32>, PARTS * WG_SIZE>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let slice = li % SPLIT;
  let block = (wg.y * groups.x + wg.x) * (WG_SIZE / SPLIT) + li / SPLIT;
  let blocks_n = (N + 3u) / 4u;
  let m0 = 4u * (block / blocks_n);
  let n0 = 4u * (block % blocks_n);
  // No early return: every invocation meets the barrier. Blocks past M load clamped rows and store nothing.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
#if ${BIAS_GRAD}
  var sums = vec4<f32>(0.0);
#endif
#if ${B_T}
  let n_last = N - 1u;
  let nb0 = min(n0, n_last);
  let nb1 = min(n0 + 1u, n_last);
  let nb2 = min(n0 + 2u, n_last);
  let nb3 = min(n0 + 3u, n_last);
#elif ${B_VEC4}
  let nc = min(n0, N - 4u);
#else
  let nc = n0;
#endif
#if ${A_T}
#else
  let m_last = M - 1u;
#if ${A_U8}
  let ma0 = image_word(min(m0, m_last));
  let ma1 = image_word(min(m0 + 1u, m_last));
  let ma2 = image_word(min(m0 + 2u, m_last));
  let ma3 = image_word(min(m0 + 3u, m_last));
#else
  let ma0 = min(m0, m_last);
  let ma1 = min(m0 + 1u, m_last);
  let ma2 = min(m0 + 2u, m_last);
  let ma3 = min(m0 + 3u, m_last);
#endif
#endif
  for (var k0 = 4u * slice; k0 < K; k0 += 4u * SPLIT) {
    // a_i = op(A)[m0 + i, k0 .. k0 + 3]
#if ${A_T}
    let t0 = a_t_row(k0, m0);
    let t1 = a_t_row(k0 + 1u, m0);
    let t2 = a_t_row(k0 + 2u, m0);
    let t3 = a_t_row(k0 + 3u, m0);
    let a0 = vec4<f32>(t0.x, t1.x, t2.x, t3.x);
    let a1 = vec4<f32>(t0.y, t1.y, t2.y, t3.y);
    let a2 = vec4<f32>(t0.z, t1.z, t2.z, t3.z);
    let a3 = vec4<f32>(t0.w, t1.w, t2.w, t3.w);
#else
    let a0 = a_row(ma0, k0);
    let a1 = a_row(ma1, k0);
    let a2 = a_row(ma2, k0);
    let a3 = a_row(ma3, k0);
#endif
    // b_j = op(B)[k0 + j, n0 .. n0 + 3]
#if ${B_T}
    let s0 = b_t_row(nb0, k0);
    let s1 = b_t_row(nb1, k0);
    let s2 = b_t_row(nb2, k0);
    let s3 = b_t_row(nb3, k0);
    let b0 = vec4<f32>(s0.x, s1.x, s2.x, s3.x);
    let b1 = vec4<f32>(s0.y, s1.y, s2.y, s3.y);
    let b2 = vec4<f32>(s0.z, s1.z, s2.z, s3.z);
    let b3 = vec4<f32>(s0.w, s1.w, s2.w, s3.w);
#else
#if ${B_U8}
    let w0 = image_word(k0);
    let w1 = image_word(min(k0 + 1u, K - 1u));
    let w2 = image_word(min(k0 + 2u, K - 1u));
    let w3 = image_word(min(k0 + 3u, K - 1u));
#else
    let w0 = 0u;
    let w1 = 0u;
    let w2 = 0u;
    let w3 = 0u;
#endif
    let b0 = b_row(k0, nc, w0);
    let b1 = b_row(k0 + 1u, nc, w1);
    let b2 = b_row(k0 + 2u, nc, w2);
    let b3 = b_row(k0 + 3u, nc, w3);
#endif
    acc0 = mac4(acc0, a0, b0, b1, b2, b3);
    acc1 = mac4(acc1, a1, b0, b1, b2, b3);
    acc2 = mac4(acc2, a2, b0, b1, b2, b3);
    acc3 = mac4(acc3, a3, b0, b1, b2, b3);
#if ${BIAS_GRAD}
    sums += vec4<f32>(sum4(a0), sum4(a1), sum4(a2), sum4(a3));
#endif
  }
  partial[li * PARTS] = acc0;
  partial[li * PARTS + 1u] = acc1;
  partial[li * PARTS + 2u] = acc2;
  partial[li * PARTS + 3u] = acc3;
#if ${BIAS_GRAD}
  partial[li * PARTS + 4u] = sums;
#endif
  workgroupBarrier();
  let first = li - slice;
  for (var r = slice; r < PARTS; r += SPLIT) {
    var total = vec4<f32>(0.0);
    for (var s = 0u; s < SPLIT; s++) {
      total += partial[(first + s) * PARTS + r];
    }
    if (r < 4u) {
      store_row(m0 + r, n0, total);
    }
#if ${BIAS_GRAD}
    // r = 4, the row sums: the block holding column 0 writes them.
    else if (n0 == 0u) {
      for (var i = 0u; i < 4u; i++) {
        if (m0 + i < M) { db[m0 + i] = total[i]; }
      }
    }
#endif
  }
}

#else
// From TypeScript (src/gpu/matmul.ts), which computes the grid from the same numbers.
override WG_X: u32;
override WG_Y: u32;
// Depth of a tile along K, a multiple of 4.
override TK: u32;

// a_tile[k * WG_Y + i] = op(A)[m_base + 4 i .. + 3, k_base + k]: four rows of the tile's slice of op(A).
var<workgroup> a_tile: array<vec4<f32>, TK * WG_Y>;
// b_tile[k * WG_X + j] = op(B)[k_base + k, n_base + 4 j .. + 3]: four columns of the slice of op(B).
var<workgroup> b_tile: array<vec4<f32>, TK * WG_X>;

// Loads op(A)[m_base .. + 4 WG_Y - 1, k_base .. + TK - 1] into a_tile, zeros outside M and K.
fn load_a_tile(li: u32, m_base: u32, k_base: u32) {
#if ${A_T}
  // A is (K, M): a vec4 along m is four rows at one k, stored as read.
  for (var e = li; e < TK * WG_Y; e += WG_X * WG_Y) {
    let k = k_base + e / WG_Y;
    let m0 = m_base + 4u * (e % WG_Y);
    var v = vec4<f32>(0.0);
    if (k < K && m0 < M) { v = a_t_row(k, m0); }
    a_tile[e] = v;
  }
#else
  // A is (M, K): a vec4 along k is one row at four k, spread over four entries of the tile.
  let runs = TK / 4u;
  for (var e = li; e < TK * WG_Y; e += WG_X * WG_Y) {
    let row = e / runs;
    let kq = 4u * (e % runs);
    let m = m_base + row;
    let k0 = k_base + kq;
    var v = vec4<f32>(0.0);
    if (m < M && k0 < K) {
#if ${A_U8}
      v = a_row(image_word(m), k0);
#else
      v = a_row(m, k0);
#endif
    }
    let at = kq * WG_Y + row / 4u;
    let lane = row % 4u;
    a_tile[at][lane] = v.x;
    a_tile[at + WG_Y][lane] = v.y;
    a_tile[at + 2u * WG_Y][lane] = v.z;
    a_tile[at + 3u * WG_Y][lane] = v.w;
  }
#endif
}

// Loads op(B)[k_base .. + TK - 1, n_base .. + 4 WG_X - 1] into b_tile, zeros outside K and N.
fn load_b_tile(li: u32, n_base: u32, k_base: u32) {
#if ${B_T}
  // B is (N, K): a vec4 along k is one column at four k, spread over four entries of the tile.
  let runs = TK / 4u;
  for (var e = li; e < TK * WG_X; e += WG_X * WG_Y) {
    let col = e / runs;
    let kq = 4u * (e % runs);
    let n = n_base + col;
    let k0 = k_base + kq;
    var v = vec4<f32>(0.0);
    if (n < N && k0 < K) { v = b_t_row(n, k0); }
    let at = kq * WG_X + col / 4u;
    let lane = col % 4u;
    b_tile[at][lane] = v.x;
    b_tile[at + WG_X][lane] = v.y;
    b_tile[at + 2u * WG_X][lane] = v.z;
    b_tile[at + 3u * WG_X][lane] = v.w;
  }
#else
  // B is (K, N): a vec4 along n is four columns at one k, stored as read.
  for (var e = li; e < TK * WG_X; e += WG_X * WG_Y) {
    let k = k_base + e / WG_X;
    let n0 = n_base + 4u * (e % WG_X);
    var v = vec4<f32>(0.0);
    if (k < K && n0 < N) {
#if ${B_U8}
      v = b_row(k, n0, image_word(k));
#else
      v = b_row(k, n0, 0u);
#endif
    }
    b_tile[e] = v;
  }
#endif
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let m_base = wg.y * 4u * WG_Y;
  let n_base = wg.x * 4u * WG_X;
  // acc_i = C[m0 + i, n0 .. n0 + 3]
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
#if ${BIAS_GRAD}
  // sums[i] = sum_k op(A)[m0 + i, k]
  var sums = vec4<f32>(0.0);
#endif
  for (var k_base = 0u; k_base < K; k_base += TK) {
    load_a_tile(li, m_base, k_base);
    load_b_tile(li, n_base, k_base);
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let a = a_tile[k * WG_Y + lid.y];
      let b = b_tile[k * WG_X + lid.x];
      acc0 = fma(vec4(a.x), b, acc0);
      acc1 = fma(vec4(a.y), b, acc1);
      acc2 = fma(vec4(a.z), b, acc2);
      acc3 = fma(vec4(a.w), b, acc3);
#if ${BIAS_GRAD}
      sums += a;
#endif
    }
    // The next step's loads overwrite the tiles.
    workgroupBarrier();
  }
  let m0 = m_base + 4u * lid.y;
  let n0 = n_base + 4u * lid.x;
#if ${BIAS_GRAD}
  if (n0 == 0u) {
    for (var i = 0u; i < 4u; i++) {
      if (m0 + i < M) { db[m0 + i] = sums[i]; }
    }
  }
#endif
  if (n0 < N) {
    store_row(m0, n0, acc0);
    store_row(m0 + 1u, n0, acc1);
    store_row(m0 + 2u, n0, acc2);
    store_row(m0 + 3u, n0, acc3);
  }
}
#endif
