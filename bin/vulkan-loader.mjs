// Dawn (the `webgpu` package) opens libvulkan.so.1 with dlopen, which reads LD_LIBRARY_PATH only when the
// process starts. On a Linux machine without a system Vulkan loader (no GPU, no libvulkan1), Chromium's own
// copy next to its SwiftShader driver works: a launcher adds Chromium's folder to the path of the Node process
// it starts. Used by the package's bin (bin/webgpu-mlp.mjs) and by this repository's cli/launch.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM_LIB_DIRS = ['/usr/lib/chromium', '/usr/lib/chromium-browser', '/opt/google/chrome'];

function systemHasVulkanLoader() {
  if (process.platform !== 'linux') return true;
  try {
    return execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

/** `env` with Chromium's folder added to LD_LIBRARY_PATH when this machine has no Vulkan loader of its own. */
export function withVulkanLoader(env) {
  if (systemHasVulkanLoader()) return { ...env };
  const dir = CHROMIUM_LIB_DIRS.find((d) => existsSync(`${d}/libvulkan.so.1`));
  if (!dir) return { ...env };
  return { ...env, LD_LIBRARY_PATH: [dir, env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}
