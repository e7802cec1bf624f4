// Starts a Node entry point so that Dawn (the `webgpu` package) can find a Vulkan loader, then runs it.
//
// Dawn opens libvulkan.so.1 with dlopen, which reads LD_LIBRARY_PATH only when the process starts. On a
// machine without a system Vulkan loader (no GPU, no libvulkan1) Chromium's own copy next to its
// SwiftShader driver works, so we add Chromium's folder to the path and start the real program as a child.
// TypeScript entry points run through tsx, with `.wgsl?raw` imports served by cli/wgsl-loader.mjs.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node cli/launch.mjs <entry> [args...]');
  process.exit(2);
}

const CHROMIUM_LIB_DIRS = ['/usr/lib/chromium', '/usr/lib/chromium-browser', '/opt/google/chrome'];

function systemHasVulkanLoader() {
  if (process.platform !== 'linux') return true;
  try {
    return execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

const env = { ...process.env };
if (!systemHasVulkanLoader()) {
  const dir = CHROMIUM_LIB_DIRS.find((d) => existsSync(`${d}/libvulkan.so.1`));
  if (dir) env.LD_LIBRARY_PATH = [dir, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

const nodeArgs = script.endsWith('.ts')
  ? ['--import', 'tsx', '--import', new URL('./wgsl-loader.mjs', import.meta.url).href, script, ...args]
  : [script, ...args];
const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
