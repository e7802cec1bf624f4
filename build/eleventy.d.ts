// The part of @11ty/eleventy's programmatic API that build/docs.ts uses (the package ships no declarations).
declare module '@11ty/eleventy' {
  export interface UserConfig {
    ignores: Set<string>;
    addGlobalData(name: string, value: unknown): void;
    addPassthroughCopy(paths: Record<string, string>): void;
    setTemplateFormats(formats: string[]): void;
  }
  export default class Eleventy {
    constructor(input: string, output: string, options?: { quietMode?: boolean; config?: (config: UserConfig) => void | Promise<void> });
    write(): Promise<unknown>;
  }
}
