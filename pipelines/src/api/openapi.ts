import { z } from 'zod';
import { pipelineSpecJsonSchema } from '../spec/json-schema.js';
import { experimentBody, listRunsQuery, scheduleBody, submitRunBody, uploadPipelineBody } from './schemas.js';

const json = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _ignored, ...doc } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return doc;
};
const body = (schema: z.ZodType | Record<string, unknown>) => ({
  required: true,
  content: { 'application/json': { schema: schema instanceof z.ZodType ? json(schema) : schema } },
});
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const errors = {
  '400': { description: 'invalid input; `error.issues` names each bad field', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '404': { description: 'not found', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '409': { description: 'conflicts with the run state', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
};
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const queryParams = (schema: z.ZodObject) =>
  Object.keys(schema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));

/** The OpenAPI 3.1 document of the pipelines API, served at /openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'signflow pipelines API', version: '1' },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: { '200': ok('alive') } } },
      '/v1/pipelines': {
        get: { summary: 'List uploaded pipelines', responses: { '200': ok('pipelines') } },
        post: { summary: 'Upload a compiled pipeline spec (validated first)', requestBody: body(uploadPipelineBody), responses: { '201': ok('name, version, digest'), ...errors } },
      },
      '/v1/pipelines/{name}': { get: { summary: 'A pipeline spec (latest or ?version=)', parameters: [pathParam('name', 'pipeline name')], responses: { '200': ok('spec'), ...errors } } },
      '/v1/runs': {
        get: { summary: 'List runs, newest first (keyset paged)', parameters: queryParams(listRunsQuery), responses: { '200': ok('runs and nextPageToken'), ...errors } },
        post: { summary: 'Submit a run of a spec or an uploaded pipeline', requestBody: body(submitRunBody), responses: { '201': ok('runId'), ...errors } },
      },
      '/v1/runs/{id}': { get: { summary: 'A run with step states, timings, inputs and outputs', parameters: [pathParam('id', 'run id')], responses: { '200': ok('run'), ...errors } } },
      '/v1/runs/{id}/steps/{step}/logs': {
        get: {
          summary: "A step attempt's log from a byte offset (live while it runs)",
          parameters: [pathParam('id', 'run id'), pathParam('step', 'step path'), { name: 'attempt', in: 'query', schema: { type: 'integer' } }, { name: 'offset', in: 'query', schema: { type: 'integer' } }],
          responses: { '200': ok('text, size, attempt'), ...errors },
        },
      },
      '/v1/runs/{id}/cancel': { post: { summary: 'Cancel a run (kills running steps)', parameters: [pathParam('id', 'run id')], responses: { '202': ok('cancel requested'), ...errors } } },
      '/v1/runs/{id}/retry': { post: { summary: 'New run reusing the outputs of the steps that succeeded', parameters: [pathParam('id', 'run id')], responses: { '201': ok('runId'), ...errors } } },
      '/v1/experiments': {
        get: { summary: 'List experiments with run counts', responses: { '200': ok('experiments') } },
        post: { summary: 'Create an experiment', requestBody: body(experimentBody), responses: { '201': ok('name'), ...errors } },
      },
      '/v1/schedules': {
        get: { summary: 'Recurring runs (Temporal Schedules)', responses: { '200': ok('schedules') } },
        post: { summary: 'Create a recurring run', requestBody: body(scheduleBody), responses: { '201': ok('scheduleId'), ...errors } },
      },
      '/v1/schedules/{id}': { delete: { summary: 'Delete a schedule', parameters: [pathParam('id', 'schedule id')], responses: { '204': { description: 'deleted' }, ...errors } } },
      '/v1/lineage': {
        get: {
          summary: 'Lineage edges around an artifact (sha256 prefix or URI), run, step or model, both ways',
          parameters: [
            { name: 'ref', in: 'query', required: true, description: 'artifact:<sha>, run:<id>, step:<run>/<path>, model:<name>@<version>, a sha256 prefix or an artifact URI', schema: { type: 'string' } },
            { name: 'depth', in: 'query', schema: { type: 'integer' } },
          ],
          responses: { '200': ok('root, upstream, downstream'), ...errors },
        },
      },
      // Served by the datasets package's API plugin (viewer role).
      '/v1/datasets': { get: { summary: 'Dataset versions with sample, frame, class and signer counts', responses: { '200': ok('datasets'), ...errors } } },
      '/v1/datasets/{name}/{version}': {
        get: {
          summary: 'A dataset version: class and signer counts, quality flags and skipped items, splits, sources',
          parameters: [pathParam('name', 'dataset name'), pathParam('version', 'version id or a prefix of at least 6 hex digits')],
          responses: { '200': ok('version summary'), ...errors },
        },
      },
    },
    components: {
      schemas: {
        PipelineSpec: pipelineSpecJsonSchema(),
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } },
              required: ['code', 'message'],
            },
          },
        },
      },
    },
  };
}
