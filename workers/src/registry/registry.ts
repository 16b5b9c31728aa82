import { z } from 'zod';
import { artifactRefSchema, subjects, subjectToken, type ArtifactRef } from '@signflow/core';
import { RegistryError } from '../training/errors.js';
import type { BlobStore } from '../training/store.js';

/**
 * Model versions with their lineage and a stage each. Stages go none → staging → production;
 * promoting a version to production archives the one before, and `rollback` brings the previous
 * production version back. Every stage change is published on `subjects.modelEvents(name)` so
 * live services (the transcriber) can swap models. One JSON document per model name in the
 * artifact store; one writer at a time (the CLI or a register step).
 */
export const STAGES = ['none', 'staging', 'production', 'archived'] as const;
export type Stage = (typeof STAGES)[number];

export const modelVersionSchema = z.object({
  version: z.number().int().positive(),
  createdAt: z.string(),
  stage: z.enum(STAGES),
  model: z.object({ modelJson: artifactRefSchema, weights: artifactRefSchema }),
  /** Class names, input shape and feature standardisation: what inference needs besides weights. */
  preprocessing: artifactRefSchema,
  lineage: z.object({
    datasetVersion: z.string(),
    runId: z.string().optional(),
    stepId: z.string().optional(),
    params: z.record(z.string(), z.unknown()),
    metrics: z.record(z.string(), z.unknown()),
    backend: z.string(),
  }),
});
export type ModelVersion = z.infer<typeof modelVersionSchema>;

const stageChangeSchema = z.object({ at: z.string(), version: z.number().int(), from: z.enum(STAGES), to: z.enum(STAGES), action: z.enum(['promote', 'rollback']) });
const modelDocSchema = z.object({ name: z.string(), versions: z.array(modelVersionSchema), changes: z.array(stageChangeSchema) });
type ModelDoc = z.infer<typeof modelDocSchema>;

export const modelEventSchema = z.object({
  type: z.enum(['promoted', 'rolled_back']),
  model: z.string(),
  version: z.number().int(),
  stage: z.enum(STAGES),
  /** The version that held this stage before, if any. */
  previous: z.number().int().optional(),
  modelJson: artifactRefSchema,
  at: z.string(),
});
export type ModelEvent = z.infer<typeof modelEventSchema>;

/** Anything that can publish bytes on a subject (a NATS connection). */
export interface EventPublisher {
  publish(subject: string, data: Uint8Array): void;
}

export interface RegisterInput {
  model: { modelJson: ArtifactRef; weights: ArtifactRef };
  preprocessing: ArtifactRef;
  lineage: ModelVersion['lineage'];
}

const INDEX_KEY = 'registry/index.json';

export class ModelRegistry {
  constructor(
    private readonly store: BlobStore,
    private readonly events?: EventPublisher,
  ) {}

  async names(): Promise<string[]> {
    const raw = await this.store.readJson(INDEX_KEY);
    return z.array(z.string()).catch([]).parse(raw ?? []);
  }

  async register(name: string, input: RegisterInput): Promise<ModelVersion> {
    checkName(name);
    const doc = (await this.read(name)) ?? { name, versions: [], changes: [] };
    const version: ModelVersion = {
      version: (doc.versions.at(-1)?.version ?? 0) + 1,
      createdAt: new Date().toISOString(),
      stage: 'none',
      ...input,
    };
    doc.versions.push(version);
    await this.write(doc);
    const names = await this.names();
    if (!names.includes(name)) await this.store.writeJson(INDEX_KEY, [...names, name].sort());
    return version;
  }

  async list(name: string): Promise<ModelVersion[]> {
    return (await this.mustRead(name)).versions;
  }

  async get(name: string, version?: number | Stage): Promise<ModelVersion> {
    const doc = await this.mustRead(name);
    return pick(doc, version ?? 'production');
  }

  async promote(name: string, version: number, stage: Exclude<Stage, 'none'>): Promise<ModelEvent> {
    const doc = await this.mustRead(name);
    const target = pick(doc, version);
    let previous: number | undefined;
    if (stage === 'production' || stage === 'staging') {
      for (const v of doc.versions) {
        if (v.stage === stage && v.version !== target.version) {
          previous = v.version;
          doc.changes.push(change(v, stage === 'production' ? 'archived' : 'none', 'promote'));
          v.stage = stage === 'production' ? 'archived' : 'none';
        }
      }
    }
    doc.changes.push(change(target, stage, 'promote'));
    target.stage = stage;
    await this.write(doc);
    return this.announce({ type: 'promoted', model: name, version: target.version, stage, previous, modelJson: target.model.modelJson, at: new Date().toISOString() });
  }

  /** Production goes back to the version that held it before the current one. */
  async rollback(name: string): Promise<ModelEvent> {
    const doc = await this.mustRead(name);
    const current = doc.versions.find((v) => v.stage === 'production');
    if (!current) throw new RegistryError(`model ${name} has no production version to roll back`);
    const earlier = [...doc.changes].reverse().find((c) => c.to === 'production' && c.version !== current.version && doc.versions.some((v) => v.version === c.version));
    if (!earlier) throw new RegistryError(`model ${name}: no earlier production version to roll back to (promote one instead)`);
    const target = pick(doc, earlier.version);
    doc.changes.push(change(current, 'archived', 'rollback'));
    current.stage = 'archived';
    doc.changes.push(change(target, 'production', 'rollback'));
    target.stage = 'production';
    await this.write(doc);
    return this.announce({ type: 'rolled_back', model: name, version: target.version, stage: 'production', previous: current.version, modelJson: target.model.modelJson, at: new Date().toISOString() });
  }

  async history(name: string): Promise<ModelDoc['changes']> {
    return (await this.mustRead(name)).changes;
  }

  private announce(event: ModelEvent): ModelEvent {
    this.events?.publish(subjects.modelEvents(event.model), new TextEncoder().encode(JSON.stringify(event)));
    return event;
  }

  private async read(name: string): Promise<ModelDoc | undefined> {
    const raw = await this.store.readJson(docKey(name));
    return raw === undefined ? undefined : modelDocSchema.parse(raw);
  }

  private async mustRead(name: string): Promise<ModelDoc> {
    const doc = await this.read(checkName(name));
    if (!doc) {
      const known = await this.names();
      throw new RegistryError(`no model named ${JSON.stringify(name)}${known.length ? `; registered: ${known.join(', ')}` : '; none is registered yet'}`);
    }
    return doc;
  }

  private async write(doc: ModelDoc): Promise<void> {
    await this.store.writeJson(docKey(doc.name), doc);
  }
}

function docKey(name: string): string {
  return `registry/models/${name}.json`;
}

function checkName(name: string): string {
  const ok = subjectToken.safeParse(name);
  if (!ok.success) throw new RegistryError(`model name ${JSON.stringify(name)}: use letters, digits, "_" or "-"`);
  return name;
}

function pick(doc: ModelDoc, version: number | Stage): ModelVersion {
  const found = typeof version === 'number' ? doc.versions.find((v) => v.version === version) : doc.versions.findLast((v) => v.stage === version);
  if (!found) {
    const what = typeof version === 'number' ? `version ${version}` : `a ${version} version`;
    throw new RegistryError(`model ${doc.name} has no ${what} (versions: ${doc.versions.map((v) => `${v.version}:${v.stage}`).join(', ') || 'none'})`);
  }
  return found;
}

function change(v: ModelVersion, to: Stage, action: 'promote' | 'rollback'): ModelDoc['changes'][number] {
  return { at: new Date().toISOString(), version: v.version, from: v.stage, to, action };
}
