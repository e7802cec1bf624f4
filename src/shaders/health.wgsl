// The health words a training step shares (laid out in TypeScript by src/gpu/health.ts; keep the two in step):
//   health[0]: the stop word, 0 while training is healthy; softmax_ce sets bit 0 when its loss is not finite,
//              and bit 1 when an earlier step's optimizer found a value (health[3]). Nonzero: the optimizers
//              update nothing more.
//   health[1]: the first value an optimizer found not finite, as arena index * 4 + what (0 the gradient, 1 a
//              moment or momentum buffer, 2 the updated parameter); 0xffffffff when none.
//   health[2]: the loss_slot (step in the epoch, 0-based) of the step whose optimizer found it.
//   health[3]: 1 once an optimizer found one. The optimizers never read it: every invocation of the step
//              that finds values checks all of its own, so health[1] is the smallest of them all (the stop
//              word takes effect from the next step's softmax_ce on).
// Spliced into the kernels that bind `health` as array<atomic<u32>>, after their bindings are declared.

// Infinity and NaN have an all-ones exponent (WGSL has no isnan, and may fold x != x away).
fn not_finite(x: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(x) & vec4(0x7f800000u)) == vec4(0x7f800000u);
}

// Reports vec4 `i` of the arena: `grad_bad` and `state_bad` say which lanes' gradient and optimizer state were
// not finite, `bad` every lane that was (the rest from the updated parameter); the first bad lane's key counts.
fn report(i: u32, grad_bad: vec4<bool>, state_bad: vec4<bool>, bad: vec4<bool>, slot: u32) {
  let what = select(select(vec4(2u), vec4(1u), state_bad), vec4(0u), grad_bad);
  let key = (vec4(i * 4u) + vec4(0u, 1u, 2u, 3u)) * 4u + what;
  let keys = select(vec4(0xffffffffu), key, bad);
  atomicMin(&health[1], min(min(keys.x, keys.y), min(keys.z, keys.w)));
  atomicStore(&health[2], slot);
  atomicStore(&health[3], 1u);
}
