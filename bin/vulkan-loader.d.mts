/** `env` with Chromium's folder added to LD_LIBRARY_PATH when this machine has no Vulkan loader of its own. */
export function withVulkanLoader(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
