// Training statistics for the diagnostics (src/train/diagnostics.ts): each workgroup reduces one tensor, its
// job, into the statistics buffer's slot of the step being sampled.
//
// Over the n elements x of a job (elements that are not finite are counted, then left out of the rest):
//   s = max |x|,  u = x / s:  scaling by the largest magnitude first keeps the squares inside float32's range,
//     so a signal that exploded to 1e30 or vanished to 1e-30 is measured, not reported as inf or 0;
//   mean = s * sum(u) / n,  std = s * sqrt(sum((u - mean / s)^2) / n)  (population), min, max;
//   HIST: counts of BINS bins over [min, max]: bin = min(floor((u - min/s) / ((max - min)/s) * BINS), BINS - 1), so the
//     top edge falls in the last bin, and every value in bin 0 when max == min; computed on the scaled values,
//     where u - min/s cannot overflow as x - min could;
//   cols > 0 (the tensor is (n / cols, cols) row-major, a hidden layer's activations): the columns (units)
//     that are zero in every row (dead ReLU units).
//   When any element is not finite, mean and std are written as NaN (min, max and the bins cover the rest).
//
// Bindings: a, b: (count) f32, the tensors of one layer a job may read: its activations and dLoss/dz (B, N),
//             or the logits (B, C) before and after the loss kernel turned them into dLoss/dlogits;
//           params, delta, grads: (P) f32 each, the parameter arena, the change the step's update made to it
//             (the optimizer's recording variant), and the gradients; a job reads one weight view of them;
//           jobs: (workgroups) Job, this dispatch's jobs (a view of the table built once with the graph);
//           stats: (slots, SLOT_WORDS) u32, f32 values as their bits;
//           step: the step's uniform slot; diag_slot says which slot of stats this step's statistics go to.
// A job writes at stats[diag_slot * SLOT_WORDS + job.out]: mean, std, min, max (f32 bits), the non-finite
// count (exact up to 2^24), the dead columns, the finite count, 0; then, with HIST, BINS bin counts.
// Geometry: one workgroup of WG invocations per job, job workgroup_id.x. Invocation i takes elements i,
// i + WG, ... (columns i, i + WG, ... for dead units); partials combine in a fixed tree order and the bins are
// integer atomics, so every result is deterministic.

override SLOT_WORDS: u32;
override WG: u32;     // a power of two
override BINS: u32;   // at most WG
const BIGGEST: f32 = 0x1.fffffep+127f;  // the largest finite f32

${STEP}

struct Job {
  source: u32,  // 0: a, 1: b, 2: params, 3: delta, 4: grads
  offset: u32,  // first element in the source
  count: u32,
  cols: u32,    // > 0: count the dead columns of (count / cols, cols)
  hist: u32,    // 1: the histogram
  out: u32,     // first word in the step's slot
  unused0: u32,
  unused1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read> delta: array<f32>;
@group(0) @binding(4) var<storage, read> grads: array<f32>;
@group(0) @binding(5) var<storage, read> jobs: array<Job>;
@group(0) @binding(6) var<storage, read_write> stats: array<u32>;
@group(0) @binding(7) var<uniform> step: Step;

var<workgroup> partial: array<vec4<f32>, WG>;
var<workgroup> bins: array<atomic<u32>, BINS>;

fn load(source: u32, i: u32) -> f32 {
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

// Combines every invocation's `value` in a fixed tree order: x, y, z by max and w by sum, or all four by sum.
fn reduce(lid: u32, value: vec4<f32>, all_sums: bool) -> vec4<f32> {
  partial[lid] = value;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (lid < width) {
      let p = partial[lid];
      let q = partial[lid + width];
      if (all_sums) {
        partial[lid] = p + q;
      } else {
        partial[lid] = vec4(max(p.xyz, q.xyz), p.w + q.w);
      }
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let job = jobs[wid.x];
  let n = job.count;

  // Pass 1: the scale, the range (min as the max of -x) and the elements that are not finite.
  var extremes = vec4(0.0, -BIGGEST, -BIGGEST, 0.0);
  for (var i = lid; i < n; i += WG) {
    let x = load(job.source, job.offset + i);
    if (finite(x)) {
      extremes = vec4(max(extremes.x, abs(x)), max(extremes.y, -x), max(extremes.z, x), extremes.w);
    } else {
      extremes.w += 1.0;
    }
  }
  let range = reduce(lid, extremes, false);
  let scale = range.x;
  let bad = min(u32(range.w), n);
  let kept = n - bad;
  // All zeros (or nothing finite): dividing by the scale would give NaN.
  let inv = select(1.0 / scale, 1.0, scale == 0.0);
  let lo = select(-range.y, 0.0, kept == 0u);
  let hi = select(range.z, 0.0, kept == 0u);

  // Pass 2: the scaled sum for the mean, and the dead columns.
  var sum = 0.0;
  for (var i = lid; i < n; i += WG) {
    let x = load(job.source, job.offset + i);
    if (finite(x)) { sum += x * inv; }
  }
  var dead = 0.0;
  if (job.cols > 0u) {
    let rows = n / job.cols;
    for (var c = lid; c < job.cols; c += WG) {
      var zero = true;
      for (var r = 0u; r < rows && zero; r++) { zero = load(job.source, job.offset + r * job.cols + c) == 0.0; }
      if (zero) { dead += 1.0; }
    }
  }
  let sums = reduce(lid, vec4(sum, dead, 0.0, 0.0), true);
  let mean = sums.x / f32(max(kept, 1u));

  // Pass 3: squared deviations from the mean, and the histogram on the same scaled values.
  let u_lo = lo * inv;
  let bins_per_u = select(f32(BINS) / (hi * inv - u_lo), 0.0, hi == lo);
  var squares = 0.0;
  for (var i = lid; i < n; i += WG) {
    let x = load(job.source, job.offset + i);
    if (finite(x)) {
      let u = x * inv;
      let d = u - mean;
      squares += d * d;
      if (job.hist != 0u) {
        atomicAdd(&bins[min(u32(max((u - u_lo) * bins_per_u, 0.0)), BINS - 1u)], 1u);
      }
    }
  }
  let variance = reduce(lid, vec4(squares, 0.0, 0.0, 0.0), true).x / f32(max(kept, 1u));

  let base = step.diag_slot * SLOT_WORDS + job.out;
  if (lid == 0u) {
    // A quiet NaN's bits (a NaN constant would not compile).
    let nan = 0x7fc00000u;
    stats[base] = select(bitcast<u32>(mean * scale), nan, bad > 0u);
    stats[base + 1u] = select(bitcast<u32>(sqrt(variance) * scale), nan, bad > 0u);
    stats[base + 2u] = bitcast<u32>(lo);
    stats[base + 3u] = bitcast<u32>(hi);
    stats[base + 4u] = bad;
    stats[base + 5u] = u32(sums.y);
    stats[base + 6u] = kept;
    stats[base + 7u] = 0u;
  }
  if (job.hist != 0u && lid < BINS) {
    stats[base + 8u + lid] = atomicLoad(&bins[lid]);
  }
}
