/** Run index migrations, applied in order; `PRAGMA user_version` counts those done. Append only. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    pipeline TEXT NOT NULL,
    pipeline_version TEXT,
    experiment TEXT,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    parameters TEXT NOT NULL,
    outputs TEXT NOT NULL,
    error TEXT,
    retry_of TEXT,
    spec_digest TEXT
  );
  CREATE INDEX runs_by_time ON runs (created_at DESC, run_id DESC);
  CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at DESC, run_id DESC);
  CREATE INDEX runs_by_experiment ON runs (experiment, created_at DESC, run_id DESC);
  CREATE INDEX runs_by_status ON runs (status, created_at DESC, run_id DESC);

  CREATE TABLE steps (
    run_id TEXT NOT NULL,
    step_path TEXT NOT NULL,
    component TEXT,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER,
    finished_at INTEGER,
    inputs TEXT NOT NULL,
    outputs TEXT NOT NULL,
    error TEXT,
    work_ms INTEGER,
    log_key TEXT,
    PRIMARY KEY (run_id, step_path)
  );

  CREATE TABLE specs (
    digest TEXT PRIMARY KEY,
    spec TEXT NOT NULL
  );

  CREATE TABLE pipelines (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    digest TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
  );

  CREATE TABLE experiments (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE artifacts (
    sha256 TEXT PRIMARY KEY,
    uri TEXT NOT NULL,
    kind TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE lineage (
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    relation TEXT NOT NULL,
    run_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (src, dst, relation)
  );
  CREATE INDEX lineage_by_dst ON lineage (dst);
  `,
];
