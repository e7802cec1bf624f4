// Mean and standard deviation of one tensor, for the depth probe: how the signal's scale changes from layer
// to layer at initialization.
//
//   s = max |x|;  mean = s * sum(x / s) / COUNT;  std = s * sqrt(sum((x / s - mean / s)^2) / COUNT)
//   (population std). Scaling by the largest magnitude first keeps the squares inside float32's range, so
//   a signal that has exploded to 1e30 or vanished to 1e-30 is still measured, not reported as inf or 0.
//
// Bindings:  x: (COUNT) f32, the tensor;  stats: (2 * slots) f32; this dispatch writes stats[2 SLOT], stats[2 SLOT + 1]
// Geometry: one workgroup of WG invocations; invocation i sums elements i, i + WG, ...; partial sums are
// combined in a fixed tree order, so the result is deterministic. Three passes: the scale, the mean, then the
// squared deviations from the mean (subtracting first keeps a small spread around a large mean accurate).

override COUNT: u32;
override SLOT: u32;
const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;

var<workgroup> partial: array<f32, WG>;

fn reduce(lid: u32, value: f32, take_max: bool) -> f32 {
  partial[lid] = value;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (lid < width) {
      if (take_max) {
        partial[lid] = max(partial[lid], partial[lid + width]);
      } else {
        partial[lid] += partial[lid + width];
      }
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var largest = 0.0;
  for (var i = lid; i < COUNT; i += WG) { largest = max(largest, abs(x[i])); }
  let scale = reduce(lid, largest, true);
  // All zeros: mean and std are 0 (and dividing by the scale would give NaN).
  let inv = select(1.0 / scale, 1.0, scale == 0.0);
  var sum = 0.0;
  for (var i = lid; i < COUNT; i += WG) { sum += x[i] * inv; }
  let mean = reduce(lid, sum, false) / f32(COUNT);
  var squares = 0.0;
  for (var i = lid; i < COUNT; i += WG) {
    let d = x[i] * inv - mean;
    squares += d * d;
  }
  let variance = reduce(lid, squares, false) / f32(COUNT);
  if (lid == 0u) {
    stats[2u * SLOT] = mean * scale;
    stats[2u * SLOT + 1u] = sqrt(variance) * scale;
  }
}
