import type { Command } from 'commander';
import { checkStack, stackEndpoints } from '@signflow/stack';
import type { createContext } from '../context.js';
import { renderTable } from '../output.js';

type Ctx = ReturnType<typeof createContext>;

export function registerStatus(program: Command, ctx: Ctx): void {
  program
    .command('status')
    .description('health of each part of the stack (exit code 1 when any part is unhealthy)')
    .action(async () => {
      const config = ctx.loadConfig();
      const endpoints = stackEndpoints(config);
      const parts = await checkStack(config);
      const healthy = parts.every((p) => p.healthy);
      ctx.output({ healthy, supervisorPid: endpoints.supervisorPid ?? null, parts }, () =>
        [
          endpoints.supervisorPid ? `signflow up running (pid ${endpoints.supervisorPid})` : 'no `signflow up` running in this data dir; checking the configured endpoints',
          renderTable(['part', 'healthy', 'endpoint', 'detail'], parts.map((p) => [p.part, p.healthy ? 'yes' : 'NO', p.endpoint, p.detail])),
        ].join('\n'),
      );
      process.exitCode = healthy ? 0 : 1;
    });
}
