import { z } from 'zod';
import { pipelineSpecSchema, SPEC_VERSION } from './schema.js';

/** The published JSON Schema of the pipeline spec (committed as schema/pipeline-spec.v1.json). */
export function pipelineSpecJsonSchema(): Record<string, unknown> {
  const doc = z.toJSONSchema(pipelineSpecSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...doc,
    $id: 'https://signflow.dev/schema/pipeline-spec.v1.json',
    title: `signflow pipeline spec (${SPEC_VERSION})`,
  };
}
