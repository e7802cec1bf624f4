// Adam over the whole parameter arena in one dispatch, exactly as torch.optim.Adam (no weight decay):
//
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= step_size * m / (sqrt(v) * inv_sqrt_bc2 + eps)
//   with step_size = lr / (1 - b1^t) and inv_sqrt_bc2 = 1 / sqrt(1 - b2^t), computed in float64 on the CPU for
//   every step t and read from the step's uniform slot (dynamic offset), so many steps share one submit.
//
// Bindings: p, g, m, v: (P / 4) vec4 each, the same arena layout (padding between tensors stays zero).
//           health: (4) u32 (src/gpu/health.ts): word 0 nonzero (a loss or, from here, a value was not finite)
//           means nothing is updated. CHECK_VALUES: an element whose gradient, new moments or new value is
//           not finite is left as it was and reported: word 0 |= 2, word 1 = min over such floats of
//           (arena index * 4 + what: 0 the gradient, 1 a moment, 2 the updated parameter), word 2 = the
//           step's loss_slot. Other elements of that step are updated; the trainer then puts back the state
//           it kept before the chunk (GraphBuffers.kept). The check is a few integer operations on values in registers.
//           delta (RECORD_UPDATE, the variant a step sampled for diagnostics runs): (P / 4) vec4, the change
//           this step made to each parameter (new - old as stored, 0 when nothing was updated), which
//           stats.wgsl reduces into the update-to-data ratio. The arithmetic of p is the same in both variants.
// Geometry: one invocation per vec4; workgroups of WG laid out over x then y (large arenas exceed 65535 in x).

override COUNT: u32;   // P / 4
override WG: u32;      // workgroup size, from TypeScript (the grid is sized with the same number)
override BETA1: f32;
override BETA2: f32;
override EPS: f32;
// 1 - BETA1 and 1 - BETA2, rounded from float64 on the CPU: 1.0 - BETA2 in f32 would be off by 1.3e-5 relative
// (f32(0.999) = 0.99900001287), as PyTorch is not (it forms 1 - beta2 in double).
override ONE_MINUS_BETA1: f32;
override ONE_MINUS_BETA2: f32;

${STEP}
${HEALTH}

@group(0) @binding(0) var<storage, read_write> p: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> v: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<storage, read_write> health: array<atomic<u32>>;
#if ${RECORD_UPDATE}
@group(0) @binding(6) var<storage, read_write> delta: array<vec4<f32>>;
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
  let m1 = BETA1 * m[i] + ONE_MINUS_BETA1 * grad;
  let v1 = BETA2 * v[i] + ONE_MINUS_BETA2 * grad * grad;
  let updated = p[i] - step.step_size * m1 / (sqrt(v1) * step.inv_sqrt_bc2 + EPS);
#if ${CHECK_VALUES}
  // Two checks cover the four values: a gradient or first moment that is not finite makes the update NaN or
  // infinite (Inf / Inf is NaN); only an infinite v1 can hide behind a finite update (m1 / Inf is 0).
  if (any(not_finite(updated) | not_finite(v1))) {
    report(i, not_finite(grad), not_finite(m1) | not_finite(v1), not_finite(updated) | not_finite(v1), step.loss_slot);
#if ${RECORD_UPDATE}
    delta[i] = vec4(0.0);
#endif
    return;
  }
#endif
  m[i] = m1;
  v[i] = v1;
#if ${RECORD_UPDATE}
  delta[i] = updated - p[i];
#endif
  p[i] = updated;
}
