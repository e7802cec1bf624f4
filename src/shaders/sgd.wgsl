// SGD with momentum over the whole parameter arena in one dispatch, exactly as torch.optim.SGD
// (dampening 0, no Nesterov, no weight decay):   buf = momentum * buf + g;  p -= lr * buf
// (momentum 0 is plain SGD; buf then equals g). lr and momentum come from the step's uniform slot.
//
// Bindings: p, g, buf: (P / 4) vec4 each, the same arena layout.
//           health: (4) u32: word 0 nonzero means nothing is updated; CHECK_VALUES reports an element whose
//           gradient, momentum buffer or new value is not finite, as adam.wgsl does (what 1: the buffer).
//           delta (RECORD_UPDATE, on a step sampled for diagnostics): (P / 4) vec4, new - old as stored (see adam.wgsl).
// Geometry: one invocation per vec4; workgroups of WG laid out over x then y.

override COUNT: u32;   // P / 4
override WG: u32;      // workgroup size, from TypeScript (the grid is sized with the same number)

${STEP}
${HEALTH}

@group(0) @binding(0) var<storage, read_write> p: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> buf: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> step: Step;
@group(0) @binding(4) var<storage, read_write> health: array<atomic<u32>>;
#if ${RECORD_UPDATE}
@group(0) @binding(5) var<storage, read_write> delta: array<vec4<f32>>;
#endif

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= COUNT) {
    return;
  }
  if (atomicLoad(&health[0]) != 0u) {
#if ${RECORD_UPDATE}
    delta[i] = vec4(0.0);
#endif
    return;
  }
  let grad = g[i];
  let b = step.momentum * buf[i] + grad;
  let updated = p[i] - step.lr * b;
#if ${CHECK_VALUES}
  // One check covers the three values: a gradient or buffer that is not finite makes the update not finite
  // (with lr 0 too: 0 * Inf is NaN).
  if (any(not_finite(updated))) {
    report(i, not_finite(grad), not_finite(b), not_finite(updated), step.loss_slot);
#if ${RECORD_UPDATE}
    delta[i] = vec4(0.0);
#endif
    return;
  }
#endif
  buf[i] = b;
#if ${RECORD_UPDATE}
  delta[i] = updated - p[i];
#endif
  p[i] = updated;
}
