import type { Command } from 'commander';
import { describeError, type CliContext, type SignflowConfig } from '@signflow/core';
import type { StackPart } from '@signflow/stack';

/** Workspace packages that may contribute commands (`./cli`) and services (`./stack-parts`). */
const PACKAGES = ['camera-agent', 'landmarks', 'datasets', 'pipelines', 'workers', 'web'] as const;

interface CliModule {
  registerCommands?: (program: Command, ctx: CliContext) => void;
}
interface StackPartsModule {
  stackParts?: (config: SignflowConfig) => StackPart[];
}

/** A package that does not export the subpath contributes nothing; any other error is a bug to report. */
async function optionalImport<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
    // One broken package must not take the whole CLI down: say so and go on without it.
    process.stderr.write(`signflow: warning: ${specifier} could not be loaded, its commands are unavailable: ${describeError(err)}\n`);
    return undefined;
  }
}

/** Lets each package add its commands to the program. */
export async function registerPackageCommands(program: Command, ctx: CliContext): Promise<void> {
  for (const pkg of PACKAGES) {
    const mod = await optionalImport<CliModule>(`@signflow/${pkg}/cli`);
    mod?.registerCommands?.(program, ctx);
  }
}

/** The long-running services packages want `signflow up` to run (API server, workers, ...). */
export async function collectStackParts(config: SignflowConfig): Promise<StackPart[]> {
  const parts: StackPart[] = [];
  for (const pkg of PACKAGES) {
    const mod = await optionalImport<StackPartsModule>(`@signflow/${pkg}/stack-parts`);
    if (mod?.stackParts) parts.push(...mod.stackParts(config));
  }
  return parts;
}
