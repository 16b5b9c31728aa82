import type { SignflowConfig } from './config/schema.js';

/** What the `signflow` CLI hands each package's `registerCommands(program, ctx)`. */
export interface CliContext {
  /** Loads and validates the configuration (file, env, global flags) on first call. */
  loadConfig(): SignflowConfig;
  /** Prints `data` as JSON when `--json` was given, else the table `table()` renders (or JSON). */
  output(data: unknown, table?: () => string): void;
}
