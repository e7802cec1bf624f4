// Mean and standard deviation of one tensor, for the depth probe: how the signal's scale changes from layer
// to layer at initialization.
//
//   mean = sum(x) / COUNT;  std = sqrt(sum((x - mean)^2) / COUNT)      (population std, two passes)
//
// Bindings:  x: (COUNT) f32, the tensor;  stats: (2 * slots) f32; this dispatch writes stats[2 SLOT], stats[2 SLOT + 1]
// Geometry: one workgroup of WG invocations; invocation i sums elements i, i + WG, ...; partial sums are
// combined in a fixed tree order, so the result is deterministic. The second pass subtracts the mean first,
// which keeps tiny standard deviations (a vanishing signal) accurate.

override COUNT: u32;
override SLOT: u32;
const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;

var<workgroup> partial: array<f32, WG>;

fn reduce(lid: u32, value: f32) -> f32 {
  partial[lid] = value;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (lid < width) { partial[lid] += partial[lid + width]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var sum = 0.0;
  for (var i = lid; i < COUNT; i += WG) { sum += x[i]; }
  let mean = reduce(lid, sum) / f32(COUNT);
  var squares = 0.0;
  for (var i = lid; i < COUNT; i += WG) {
    let d = x[i] - mean;
    squares += d * d;
  }
  let variance = reduce(lid, squares) / f32(COUNT);
  if (lid == 0u) {
    stats[2u * SLOT] = mean;
    stats[2u * SLOT + 1u] = sqrt(variance);
  }
}
