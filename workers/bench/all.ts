// `npm run bench -w workers`: each benchmark of the package in its own process, one after another
// (they share 2 cores), each printing its JSON lines. BENCH_ONLY=training,live,k8s picks some.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benches = ['training', 'live', 'k8s'];
const only = process.env['BENCH_ONLY']?.split(',');
let failed = 0;
for (const name of benches) {
  if (only && !only.includes(name)) continue;
  const file = fileURLToPath(new URL(`./${name}.bench.ts`, import.meta.url));
  if (!existsSync(file)) continue;
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`bench ${name} failed (exit ${String(result.status)})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
