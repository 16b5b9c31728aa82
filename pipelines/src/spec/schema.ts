import { z } from 'zod';
import { artifactRefSchema } from '@signflow/core';

/**
 * The compiled pipeline spec: what `signflow pipeline compile` writes, what the API accepts and
 * what the run workflow interprets. Versioned by `specVersion`; its JSON Schema is generated
 * from this file into `pipelines/schema/` (`npm run schema -w pipelines`).
 */
export const SPEC_VERSION = 'signflow.dev/pipeline/v1';

/** Largest compiled spec accepted (it travels as the run workflow's input). */
export const MAX_SPEC_BYTES = 256 * 1024;
/** Largest single parameter value (run argument, default or step output). */
export const MAX_PARAM_BYTES = 64 * 1024;

const dnsName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'use lowercase letters, digits and "-" (a DNS label)');
export const identifier = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'start with a letter; then letters, digits, "_" or "-"');

export const parameterType = z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']);
export type ParameterType = z.infer<typeof parameterType>;
export const artifactType = z.enum(['dataset', 'model', 'metrics', 'plot', 'predictions', 'file', 'directory']);
export type ArtifactType = z.infer<typeof artifactType>;

const jsonSchemaDoc = z.record(z.string(), z.unknown());

export const parameterIoSchema = z
  .object({
    kind: z.literal('parameter'),
    type: parameterType,
    /** JSON Schema of the value (from the component's zod type), checked when the value is known. */
    schema: jsonSchemaDoc.optional(),
    optional: z.boolean().default(false),
    default: z.unknown().optional(),
    description: z.string().optional(),
  })
  .strict();
export const artifactIoSchema = z
  .object({
    kind: z.literal('artifact'),
    type: artifactType,
    optional: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();
export const ioSchema = z.discriminatedUnion('kind', [parameterIoSchema, artifactIoSchema]);
export type IoSpec = z.infer<typeof ioSchema>;

/** Kubernetes-style quantities: `500m`, `2`, `4Gi`, `512Mi`. */
const quantity = z.string().regex(/^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, 'expected a quantity such as 500m, 2, 512Mi or 4Gi');

export const resourcesSchema = z
  .object({
    cpu: quantity.optional(),
    memory: quantity.optional(),
    gpu: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('count'), count: z.number().int().min(1).max(64), resourceName: z.string().min(1).optional() }).strict(),
        z
          .object({
            kind: z.literal('dra'),
            deviceClassName: z.string().min(1),
            count: z.number().int().min(1).max(64),
            selectors: z.array(z.string().min(1)).optional(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();

export const retrySchema = z
  .object({
    /** Attempts in all, the first included (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(100).default(1),
    initialIntervalMs: z.number().int().min(0).max(3_600_000).default(1000),
    backoffCoefficient: z.number().min(1).max(10).default(2),
    maxIntervalMs: z.number().int().min(0).max(86_400_000).default(60_000),
  })
  .strict();

export const componentSpecSchema = z
  .object({
    name: dnsName,
    description: z.string().optional(),
    inputs: z.record(identifier, ioSchema).default({}),
    outputs: z.record(identifier, ioSchema).default({}),
    implementation: z
      .object({
        /** argv; `signflow-step <name>` runs a step implementation registered in workers. */
        command: z.array(z.string().min(1)).min(1),
        /** Container image for cluster executors; the local executor ignores it. */
        image: z.string().min(1).optional(),
        env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string()).default({}),
      })
      .strict(),
    resources: resourcesSchema.default({}),
    retry: retrySchema.default({ maxAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 60_000 }),
    /** Wall-clock limit of one attempt. */
    timeoutMs: z.number().int().min(1000).max(7 * 86_400_000).optional(),
    caching: z.boolean().default(true),
    /** sha256 of everything above (see componentDigest): part of every cache key. Filled in when absent. */
    digest: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits').optional(),
  })
  .strict();
export type ComponentSpec = z.infer<typeof componentSpecSchema>;

/** Where a task input (or a loop's items, or a pipeline output) takes its value from. */
export const bindingSchema = z.discriminatedUnion('from', [
  z.object({ from: z.literal('value'), value: z.unknown() }).strict(),
  z.object({ from: z.literal('param'), name: identifier }).strict(),
  z.object({ from: z.literal('task'), task: identifier, output: identifier }).strict(),
  /** The current item of the enclosing parallelFor `loop` (nearest when omitted); `field` picks a key of an object item. */
  z.object({ from: z.literal('item'), loop: identifier.optional(), field: identifier.optional() }).strict(),
  /** Only in exit handlers: the run's status so far (`succeeded`, `failed` or `cancelled`). */
  z.object({ from: z.literal('runStatus') }).strict(),
  /** An existing artifact (a dataset version, a registered model) imported by reference. */
  z.object({ from: z.literal('artifact'), ref: artifactRefSchema }).strict(),
]);
export type Binding = z.infer<typeof bindingSchema>;

export const comparisonOp = z.enum(['==', '!=', '<', '<=', '>', '>=']);
export const conditionSchema = z.object({ left: bindingSchema, op: comparisonOp, right: bindingSchema }).strict();
export type Condition = z.infer<typeof conditionSchema>;

const common = {
  dependsOn: z.array(identifier).default([]),
  displayName: z.string().optional(),
};

/**
 * A task's override of its component's resources, chosen at run time: each field a `value` or a
 * `param` binding. gpu: "none"/null (no GPU), a positive integer (nvidia.com/gpu count),
 * "dra:<deviceClassName>:<count>", or an object of the component `resources.gpu` form.
 */
export const taskResourcesSchema = z
  .object({ cpu: bindingSchema.optional(), memory: bindingSchema.optional(), gpu: bindingSchema.optional() })
  .strict();
export type TaskResources = z.infer<typeof taskResourcesSchema>;

export const componentTaskSchema = z
  .object({
    kind: z.literal('component'),
    component: dnsName,
    inputs: z.record(identifier, bindingSchema).default({}),
    resources: taskResourcesSchema.optional(),
    ...common,
  })
  .strict();

export const parameterDeclSchema = z
  .object({
    type: parameterType,
    default: z.unknown().optional(),
    optional: z.boolean().default(false),
    description: z.string().optional(),
    schema: jsonSchemaDoc.optional(),
  })
  .strict();
export type ParameterDecl = z.infer<typeof parameterDeclSchema>;

export interface DagSpec {
  tasks: Record<string, TaskSpec>;
}
export interface PipelineBody {
  name: string;
  description?: string | undefined;
  parameters: Record<string, ParameterDecl>;
  dag: DagSpec;
  outputs: Record<string, Binding>;
}
export type ComponentTask = z.infer<typeof componentTaskSchema>;
export interface PipelineTask {
  kind: 'pipeline';
  pipeline: PipelineBody;
  inputs: Record<string, Binding>;
  dependsOn: string[];
  displayName?: string | undefined;
}
export interface ParallelForTask {
  kind: 'parallelFor';
  items: Binding;
  parallelism: number;
  dag: DagSpec;
  outputs: Record<string, Binding>;
  dependsOn: string[];
  displayName?: string | undefined;
}
export interface ConditionTask {
  kind: 'condition';
  when: Condition;
  dag: DagSpec;
  outputs: Record<string, Binding>;
  dependsOn: string[];
  displayName?: string | undefined;
}
export type TaskSpec = ComponentTask | PipelineTask | ParallelForTask | ConditionTask;

export const dagSchema: z.ZodType<DagSpec> = z.lazy(() => z.object({ tasks: z.record(identifier, taskSchema) }).strict());

export const pipelineBodySchema: z.ZodType<PipelineBody> = z.lazy(() =>
  z
    .object({
      name: dnsName,
      description: z.string().optional(),
      parameters: z.record(identifier, parameterDeclSchema).default({}),
      dag: dagSchema,
      outputs: z.record(identifier, bindingSchema).default({}),
    })
    .strict(),
);

const taskSchema: z.ZodType<TaskSpec> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    componentTaskSchema,
    z.object({ kind: z.literal('pipeline'), pipeline: pipelineBodySchema, inputs: z.record(identifier, bindingSchema).default({}), ...common }).strict(),
    z
      .object({
        kind: z.literal('parallelFor'),
        items: bindingSchema,
        parallelism: z.number().int().min(1).max(1000).default(8),
        dag: dagSchema,
        outputs: z.record(identifier, bindingSchema).default({}),
        ...common,
      })
      .strict(),
    z
      .object({ kind: z.literal('condition'), when: conditionSchema, dag: dagSchema, outputs: z.record(identifier, bindingSchema).default({}), ...common })
      .strict(),
  ]),
);
export { taskSchema };

export const pipelineSpecSchema = z
  .object({
    specVersion: z.literal(SPEC_VERSION),
    name: dnsName,
    description: z.string().optional(),
    parameters: z.record(identifier, parameterDeclSchema).default({}),
    components: z.record(dnsName, componentSpecSchema),
    dag: dagSchema,
    /** Runs after the DAG whatever its outcome (failed, cancelled), like KFP's ExitHandler. */
    exitHandler: dagSchema.optional(),
    outputs: z.record(identifier, bindingSchema).default({}),
  })
  .strict();
export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;
export type PipelineSpecInput = z.input<typeof pipelineSpecSchema>;
