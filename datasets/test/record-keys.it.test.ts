import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { subjects, type LandmarkPacket } from '@signflow/core';
import { startTestNats, tempDir } from '@signflow/testkit';
import { DatasetStore, openDataset } from '../src/index.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'cli', 'bin', 'signflow.js');
const BASE = 1_800_000_200_000_000_000n;

function packet(seq: number): LandmarkPacket {
  const x = 600 + seq;
  return {
    v: 1,
    rig: 'booth1',
    camera: 'front',
    seq,
    captureTimeNs: (BASE + BigInt(seq) * 33_333_333n).toString(),
    width: 1280,
    height: 720,
    pose: { score: 0.9, landmarks: Array.from({ length: 33 }, (_, i) => [x + i * 3, 200 + i * 10, 0, 0.95]).flat() },
    hands: [{ handedness: 'right', handednessScore: 0.9, score: 0.9, landmarks: Array.from({ length: 21 }, (_, i) => [x - 100 + i, 300 + i, 0]).flat() }],
    detector: { name: 'synthetic', version: '0', models: {} },
  };
}

async function publish(nc: NatsConnection, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) nc.publish(subjects.landmarks('booth1', 'front'), JSON.stringify(packet(seq)));
  await nc.flush();
}

interface Recorder {
  write(keys: string): void;
  /** Waits until the terminal output (stderr, or the pty) shows `re`; fails with what it did show after 30 s. */
  waitFor(re: RegExp): Promise<void>;
  exited: Promise<number>;
  stdout(): string;
  stderr(): string;
  kill(): void;
}

/** The real command, its keys on a pipe, or on a pseudo-terminal (util-linux `script`) when `pty`. */
function startRecorder(dataDir: string, args: string[], pty: boolean): Recorder {
  const argv = [process.execPath, BIN, ...args];
  const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
  const child = pty
    ? spawn('script', ['-qefc', argv.map(quote).join(' '), '/dev/null'], { env: { ...process.env, SIGNFLOW_DATA_DIR: dataDir }, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(argv[0] ?? '', argv.slice(1), { env: { ...process.env, SIGNFLOW_DATA_DIR: dataDir }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const terminal = () => (pty ? stdout : stderr);
  const wake = () => {
    for (const w of [...waiters]) if (w.re.test(terminal())) w.resolve();
  };
  child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), wake()));
  child.stderr.on('data', (c: Buffer) => ((stderr += c.toString()), wake()));
  const exited = new Promise<number>((res) => child.on('exit', (code) => res(code ?? -1)));
  return {
    write: (keys) => child.stdin.write(keys),
    waitFor: (re) =>
      new Promise<void>((res, rej) => {
        if (re.test(terminal())) return res();
        const timer = setTimeout(() => rej(new Error(`no ${re} within 30 s; output:\n${terminal()}`)), 30_000);
        waiters.push({ re, resolve: () => (clearTimeout(timer), res()) });
      }),
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: () => child.kill(),
  };
}

test('signflow dataset record cuts segments by keystrokes on stdin, against a real nats-server', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const rigFile = join(dir.path, 'rig.yaml');
  await writeFile(rigFile, 'id: booth1\ncameras:\n  - id: front\n');
  const rec = startRecorder(dir.path, ['--json', 'dataset', 'record', '--rig', rigFile, '--name', 'booth', '--glosses', 'hello,thanks', '--nats', nats.url, '--signer', 'ana'], false);
  const nc = await connect({ servers: nats.url });
  try {
    await rec.waitFor(/recording rig booth1 \(front\): keys: 1=hello 2=thanks/);
    await publish(nc, 0, 9); // before any key: not recorded
    rec.write('1');
    await rec.waitFor(/● hello recording/);
    await publish(nc, 10, 39);
    rec.write(' ');
    await rec.waitFor(/■ hello ended \(segment 1\)/);
    await publish(nc, 40, 49); // between segments: not recorded
    nc.publish(subjects.landmarks('booth1', 'front'), JSON.stringify({ v: 1, rig: 'booth1', broken: true }));
    rec.write('9glate\r');
    await rec.waitFor(/no gloss 9/);
    await rec.waitFor(/● late recording/);
    await publish(nc, 50, 74);
    rec.write('q');
    assert.equal(await rec.exited, 0, rec.stderr());
  } finally {
    await nc.close();
    rec.kill();
  }
  const out = JSON.parse(rec.stdout()) as { id: string; samples: number; packets: number; invalidPackets: number; classCounts: Record<string, number> };
  assert.deepEqual(out.classCounts, { hello: 1, late: 1 });
  assert.equal(out.packets, 76);
  assert.equal(out.invalidPackets, 1);
  assert.match(rec.stderr(), /finishing: 2 segment\(s\)/);
  const ds = await openDataset('booth', { store: DatasetStore.local(dir.path) });
  assert.equal(ds.id, out.id);
  const [hello, late] = [await ds.sample(0), await ds.sample(1)];
  assert.deepEqual([hello.id, hello.gloss, hello.frames, hello.signer], ['seg1-hello', 'hello', 30, 'ana'], 'packets 10..39: after the start key, up to the end key');
  assert.deepEqual([late.id, late.gloss, late.frames], ['seg2-late', 'late', 25], 'packets 50..74, typed gloss');
  assert.equal(hello.source, 'key segment 1');
  // the first recorded frame is packet 10: right wrist x = 600 + 10 - 100
  assert.equal(hello.data[(33 + 21) * 4], 510);
});

test('in a real terminal (raw mode), keys act without Enter and Ctrl-C ends the open segment and writes the version', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const rigFile = join(dir.path, 'rig.yaml');
  await writeFile(rigFile, 'id: booth1\ncameras:\n  - id: front\n');
  const rec = startRecorder(dir.path, ['dataset', 'record', '--rig', rigFile, '--name', 'tty', '--glosses', 'hello,thanks', '--nats', nats.url], true);
  const nc = await connect({ servers: nats.url });
  try {
    await rec.waitFor(/recording rig booth1/);
    rec.write('2');
    await rec.waitFor(/● thanks recording/);
    await publish(nc, 0, 19);
    rec.write('\x03');
    await rec.waitFor(/finishing: 1 segment\(s\)/);
    assert.equal(await rec.exited, 0, rec.stdout());
  } finally {
    await nc.close();
    rec.kill();
  }
  assert.match(rec.stdout(), /tty @ [0-9a-f]{64}\r?\n1 samples from 20 packets/);
  const s = await (await openDataset('tty', { store: DatasetStore.local(dir.path) })).sample(0);
  assert.deepEqual([s.gloss, s.frames], ['thanks', 20]);
});
