// Evaluation of one batch of logits: argmax prediction per row, correct count and confusion matrix.
//
//   pred[b] = argmax_c z[b, c] (ties to the lowest c);  confusion[y_b * C + pred[b]] += 1
//
// Bindings:  z: (B, C) logits of rows base .. base + B - 1 of the evaluated set
//            labels: (count) u32;  predictions: (count) u32, written for each row
//            confusion: (C * C) atomic u32 counts, rows = true label, columns = prediction (zeroed by the caller)
//            step: this batch's base row (rows at or past COUNT are padding and ignored)
// Geometry: one invocation per row, workgroups of WG (from TypeScript, which sizes the grid with it).

override B: u32;
override C: u32;
override COUNT: u32;
override WG: u32;     // workgroup size, from TypeScript (the grid is sized with the same number)

${STEP}

@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> predictions: array<u32>;
@group(0) @binding(3) var<storage, read_write> confusion: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> step: Step;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  let row_index = step.batch_base + b;
  if (b >= B || row_index >= COUNT) {
    return;
  }
  let row = b * C;
  var best = 0u;
  var best_z = z[row];
  for (var c = 1u; c < C; c++) {
    if (z[row + c] > best_z) {
      best_z = z[row + c];
      best = c;
    }
  }
  predictions[row_index] = best;
  atomicAdd(&confusion[labels[row_index] * C + best], 1u);
}
