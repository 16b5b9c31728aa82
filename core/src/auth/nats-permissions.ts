import { z } from 'zod';
import { artifactLogStream } from '../artifacts/nats-logs.js';
import { subjectToken, subjects, kvBuckets, objectStores, streams } from '../nats/subjects.js';
import { parseWith } from '../validation.js';
import { NatsAuthConfigError } from './errors.js';

/**
 * Who may connect to NATS and what each may do. Tenants own rigs; a camera user publishes only its
 * own rig/camera subjects and heartbeat keys; a viewer only subscribes to its tenant's captions and
 * fleet status; operators read everything and drive runs and cameras; a step user (what pipeline
 * step processes connect as) reads and writes only the artifact and dataset buckets and publishes
 * run metrics and model events; admin/service users (the signflow services themselves) have full
 * access.
 */
export const natsAuthSpecSchema = z
  .object({
    tenants: z.record(subjectToken, z.object({ rigs: z.array(subjectToken).min(1) }).strict()).default({}),
    users: z
      .array(
        z.discriminatedUnion('kind', [
          z.object({ kind: z.enum(['admin', 'service', 'operator']), name: subjectToken }).strict(),
          z.object({ kind: z.literal('viewer'), name: subjectToken, tenant: subjectToken }).strict(),
          z
            .object({
              kind: z.literal('step'),
              name: subjectToken,
              /** Artifact stores (`nats://<bucket>`) the step opens: the object store bucket and its logs stream. */
              artifactBuckets: z.array(subjectToken).min(1).default([objectStores.artifacts]),
              /** Dataset stores (`datasets.store.bucket`) the step opens. */
              datasetBuckets: z.array(subjectToken).default([objectStores.datasets]),
            })
            .strict(),
          z.object({ kind: z.literal('camera'), name: subjectToken, tenant: subjectToken, rig: subjectToken, cameras: z.array(subjectToken).min(1) }).strict(),
        ]),
      )
      .min(1),
  })
  .strict();

export type NatsAuthSpec = z.output<typeof natsAuthSpecSchema>;
export type NatsUserSpec = NatsAuthSpec['users'][number];

export interface NatsPermissions {
  publish: { allow?: string[]; deny?: string[] };
  subscribe: { allow?: string[]; deny?: string[] };
}

/** Each user's replies arrive under its own inbox prefix, so no one else can subscribe to them. */
export function inboxPrefixFor(user: string): string {
  return `_INBOX_${user}`;
}

const kvSubject = (bucket: string, key: string): string => `$KV.${bucket}.${key}`;
const streamInfo = (stream: string): string => `$JS.API.STREAM.INFO.${stream}`;

/**
 * What opening, reading and writing one object store bucket takes (@nats-io/obj): its chunk and
 * meta subjects; stream info (opening, checking chunks) and create (the first opener creates a
 * missing bucket); purge (an overwritten object's old chunks); message gets (object info); and
 * the ordered push consumers a read or a listing makes on its stream (create, info, delete),
 * with their flow control replies (a read of many chunks stalls without them).
 */
function objectStorePublish(bucket: string): string[] {
  const stream = `OBJ_${bucket}`;
  return [
    `$O.${bucket}.>`,
    streamInfo(stream),
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.PURGE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.CONSUMER.*.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * An artifact store's step-log stream, as far as a step touches it: opening the store checks the
 * stream (creating it when missing). Steps never append or read logs: they write to stdout and
 * the pipeline worker appends that to the log, so a step cannot rewrite its own or another's.
 */
function logStreamPublish(bucket: string): string[] {
  const stream = artifactLogStream(bucket);
  return [streamInfo(stream), `$JS.API.STREAM.CREATE.${stream}`];
}

/**
 * The permissions of a pipeline step process (`signflow-step`): read and write the artifact and
 * dataset buckets, publish per-epoch run metrics and model registry events (register/promote
 * steps); nothing on frames, landmarks, captions, the camera bucket or run events.
 */
export function stepPermissions(buckets: { artifactBuckets: readonly string[]; datasetBuckets: readonly string[] }, inbox: string): NatsPermissions {
  const objectBuckets = [...new Set([...buckets.artifactBuckets, ...buckets.datasetBuckets])];
  return {
    publish: {
      allow: [
        '$JS.API.INFO',
        ...objectBuckets.flatMap(objectStorePublish),
        ...buckets.artifactBuckets.flatMap(logStreamPublish),
        subjects.allRunMetrics,
        subjects.allModelEvents,
      ],
    },
    subscribe: { allow: [inbox] },
  };
}

/** The publish/subscribe permissions of one user. */
export function permissionsFor(user: NatsUserSpec, spec: NatsAuthSpec): NatsPermissions {
  const inbox = `${inboxPrefixFor(user.name)}.>`;
  switch (user.kind) {
    case 'admin':
    case 'service':
      return { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
    case 'operator':
      return {
        publish: {
          allow: [
            subjects.allRuns,
            `$KV.${kvBuckets.cameras}.>`,
            '$JS.API.INFO',
            '$JS.API.STREAM.INFO.>',
            '$JS.API.STREAM.NAMES',
            '$JS.API.STREAM.LIST',
            '$JS.API.CONSUMER.>',
            '$JS.API.DIRECT.GET.>',
            '$JS.API.STREAM.MSG.GET.>',
            '$JS.ACK.>',
            '$JS.FC.>',
          ],
        },
        subscribe: { allow: ['signflow.>', `$KV.${kvBuckets.cameras}.>`, inbox] },
      };
    case 'step':
      return stepPermissions(user, inbox);
    case 'viewer': {
      const tenant = spec.tenants[user.tenant];
      if (!tenant) throw new NatsAuthConfigError(`viewer ${user.name}: unknown tenant "${user.tenant}"; add it under tenants`);
      return {
        publish: { deny: ['>'] },
        subscribe: { allow: [...tenant.rigs.map((rig) => subjects.captions(rig)), ...tenant.rigs.map((rig) => kvSubject(kvBuckets.cameras, `${rig}.*`)), inbox] },
      };
    }
    case 'camera': {
      const tenant = spec.tenants[user.tenant];
      if (!tenant) throw new NatsAuthConfigError(`camera ${user.name}: unknown tenant "${user.tenant}"; add it under tenants`);
      if (!tenant.rigs.includes(user.rig)) {
        throw new NatsAuthConfigError(`camera ${user.name}: rig "${user.rig}" is not one of tenant ${user.tenant}'s rigs (${tenant.rigs.join(', ')})`);
      }
      const own = user.cameras.flatMap((camera) => [
        subjects.frames(user.rig, camera),
        subjects.landmarks(user.rig, camera),
        kvSubject(kvBuckets.cameras, `${user.rig}.${camera}`),
      ]);
      return {
        publish: {
          allow: [
            ...own,
            '$JS.API.INFO',
            streamInfo(streams.frames),
            streamInfo(streams.landmarks),
            streamInfo(`KV_${kvBuckets.cameras}`),
          ],
        },
        subscribe: { allow: [inbox] },
      };
    }
  }
}

/** Validates a spec (from YAML/JSON) and checks that names are unique. */
export function parseNatsAuthSpec(value: unknown, source = 'NATS users'): NatsAuthSpec {
  const spec = parseWith(natsAuthSpecSchema, value, source);
  const seen = new Set<string>();
  for (const user of spec.users) {
    if (seen.has(user.name)) throw new NatsAuthConfigError(`${source}: user "${user.name}" appears twice; names must be unique`);
    seen.add(user.name);
  }
  for (const user of spec.users) permissionsFor(user, spec); // reports unknown tenants / rigs up front
  return spec;
}
