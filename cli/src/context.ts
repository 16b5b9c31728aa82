import type { Command } from 'commander';
import { loadConfig, type CliContext, type SignflowConfig } from '@signflow/core';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

/** Builds the context handed to every command: config loaded once, output honouring --json. */
export function createContext(program: Command): CliContext & { json(): boolean } {
  let cached: SignflowConfig | undefined;
  const opts = (): GlobalOptions => program.opts<GlobalOptions>();
  return {
    json: () => opts().json === true,
    loadConfig() {
      if (!cached) {
        const { config, dataDir } = opts();
        cached = loadConfig({ configPath: config, overrides: dataDir ? { dataDir } : {} }).config;
      }
      return cached;
    },
    output(data, table) {
      if (opts().json === true || !table) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else process.stdout.write(`${table()}\n`);
    },
  };
}
