#!/usr/bin/env node
// The package's command: `webgpu-mlp train [options]` trains on MNIST in Node through Dawn (the CLI that this
// repository runs as `npm run train`, compiled into dist/api/cli.js). It runs the CLI as a child process, so
// that Dawn finds a Vulkan loader on machines without one (see vulkan-loader.mjs).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withVulkanLoader } from './vulkan-loader.mjs';

const COMMANDS = {
  train: { entry: '../dist/api/cli.js', summary: 'train a multilayer perceptron on MNIST (or an IDX dataset) with WebGPU' },
};

const usage = () =>
  [
    'Usage: webgpu-mlp <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(8)}${summary}`),
    '',
    'webgpu-mlp <command> --help lists a command\'s options.',
  ].join('\n');

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  console.error(usage());
  process.exit(2);
}
if (command === '--help' || command === '-h' || command === 'help') {
  console.log(usage());
  process.exit(0);
}
if (command === '--version' || command === '-V') {
  console.log(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  process.exit(0);
}
if (!Object.hasOwn(COMMANDS, command)) {
  console.error(`error: unknown command "${command}"; the commands are ${Object.keys(COMMANDS).join(', ')}\n\n${usage()}`);
  process.exit(2);
}

const entry = fileURLToPath(new URL(COMMANDS[command].entry, import.meta.url));
const env = { ...withVulkanLoader(process.env), WEBGPU_MLP_COMMAND: `webgpu-mlp ${command}` };
const child = spawn(process.execPath, [entry, ...args], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
