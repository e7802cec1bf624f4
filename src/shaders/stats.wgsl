// Training statistics for the diagnostics (src/train/diagnostics.ts): each workgroup reduces one tensor, its
// job, into the statistics buffer's slot of the step being sampled.
//
// Over the n elements x of a job (elements that are not finite are counted, then left out of the rest):
//   s = max |x|,  u = x / s:  scaling by the largest magnitude keeps the squares inside float32's range, so a
//     signal that exploded to 1e30 or vanished to 1e-30 is measured, not reported as inf or 0;
//   mean = s * mean(u),  std = s * sqrt(sum((u - mean(u))^2) / n)  (population), min, max: in one pass, each
//     invocation keeps Welford's running mean and sum of squared deviations of u at its own running scale
//     (rescaled whenever its largest |x| grows), and the partials combine pairwise by Chan's formula at the
//     larger scale: as accurate as two passes, and a small spread around a large mean is not lost;
//   HIST: counts of BINS bins over [min, max]: bin = min(floor((u - min/s) / ((max - min)/s) * BINS), BINS - 1),
//     so the top edge falls in the last bin, and every value in bin 0 when max == min; a second pass, on the
//     scaled values, where u - min/s cannot overflow as x - min could;
//   cols > 0 (the tensor is (n / cols, cols) row-major, a hidden layer's activations): the columns (units)
//     that are zero in every row (dead ReLU units).
//   When any element is not finite, mean and std are written as NaN (min, max and the bins cover the rest).
//
// Bindings (read as vec4s: every job starts at a multiple of 4 elements; the lanes past its count are skipped):
//           a, b: (count) f32, the tensors of one layer a job may read: its activations and dLoss/dz (B, N),
//             or the logits (B, C) before and after the loss kernel turned them into dLoss/dlogits;
//           params, delta, grads: (P) f32 each, the parameter arena, the change the step's update made to it
//             (the optimizer's recording variant), and the gradients; a job reads one weight view of them;
//           jobs: (workgroups) Job, this dispatch's jobs (a view of the table built once with the graph);
//           stats: (slots, SLOT_WORDS) u32, f32 values as their bits;
//           step: the step's uniform slot; diag_slot says which slot of stats this step's statistics go to.
// A job writes at stats[diag_slot * SLOT_WORDS + job.out]: mean, std, min, max (f32 bits), the non-finite
// count (exact up to 2^24), the dead columns, the finite count, 0; then, with HIST, BINS bin counts.
// Geometry: one workgroup of WG invocations per job, job workgroup_id.x. Invocation i takes the vec4s i,
// i + WG, ... (columns i, i + WG, ... for dead units); partials combine in a fixed tree order and the bins are
// integer atomics, so every result is deterministic. One tree reduction per job, since on a CPU adapter every
// barrier costs a switch through all the workgroup's invocations.

override SLOT_WORDS: u32;
override WG: u32;     // a power of two
override BINS: u32;   // at most WG
const BIGGEST: f32 = 0x1.fffffep+127f;  // the largest finite f32

${STEP}

struct Job {
  source: u32,  // 0: a, 1: b, 2: params, 3: delta, 4: grads
  offset: u32,  // first element in the source, a multiple of 4
  count: u32,
  cols: u32,    // > 0: count the dead columns of (count / cols, cols)
  hist: u32,    // 1: the histogram
  out: u32,     // first word in the step's slot
  unused0: u32,
  unused1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> delta: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> jobs: array<Job>;
@group(0) @binding(6) var<storage, read_write> stats: array<u32>;
@group(0) @binding(7) var<uniform> step: Step;

// What one invocation (then a pair of partials, ...) has seen: how many finite values, their largest |x|
// (scale) and 1 / scale, the mean and the sum of squared deviations of x / scale, the largest -x and x, how
// many were not finite and the dead columns.
struct Partial {
  n: f32,
  scale: f32,
  inv: f32,
  mean: f32,
  m2: f32,
  neg_min: f32,
  max: f32,
  bad: f32,
  dead: f32,
}

var<workgroup> partials: array<Partial, WG>;
var<workgroup> bins: array<atomic<u32>, BINS>;

fn load(source: u32, i: u32) -> vec4<f32> {
  switch source {
    case 0u: { return a[i]; }
    case 1u: { return b[i]; }
    case 2u: { return params[i]; }
    case 3u: { return delta[i]; }
    default: { return grads[i]; }
  }
}

// Infinity and NaN have an all-ones exponent (WGSL has no isnan, and may fold x != x away).
fn finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

fn add(p: ptr<function, Partial>, x: f32) {
  if (!finite(x)) {
    (*p).bad += 1.0;
    return;
  }
  let size = abs(x);
  if (size > (*p).scale) {
    // What was seen so far, at the new scale (a scale of 0 had seen only zeros, whose mean and m2 are 0).
    let r = (*p).scale / size;
    (*p).mean *= r;
    (*p).m2 *= r * r;
    (*p).scale = size;
    (*p).inv = 1.0 / size;
  }
  let u = x * (*p).inv;
  (*p).n += 1.0;
  let d = u - (*p).mean;
  (*p).mean += d / (*p).n;
  (*p).m2 += d * (u - (*p).mean);
  (*p).neg_min = max((*p).neg_min, -x);
  (*p).max = max((*p).max, x);
}

fn combine(p: Partial, q: Partial) -> Partial {
  let scale = max(p.scale, q.scale);
  let rp = select(p.scale / scale, 0.0, scale == 0.0);
  let rq = select(q.scale / scale, 0.0, scale == 0.0);
  let n = p.n + q.n;
  let d = q.mean * rq - p.mean * rp;
  let wq = select(q.n / n, 0.0, n == 0.0);
  return Partial(
    n,
    scale,
    0.0,
    p.mean * rp + d * wq,
    p.m2 * rp * rp + q.m2 * rq * rq + d * d * p.n * wq,
    max(p.neg_min, q.neg_min),
    max(p.max, q.max),
    p.bad + q.bad,
    p.dead + q.dead,
  );
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let job = jobs[wid.x];
  let n = job.count;
  let first = job.offset / 4u;
  let vectors = (n + 3u) / 4u;

  var p = Partial(0.0, 0.0, 0.0, 0.0, 0.0, -BIGGEST, -BIGGEST, 0.0, 0.0);
  if (job.cols > 0u) {
    let rows = n / job.cols;
    for (var c = lid; c < job.cols; c += WG) {
      var zero = true;
      for (var r = 0u; r < rows && zero; r++) {
        let i = job.offset + r * job.cols + c;
        zero = load(job.source, i / 4u)[i % 4u] == 0.0;
      }
      if (zero) { p.dead += 1.0; }
    }
  }
  for (var j = lid; j < vectors; j += WG) {
    let v = load(job.source, first + j);
    let left = n - 4u * j;
    add(&p, v.x);
    if (left > 1u) { add(&p, v.y); }
    if (left > 2u) { add(&p, v.z); }
    if (left > 3u) { add(&p, v.w); }
  }
  partials[lid] = p;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (lid < width) { partials[lid] = combine(partials[lid], partials[lid + width]); }
    workgroupBarrier();
  }
  let whole = partials[0];
  let bad = min(u32(whole.bad), n);
  let kept = n - bad;
  let lo = select(-whole.neg_min, 0.0, kept == 0u);
  let hi = select(whole.max, 0.0, kept == 0u);

  // The histogram: a second pass, on the values scaled as the first pass ended.
  if (job.hist != 0u) {
    let inv = select(1.0 / whole.scale, 1.0, whole.scale == 0.0);
    let lo_u = lo * inv;
    let bins_per_u = select(f32(BINS) / (hi * inv - lo_u), 0.0, hi == lo);
    for (var j = lid; j < vectors; j += WG) {
      let v = load(job.source, first + j);
      let left = n - 4u * j;
      for (var k = 0u; k < min(left, 4u); k++) {
        let x = v[k];
        if (finite(x)) { atomicAdd(&bins[min(u32(max((x * inv - lo_u) * bins_per_u, 0.0)), BINS - 1u)], 1u); }
      }
    }
  }
  workgroupBarrier();

  let base = step.diag_slot * SLOT_WORDS + job.out;
  if (lid == 0u) {
    // A quiet NaN's bits (a NaN constant would not compile).
    let nan = 0x7fc00000u;
    stats[base] = select(bitcast<u32>(whole.mean * whole.scale), nan, bad > 0u);
    stats[base + 1u] = select(bitcast<u32>(sqrt(whole.m2 / max(whole.n, 1.0)) * whole.scale), nan, bad > 0u);
    stats[base + 2u] = bitcast<u32>(lo);
    stats[base + 3u] = bitcast<u32>(hi);
    stats[base + 4u] = bad;
    stats[base + 5u] = u32(whole.dead);
    stats[base + 6u] = kept;
    stats[base + 7u] = 0u;
  }
  if (job.hist != 0u && lid < BINS) {
    stats[base + 8u + lid] = atomicLoad(&bins[lid]);
  }
}
