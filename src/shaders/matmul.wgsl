// Batched matrix product with fused epilogues: the work of every Linear layer, forward and backward.
//
//   C (M, N) = op(A) (M, K) * op(B) (K, N)            then, as switched on:
//   + bias[n] (BIAS), max(0, .) (RELU), * (aux[m, n] > 0) (MASK: ReLU backward through the saved activation)
//   and db[m] = sum_k op(A)[m, k] (BIAS_GRAD: the bias gradient of dW = dZ^T X, from the A values already loaded)
//
// Layouts, bindings, the loaders and the epilogue are in matmul_io.wgsl, shared with matmul_tiled.wgsl (the
// 'tiled' and 'small' variants, for GPUs). This file is the 'register' and 'quad' variants.
//
// Geometry: one invocation computes an 8 x 8 block of C (rows 8*gid.y .. +7, columns 8*gid.x .. +7),
// stepping K by 4 and holding the block in sixteen vec4 accumulators (acc: columns 0-3, bcc: 4-7), each
// step adding four products into each by fused multiply-adds (mac4 in matmul_io.wgsl).
// Everything is written out with named variables instead of arrays and loops: on the CPU adapter a
// dynamically indexed array lives in memory and costs a gather per element, while named variables stay in
// registers (4-5x faster there). No workgroup memory either (barriers cost more than they save on a CPU).
// Dispatch (ceil(N / 8 / WG_X), ceil(M / 8 / WG_Y)). Rows past M and columns past N are clamped on load and
// never stored; steps past K read zeros, so any M, N, K >= 1 works.
//
// QUAD (adapters whose subgroups are exactly 4 wide: a CPU adapter runs one invocation per SIMD lane, every
// buffer load there is a per-lane gather, and loads take two thirds of a 1024^3 product's time, see
// bench/probes/matmul-ceiling.wgsl): the four invocations of a quad (4 consecutive local invocations) cover a
// 16 x 16 block, 2 x 2 blocks of 8 x 8. Each loads half of its A rows (4 of 8) and half of its B columns,
// and takes the other halves from its neighbours with quadSwapX (same rows) and quadSwapY (same columns):
// half the loads for the same arithmetic, in the same order (1.5x on 1024^3, bit-identical results). With a
// gathered B the four also share the permutation look-ups (quadBroadcast). Without QUAD the invocation
// computes its whole 8 x 8 block itself. In both, the block's rows are two groups of four, m0 and
// m1, and its columns n0 and n1; QUAD only changes where they are and which of them are loaded.

// QUAD geometry: C is cut into 16 x 16 blocks, one per quad, numbered row by row; a workgroup of 64
// invocations takes 16 consecutive blocks, and the workgroups are laid over x then y (grid1d). A quad whose
// block lies past C returns at once. So C is covered to the next multiple of 16 only: a 100-row batch costs
// 112 rows of work, where 64 x 64 workgroups cost 128.
#if ${QUAD}
enable subgroups;
// The quad's early return depends only on the quad's block, so the four lanes of a subgroup (exactly one
// quad: QUAD is used only where subgroups are 4 wide) return together and the swaps after it stay uniform
// within the subgroup; the analysis cannot see that subgroups are quads.
diagnostic(off, subgroup_uniformity);
#endif

${MATMUL_IO}

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

// Quads per workgroup, from TypeScript (which lays out the grid with the same number).
override QUADS: u32 = 16u;

#if ${QUAD}
@compute @workgroup_size(QUADS * 4u)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  // The quad's block (see QUAD geometry); within it, lane bit 0 picks the column half and bit 1 the row half.
  // Loaded here: rows m0 and columns n0; m1 comes from the lane with the other bit 0 (same rows), n1 from the
  // lane with the other bit 1 (same columns). Parts of a block past M or N load clamped and store nothing.
  let block = (wg.x + wg.y * groups.x) * QUADS + li / 4u;
  let blocks_n = (N + 15u) / 16u;
  if (block >= blocks_n * ((M + 15u) / 16u)) {
    return;
  }
  let qx = lane & 1u;
  let qy = (lane >> 1u) & 1u;
  let mb = (block / blocks_n) * 16u + qy * 8u;
  let nb = (block % blocks_n) * 16u + qx * 8u;
  let m0 = mb + 4u * qx;
  let m1 = mb + 4u - 4u * qx;
  let n0 = nb + 4u * qy;
  let n1 = nb + 4u - 4u * qy;
#else
@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 8u;
  let m0 = gid.y * 8u;
  if (m0 >= M || n0 >= N) {
    return;
  }
  let m1 = m0 + 4u;
  let n1 = n0 + 4u;
#endif
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  var bcc0 = vec4<f32>(0.0);
  var bcc1 = vec4<f32>(0.0);
  var bcc2 = vec4<f32>(0.0);
  var bcc3 = vec4<f32>(0.0);
  var bcc4 = vec4<f32>(0.0);
  var bcc5 = vec4<f32>(0.0);
  var bcc6 = vec4<f32>(0.0);
  var bcc7 = vec4<f32>(0.0);
#if ${BIAS_GRAD}
  var sum_lo = vec4<f32>(0.0);
  var sum_hi = vec4<f32>(0.0);
#endif
#if ${B_T}
  let n_last = N - 1u;
  let nb0 = min(n0, n_last);
  let nb1 = min(n0 + 1u, n_last);
  let nb2 = min(n0 + 2u, n_last);
  let nb3 = min(n0 + 3u, n_last);
#if ${QUAD}
#else
  let nb4 = min(n1, n_last);
  let nb5 = min(n1 + 1u, n_last);
  let nb6 = min(n1 + 2u, n_last);
  let nb7 = min(n1 + 3u, n_last);
#endif
#endif
#if ${B_T}
#elif ${B_VEC4}
  // Column groups past N: their results are dropped, so whole vec4 reads are clamped inside B.
  let nc0 = min(n0, N - 4u);
  let nc1 = min(n1, N - 4u);
#else
  let nc0 = n0;
  let nc1 = n1;
#endif
#if ${A_T}
#else
  let m_last = M - 1u;
#if ${A_U8}
  // Gathered rows: each image's first word, looked up once here rather than at every step along K.
  let ma0 = image_word(min(m0, m_last));
  let ma1 = image_word(min(m0 + 1u, m_last));
  let ma2 = image_word(min(m0 + 2u, m_last));
  let ma3 = image_word(min(m0 + 3u, m_last));
#if ${QUAD}
#else
  let ma4 = image_word(min(m1, m_last));
  let ma5 = image_word(min(m1 + 1u, m_last));
  let ma6 = image_word(min(m1 + 2u, m_last));
  let ma7 = image_word(min(m1 + 3u, m_last));
#endif
#else
  let ma0 = min(m0, m_last);
  let ma1 = min(m0 + 1u, m_last);
  let ma2 = min(m0 + 2u, m_last);
  let ma3 = min(m0 + 3u, m_last);
#if ${QUAD}
#else
  let ma4 = min(m1, m_last);
  let ma5 = min(m1 + 1u, m_last);
  let ma6 = min(m1 + 2u, m_last);
  let ma7 = min(m1 + 3u, m_last);
#endif
#endif
#endif
  for (var k0 = 0u; k0 < K; k0 += 4u) {
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
#if ${QUAD}
#else
    let u0 = a_t_row(k0, m1);
    let u1 = a_t_row(k0 + 1u, m1);
    let u2 = a_t_row(k0 + 2u, m1);
    let u3 = a_t_row(k0 + 3u, m1);
    let a4 = vec4<f32>(u0.x, u1.x, u2.x, u3.x);
    let a5 = vec4<f32>(u0.y, u1.y, u2.y, u3.y);
    let a6 = vec4<f32>(u0.z, u1.z, u2.z, u3.z);
    let a7 = vec4<f32>(u0.w, u1.w, u2.w, u3.w);
#endif
#else
    let a0 = a_row(ma0, k0);
    let a1 = a_row(ma1, k0);
    let a2 = a_row(ma2, k0);
    let a3 = a_row(ma3, k0);
#if ${QUAD}
#else
    let a4 = a_row(ma4, k0);
    let a5 = a_row(ma5, k0);
    let a6 = a_row(ma6, k0);
    let a7 = a_row(ma7, k0);
#endif
#endif
#if ${QUAD}
    // rows m1: the same-rows neighbour's a0 .. a3
    let a4 = quadSwapX(a0);
    let a5 = quadSwapX(a1);
    let a6 = quadSwapX(a2);
    let a7 = quadSwapX(a3);
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
#if ${QUAD}
#else
    let s4 = b_t_row(nb4, k0);
    let s5 = b_t_row(nb5, k0);
    let s6 = b_t_row(nb6, k0);
    let s7 = b_t_row(nb7, k0);
    let c0 = vec4<f32>(s4.x, s5.x, s6.x, s7.x);
    let c1 = vec4<f32>(s4.y, s5.y, s6.y, s7.y);
    let c2 = vec4<f32>(s4.z, s5.z, s6.z, s7.z);
    let c3 = vec4<f32>(s4.w, s5.w, s6.w, s7.w);
#endif
#else
#if ${B_U8}
    // The images of steps k0 .. k0 + 3, through the permutation (clamped inside it past K).
#if ${QUAD}
    // All four lanes of the quad need the same four: each looks up one and they share them.
    let word = image_word(min(k0 + (lane & 3u), K - 1u));
    let w0 = quadBroadcast(word, 0u);
    let w1 = quadBroadcast(word, 1u);
    let w2 = quadBroadcast(word, 2u);
    let w3 = quadBroadcast(word, 3u);
#else
    let w0 = image_word(k0);
    let w1 = image_word(min(k0 + 1u, K - 1u));
    let w2 = image_word(min(k0 + 2u, K - 1u));
    let w3 = image_word(min(k0 + 3u, K - 1u));
#endif
#else
    let w0 = 0u;
    let w1 = 0u;
    let w2 = 0u;
    let w3 = 0u;
#endif
    let b0 = b_row(k0, nc0, w0);
    let b1 = b_row(k0 + 1u, nc0, w1);
    let b2 = b_row(k0 + 2u, nc0, w2);
    let b3 = b_row(k0 + 3u, nc0, w3);
#if ${QUAD}
#else
    let c0 = b_row(k0, nc1, w0);
    let c1 = b_row(k0 + 1u, nc1, w1);
    let c2 = b_row(k0 + 2u, nc1, w2);
    let c3 = b_row(k0 + 3u, nc1, w3);
#endif
#endif
#if ${QUAD}
    // columns n1: the same-columns neighbour's b0 .. b3
    let c0 = quadSwapY(b0);
    let c1 = quadSwapY(b1);
    let c2 = quadSwapY(b2);
    let c3 = quadSwapY(b3);
#endif
    acc0 = mac4(acc0, a0, b0, b1, b2, b3);
    bcc0 = mac4(bcc0, a0, c0, c1, c2, c3);
    acc1 = mac4(acc1, a1, b0, b1, b2, b3);
    bcc1 = mac4(bcc1, a1, c0, c1, c2, c3);
    acc2 = mac4(acc2, a2, b0, b1, b2, b3);
    bcc2 = mac4(bcc2, a2, c0, c1, c2, c3);
    acc3 = mac4(acc3, a3, b0, b1, b2, b3);
    bcc3 = mac4(bcc3, a3, c0, c1, c2, c3);
    acc4 = mac4(acc4, a4, b0, b1, b2, b3);
    bcc4 = mac4(bcc4, a4, c0, c1, c2, c3);
    acc5 = mac4(acc5, a5, b0, b1, b2, b3);
    bcc5 = mac4(bcc5, a5, c0, c1, c2, c3);
    acc6 = mac4(acc6, a6, b0, b1, b2, b3);
    bcc6 = mac4(bcc6, a6, c0, c1, c2, c3);
    acc7 = mac4(acc7, a7, b0, b1, b2, b3);
    bcc7 = mac4(bcc7, a7, c0, c1, c2, c3);
#if ${BIAS_GRAD}
    sum_lo += vec4<f32>(sum4(a0), sum4(a1), sum4(a2), sum4(a3));
    sum_hi += vec4<f32>(sum4(a4), sum4(a5), sum4(a6), sum4(a7));
#endif
  }
#if ${BIAS_GRAD}
  // Every column block computes the row sums; the one holding column 0 writes them.
  if (min(n0, n1) == 0u) {
    for (var i = 0u; i < 4u; i++) {
      if (m0 + i < M) { db[m0 + i] = sum_lo[i]; }
      if (m1 + i < M) { db[m1 + i] = sum_hi[i]; }
    }
  }
#endif
  if (n0 < N) {
    store_row(m0, n0, acc0);
    store_row(m0 + 1u, n0, acc1);
    store_row(m0 + 2u, n0, acc2);
    store_row(m0 + 3u, n0, acc3);
    store_row(m1, n0, acc4);
    store_row(m1 + 1u, n0, acc5);
    store_row(m1 + 2u, n0, acc6);
    store_row(m1 + 3u, n0, acc7);
  }
  if (n1 < N) {
    store_row(m0, n1, bcc0);
    store_row(m0 + 1u, n1, bcc1);
    store_row(m0 + 2u, n1, bcc2);
    store_row(m0 + 3u, n1, bcc3);
    store_row(m1, n1, bcc4);
    store_row(m1 + 1u, n1, bcc5);
    store_row(m1 + 2u, n1, bcc6);
    store_row(m1 + 3u, n1, bcc7);
  }
}
