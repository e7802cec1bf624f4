// Softmax cross-entropy, forward and backward in one pass, with the batch's mean loss written for the step.
//
//   p = softmax(z[b, :]);  loss = mean_b( logsumexp(z[b, :]) - z[b, y_b] );  dz[b, c] = (p[b, c] - [c == y_b]) / B
//
// Bindings:  z: (B, C) logits, overwritten in place by dz (the logits are not needed after this)
//            labels: (count) u32, the dataset's labels; y_b = labels[perm[step.batch_base + b]]
//            loss_log: (steps per epoch) f32; this step writes loss_log[step.loss_slot]
//            health: (4) u32 (health.wgsl), bit 0 of word 0 set (and left so) when the loss is not finite:
//            the optimizer kernels then stop updating, so the weights stay those from before that step; bit 1
//            once an earlier step's optimizer reported a value (word 3)
// Geometry: one workgroup of WG invocations; invocation i takes rows i, i + WG, ...; the per-row losses are
// summed in a fixed tree order in workgroup memory, so the result is deterministic.

override B: u32;
override C: u32;
const WG: u32 = 64u;

${STEP}

@group(0) @binding(0) var<storage, read_write> z: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read> perm: array<u32>;
@group(0) @binding(3) var<storage, read_write> loss_log: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<storage, read_write> health: array<atomic<u32>>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var sum = 0.0;
  let inv_b = 1.0 / f32(B);
  for (var b = lid; b < B; b += WG) {
    let row = b * C;
    let y = labels[perm[step.batch_base + b]];
    var zmax = z[row];
    for (var c = 1u; c < C; c++) { zmax = max(zmax, z[row + c]); }
    var denom = 0.0;
    for (var c = 0u; c < C; c++) { denom += exp(z[row + c] - zmax); }
    let log_denom = log(denom);
    sum += log_denom - (z[row + y] - zmax);
    for (var c = 0u; c < C; c++) {
      let p = exp(z[row + c] - zmax - log_denom);
      z[row + c] = (p - select(0.0, 1.0, c == y)) * inv_b;
    }
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (lid < width) { partial[lid] += partial[lid + width]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let loss = partial[0] * inv_b;
    loss_log[step.loss_slot] = loss;
    // Infinity and NaN have an all-ones exponent (WGSL has no isnan, and may fold x != x away).
    if ((bitcast<u32>(loss) & 0x7f800000u) == 0x7f800000u) { atomicOr(&health[0], 1u); }
    // An earlier step's optimizer found a value that is not finite: stop this step's update, and every later one.
    if (atomicLoad(&health[3]) != 0u) { atomicOr(&health[0], 2u); }
  }
}
