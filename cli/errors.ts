/**
 * How the command line reports a failure: the errors a user can cause (a bad option, file or setting, a
 * missing adapter, a diverging run) as one line without a stack trace; anything else is a bug, with its stack.
 */
import { ConfigError } from '../src/train/recipe.ts';
import { DivergenceError } from '../src/train/trainer.ts';
import { DataError } from '../src/data/idx.ts';
import { SafetensorsError } from '../src/data/safetensors.ts';
import { InitializerError } from '../src/init/initializers.ts';
import { GpuError } from '../src/gpu/context.ts';
import { ModelError } from '../src/layers/mlp.ts';

const USER_ERRORS = [ConfigError, DivergenceError, DataError, SafetensorsError, InitializerError, GpuError, ModelError];

/** Prints the failure and returns the exit code. */
export function reportFailure(error: unknown): number {
  if (USER_ERRORS.some((kind) => error instanceof kind)) {
    console.error(`error: ${(error as Error).message}`);
    return 1;
  }
  console.error('unexpected failure (a bug; please report it with this output):');
  console.error(error);
  return 70;
}
