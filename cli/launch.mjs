// Starts a Node entry point so that Dawn (the `webgpu` package) can find a Vulkan loader, then runs it: the
// child gets Chromium's loader on its library path when the system has none (bin/vulkan-loader.mjs).
// TypeScript entry points run through tsx, with `.wgsl?raw` imports served by cli/wgsl-loader.mjs.
import { spawn } from 'node:child_process';
import { withVulkanLoader } from '../bin/vulkan-loader.mjs';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node cli/launch.mjs <entry> [args...]');
  process.exit(2);
}

const nodeArgs = script.endsWith('.ts')
  ? ['--import', 'tsx', '--import', new URL('./wgsl-loader.mjs', import.meta.url).href, script, ...args]
  : [script, ...args];
const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit', env: withVulkanLoader(process.env) });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
