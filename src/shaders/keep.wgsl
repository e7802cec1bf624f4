// Keeps a copy of an arena (the parameters, or one of the optimizer's states) while training is healthy:
//
//   if health[0] == 0 and health[3] == 0 (no loss and no value found not finite):  kept = live
//
// Encoded at the start of every chunk of steps, so `kept` holds the state before the chunk that last began
// healthy: when a step of a chunk finds a value that is not finite (health.wgsl), the next chunk's copy does
// nothing, and the trainer copies `kept` back (the state before the failing chunk).
//
// Bindings: live, kept: (P / 4) vec4 each, the same arena layout.  health: (4) u32, see health.wgsl.
// Geometry: one invocation per vec4; workgroups of 64 laid out over x then y.

override COUNT: u32;   // P / 4

@group(0) @binding(0) var<storage, read> live: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> kept: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> health: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  if (i >= COUNT || health[0] != 0u || health[3] != 0u) {
    return;
  }
  kept[i] = live[i];
}
