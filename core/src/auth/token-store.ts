import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseWith } from '../validation.js';
import { TokenStoreError } from './errors.js';
import { roleSchema, type Role } from './roles.js';

/** `sft_<id>_<secret>`: the id finds the record, the secret is checked against its scrypt hash. */
const TOKEN_PATTERN = /^sft_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

const recordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: z.string().min(1).max(100),
  role: roleSchema,
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  /** scrypt$N$r$p$<salt b64>$<hash b64> */
  hash: z.string().startsWith('scrypt$'),
});
const fileSchema = z.object({ version: z.literal(1), tokens: z.array(recordSchema) });

export type TokenRecord = z.infer<typeof recordSchema>;
/** What `ls` shows: never the hash. */
export type TokenInfo = Omit<TokenRecord, 'hash'>;
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
}

function scrypt(secret: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(secret, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

function info(record: TokenRecord): TokenInfo {
  const { hash: _hash, ...rest } = record;
  return rest;
}

/**
 * API tokens kept hashed (scrypt, per-token salt) in `<dataDir>/auth/tokens.json` (mode 0600).
 * The plaintext token is returned once by `create` and never stored or logged. Verified tokens
 * are remembered in memory by their SHA-256 for a minute so each request does not pay scrypt;
 * a revoke (from any process) is seen at once because the file's mtime is checked.
 */
export class TokenStore {
  readonly file: string;
  private cache = new Map<string, { principal: Principal; until: number }>();
  private loadedMtime = -1;
  private records: TokenRecord[] = [];

  constructor(dataDir: string) {
    this.file = join(dataDir, 'auth', 'tokens.json');
  }

  private load(): TokenRecord[] {
    let mtime: number;
    try {
      mtime = statSync(this.file).mtimeMs;
    } catch {
      this.records = [];
      this.loadedMtime = -1;
      return this.records;
    }
    if (mtime === this.loadedMtime) return this.records;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new TokenStoreError(`${this.file} is not valid JSON: fix or remove it, then create tokens again`, { cause: err });
    }
    this.records = parseWith(fileSchema, doc, this.file).tokens;
    this.loadedMtime = mtime;
    this.cache.clear();
    return this.records;
  }

  private save(records: TokenRecord[]): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, tokens: records }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    this.records = records;
    this.loadedMtime = statSync(this.file).mtimeMs;
    this.cache.clear();
  }

  /** Creates a token; the returned `token` is the only time the secret is visible. */
  async create(options: { name: string; role: Role; expiresAt?: Date }): Promise<{ token: string; info: TokenInfo }> {
    const name = options.name.trim();
    if (!name) throw new TokenStoreError('a token needs a name (--name), e.g. "ci" or "alice"');
    const records = this.load();
    if (records.some((r) => r.name === name)) throw new TokenStoreError(`a token named "${name}" exists: revoke it first or pick another name`);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: TokenRecord = {
      id,
      name,
      role: parseWith(roleSchema, options.role, 'role'),
      createdAt: new Date().toISOString(),
      ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
      hash: await hashSecret(secret),
    };
    this.save([...records, record]);
    return { token: `sft_${id}_${secret}`, info: info(record) };
  }

  list(): TokenInfo[] {
    return this.load().map(info);
  }

  /** Revokes by id or name; returns what was removed. */
  revoke(idOrName: string): TokenInfo {
    const records = this.load();
    const found = records.find((r) => r.id === idOrName || r.name === idOrName);
    if (!found) throw new TokenStoreError(`no token with id or name "${idOrName}": see \`signflow token ls\``);
    this.save(records.filter((r) => r !== found));
    return info(found);
  }

  /** The principal a presented token stands for, or undefined when it is unknown, wrong or expired. */
  async verify(token: string, now = new Date()): Promise<Principal | undefined> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return undefined;
    const [, id, secret] = match;
    if (!id || !secret) return undefined;
    const records = this.load();
    const digest = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(digest);
    const record = records.find((r) => r.id === id);
    if (!record) return undefined;
    if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) return undefined;
    if (cached && cached.until > now.getTime()) return cached.principal;
    if (!(await verifySecret(secret, record.hash))) return undefined;
    const principal: Principal = { tokenId: record.id, name: record.name, role: record.role };
    this.cache.set(digest, { principal, until: now.getTime() + 60_000 });
    return principal;
  }
}
