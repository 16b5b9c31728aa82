import { headers } from '@nats-io/transport-node';
import { RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { ArtifactStoreError } from '../errors.js';
import { MAX_MESSAGE_BYTES, subjects } from '../nats/subjects.js';

/** Header carrying the byte offset in the log where a message's bytes start. */
const OFFSET_HEADER = 'Signflow-Log-Offset';
const READ_BATCH = 256;

/** The JetStream stream that holds the logs of artifact store `bucket`. */
export function artifactLogStream(bucket: string): string {
  return `SIGNFLOW_ARTIFACT_LOGS_${bucket}`;
}

function encodeKey(key: string): string {
  return Buffer.from(key).toString('base64url');
}

function startOf(msg: StoredMsg): number {
  const value = Number(msg.header.get(OFFSET_HEADER));
  if (!Number.isSafeInteger(value) || value < 0) throw new ArtifactStoreError(`log message ${msg.subject}#${msg.seq} has no ${OFFSET_HEADER} header: not written by signflow`);
  return value;
}

/** Where a log ends: its last message's stream sequence and the byte offset after it (0, 0 when empty). */
interface Tail {
  seq: number;
  end: number;
}

/**
 * Step logs in a JetStream stream: an append is one message (split at 512 KiB) on the log's own
 * subject, stamped with the byte offset it starts at, so appends cost one publish and a read from
 * an offset finds its first message by a binary search over direct gets (the tail a follower polls
 * is one request away). Concurrent writers stay consistent: each publish expects the subject's
 * last sequence and re-reads the tail when another writer got there first.
 */
export class NatsLogStreams {
  private readonly tails = new Map<string, Tail>();
  private readonly queues = new Map<string, Promise<void>>();

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly bucket: string,
    private readonly stream: string,
  ) {}

  static async open(js: JetStreamClient, jsm: JetStreamManager, bucket: string, replicas: number): Promise<NatsLogStreams> {
    const stream = artifactLogStream(bucket);
    const config = { name: stream, subjects: [subjects.artifactLogsOf(bucket)], storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: replicas, allow_direct: true, description: `signflow step logs of artifact store ${bucket}` };
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add(config).catch(async (err: unknown) => {
        // another process created it meanwhile
        await jsm.streams.info(stream).catch(() => {
          throw err;
        });
      });
    }
    return new NatsLogStreams(js, jsm, bucket, stream);
  }

  uri(key: string): string {
    return `nats://${this.bucket}/logs/${key}`;
  }

  private subject(key: string): string {
    return subjects.artifactLog(this.bucket, encodeKey(key));
  }

  private async readTail(subject: string): Promise<Tail> {
    const last = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subject });
    return last ? { seq: last.seq, end: startOf(last) + last.data.length } : { seq: 0, end: 0 };
  }

  /** Appends in order per key (calls on one store are queued), one publish per ≤ 512 KiB piece. */
  append(key: string, chunk: string): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.appendNow(key, Buffer.from(chunk)));
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  private async appendNow(key: string, bytes: Buffer): Promise<void> {
    const subject = this.subject(key);
    for (let at = 0; at < bytes.length; at += MAX_MESSAGE_BYTES) {
      const piece = bytes.subarray(at, at + MAX_MESSAGE_BYTES);
      for (let attempt = 0; ; attempt++) {
        const tail = this.tails.get(key) ?? (await this.readTail(subject));
        const h = headers();
        h.set(OFFSET_HEADER, String(tail.end));
        try {
          const ack = await this.js.publish(subject, piece, { headers: h, expect: { lastSubjectSequence: tail.seq } });
          this.tails.set(key, { seq: ack.seq, end: tail.end + piece.length });
          break;
        } catch (err) {
          this.tails.delete(key); // another writer appended: read the tail again
          if (attempt >= 5) throw new ArtifactStoreError(`cannot append to log ${this.uri(key)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      }
    }
  }

  /** The log from byte `offset` up to its end when read; undefined when the log has no message. */
  async read(key: string, offset = 0): Promise<{ text: string; size: number } | undefined> {
    const subject = this.subject(key);
    const last = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subject });
    if (!last) return undefined;
    const size = startOf(last) + last.data.length;
    if (offset >= size) return { text: '', size };
    const first = await this.find(subject, offset, last);
    const parts: Uint8Array[] = [];
    let seq = first.seq;
    let skip = offset - startOf(first);
    for (let done = false; !done; ) {
      let got = 0;
      for await (const msg of await this.jsm.direct.getBatch(this.stream, { seq, next_by_subj: subject, batch: READ_BATCH })) {
        got++;
        parts.push(skip > 0 ? msg.data.subarray(skip) : msg.data);
        skip = 0;
        seq = msg.seq + 1;
        if (msg.seq >= last.seq) done = true;
        if (done) break;
      }
      if (got === 0) throw new ArtifactStoreError(`log ${this.uri(key)}: messages up to #${last.seq} are missing from stream ${this.stream}`);
    }
    return { text: Buffer.concat(parts).toString('utf8'), size };
  }

  /** The message holding byte `offset`: the last one starting at or before it (binary search by sequence). */
  private async find(subject: string, offset: number, last: StoredMsg): Promise<StoredMsg> {
    if (startOf(last) <= offset) return last;
    const next = async (seq: number): Promise<StoredMsg> => {
      const msg = await this.jsm.direct.getMessage(this.stream, { next_by_subj: subject, seq });
      if (!msg) throw new ArtifactStoreError(`log ${subject}: no message at or after #${seq} in stream ${this.stream}`);
      return msg;
    };
    let lo = await next(1);
    let hi = last.seq;
    while (lo.seq < hi) {
      const mid = Math.floor((lo.seq + hi + 1) / 2);
      const msg = await next(mid);
      if (startOf(msg) <= offset) lo = msg;
      else hi = mid - 1;
    }
    return lo;
  }
}
