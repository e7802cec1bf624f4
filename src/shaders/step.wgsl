// The per-step constants every kernel of a training step may read: one 256-byte slot per step in a uniform
// buffer, selected with a dynamic offset, so a whole chunk of steps is encoded up front and submitted once.
// Laid out in TypeScript by src/gpu/step-slots.ts; keep the two in step.
struct Step {
  batch_base: u32,     // first index into the permutation for this batch
  loss_slot: u32,      // where this step's mean loss goes in the epoch's loss log
  step_size: f32,      // Adam: lr / (1 - beta1^t)
  inv_sqrt_bc2: f32,   // Adam: 1 / sqrt(1 - beta2^t)
  lr: f32,             // SGD: learning rate
  momentum: f32,       // SGD: momentum
  diag_slot: u32,      // a sampled step (diagnostics): its slot in the statistics buffer (see stats.wgsl)
}
