// Regenerates schema/pipeline-spec.v1.json from the zod spec schema (`npm run schema -w pipelines`).
import { writeFileSync } from 'node:fs';
import { pipelineSpecJsonSchema } from '../src/spec/json-schema.js';

const file = new URL('../schema/pipeline-spec.v1.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(pipelineSpecJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
