import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseWith } from '../validation.js';
import { signflowConfigSchema, type SignflowConfig } from './schema.js';

/**
 * Precedence, lowest to highest:
 *   1. built-in defaults
 *   2. the config file: `--config`, else $SIGNFLOW_CONFIG, else ./signflow.yaml if present
 *   3. environment variables (SIGNFLOW_DATA_DIR, SIGNFLOW_NATS_URL, SIGNFLOW_NATS_PORT,
 *      SIGNFLOW_TEMPORAL_ADDRESS, SIGNFLOW_TEMPORAL_PORT, SIGNFLOW_TEMPORAL_UI_PORT,
 *      SIGNFLOW_TEMPORAL_NAMESPACE, SIGNFLOW_API_PORT, SIGNFLOW_LOG_LEVEL,
 *      SIGNFLOW_DATASETS_STORE, SIGNFLOW_DATASETS_BUCKET, SIGNFLOW_ARTIFACT_STORE)
 *   4. command-line flags (passed in as `overrides`)
 */
export interface LoadConfigOptions {
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: SignflowConfig;
  /** The file that was read, if any. */
  file: string | undefined;
}

type Tree = Record<string, unknown>;

const ENV_KEYS: readonly [string, readonly string[], 'string' | 'number'][] = [
  ['SIGNFLOW_DATA_DIR', ['dataDir'], 'string'],
  ['SIGNFLOW_LOG_LEVEL', ['logLevel'], 'string'],
  ['SIGNFLOW_NATS_URL', ['nats', 'url'], 'string'],
  ['SIGNFLOW_NATS_PORT', ['nats', 'port'], 'number'],
  ['SIGNFLOW_NATS_MONITOR_PORT', ['nats', 'monitorPort'], 'number'],
  ['SIGNFLOW_NATS_CREDENTIALS', ['nats', 'credentials'], 'string'],
  ['SIGNFLOW_TEMPORAL_ADDRESS', ['temporal', 'address'], 'string'],
  ['SIGNFLOW_TEMPORAL_PORT', ['temporal', 'port'], 'number'],
  ['SIGNFLOW_TEMPORAL_UI_PORT', ['temporal', 'uiPort'], 'number'],
  ['SIGNFLOW_TEMPORAL_NAMESPACE', ['temporal', 'namespace'], 'string'],
  ['SIGNFLOW_API_PORT', ['api', 'port'], 'number'],
  ['SIGNFLOW_DATASETS_STORE', ['datasets', 'store', 'kind'], 'string'],
  ['SIGNFLOW_DATASETS_BUCKET', ['datasets', 'store', 'bucket'], 'string'],
  ['SIGNFLOW_ARTIFACT_STORE', ['artifacts', 'store'], 'string'],
];

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (isTree(next)) node = next;
    else {
      const created: Tree = {};
      node[key] = created;
      node = created;
    }
  });
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isTree(prev) && isTree(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** Expands a leading `~` to the home directory and makes the path absolute. */
export function expandHome(path: string, cwd = process.cwd()): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return resolve(cwd, path);
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: check the path and its permissions`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new ConfigError(`${path}: not valid YAML${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (!isTree(doc)) throw new ConfigError(`${path}: expected a mapping of settings at the top level`);
  return doc;
}

/** Loads and validates the configuration; a bad field is named in the thrown ValidationError. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.configPath ?? env['SIGNFLOW_CONFIG'];
  let file: string | undefined;
  if (explicit) file = resolve(cwd, explicit);
  else if (existsSync(join(cwd, 'signflow.yaml'))) file = join(cwd, 'signflow.yaml');

  let tree: Tree = file ? readConfigFile(file) : {};
  const fromEnv: Tree = {};
  for (const [name, path, kind] of ENV_KEYS) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(fromEnv, path, kind === 'number' && /^\d+$/.test(raw) ? Number(raw) : raw);
  }
  tree = deepMerge(tree, fromEnv);
  if (options.overrides) tree = deepMerge(tree, options.overrides);

  const config = parseWith(signflowConfigSchema, tree, file ?? 'signflow configuration');
  const nats = config.nats.credentials ? { ...config.nats, credentials: expandHome(config.nats.credentials, cwd) } : config.nats;
  return { config: { ...config, dataDir: expandHome(config.dataDir, cwd), nats }, file };
}
