import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The run workflow module, for `Worker.create({ workflowsPath })` and bundling. */
export const runWorkflowPath = fileURLToPath(new URL('./run/workflow.ts', import.meta.url));

/** Where the pipelines parts keep their state inside the signflow data dir. */
export function pipelinesDataPaths(dataDir: string): { runIndex: string; artifacts: string; work: string } {
  return {
    runIndex: join(dataDir, 'pipelines', 'runs.sqlite'),
    artifacts: join(dataDir, 'artifacts'),
    work: join(dataDir, 'pipelines', 'work'),
  };
}
