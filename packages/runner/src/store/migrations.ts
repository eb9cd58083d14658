import type Database from "better-sqlite3"

/**
 * Schema changes in order. Migration i (0-based) brings the database to version i + 1, recorded
 * in `PRAGMA user_version`. Append new migrations; never edit one that has shipped, since
 * existing stores have already applied it.
 */
export interface Migration {
  readonly description: string
  readonly sql: string
}

export const migrations: ReadonlyArray<Migration> = [
  {
    description: "experiments, runs, results and metrics",
    sql: `
      CREATE TABLE experiments (
        name        TEXT PRIMARY KEY,
        spec_json   TEXT,
        created_at  TEXT NOT NULL
      );
      CREATE TABLE runs (
        id           TEXT PRIMARY KEY,
        experiment   TEXT NOT NULL REFERENCES experiments(name),
        budget       REAL NOT NULL,
        params       INTEGER NOT NULL,
        tokens       INTEGER NOT NULL,
        flops        REAL NOT NULL,
        spec_json    TEXT NOT NULL,
        status       TEXT NOT NULL DEFAULT 'planned'
                     CHECK (status IN ('planned', 'running', 'completed', 'failed', 'diverged')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        backend      TEXT,
        error        TEXT,
        started_at   TEXT,
        finished_at  TEXT
      );
      CREATE INDEX runs_by_experiment ON runs(experiment);
      CREATE TABLE results (
        run_id        TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        val_loss      REAL NOT NULL,
        train_loss    REAL NOT NULL,
        wall_s        REAL NOT NULL,
        tokens_per_s  REAL NOT NULL,
        result_json   TEXT NOT NULL
      );
      CREATE TABLE metrics (
        run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step    INTEGER NOT NULL,
        json    TEXT NOT NULL
      );
      CREATE INDEX metrics_by_run ON metrics(run_id, step);
    `
  },
  {
    // SQLite cannot change a CHECK constraint in place, so \`runs\` is rebuilt by its documented
    // procedure (https://sqlite.org/lang_altertable.html#otheralter): new table, copy, drop, rename.
    // Renaming the copy onto the old name keeps the REFERENCES runs(id) of results and metrics.
    description: "interrupted runs, plan reasons, executors; attempts and fits",
    sql: `
      CREATE TABLE runs_new (
        id           TEXT PRIMARY KEY,
        experiment   TEXT NOT NULL REFERENCES experiments(name),
        budget       REAL NOT NULL,
        params       INTEGER NOT NULL,
        tokens       INTEGER NOT NULL,
        flops        REAL NOT NULL,
        spec_json    TEXT NOT NULL,
        plan_reason  TEXT,
        status       TEXT NOT NULL DEFAULT 'planned'
                     CHECK (status IN ('planned', 'running', 'completed', 'failed', 'diverged', 'interrupted')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        executor     TEXT,
        backend      TEXT,
        error        TEXT,
        started_at   TEXT,
        finished_at  TEXT
      );
      INSERT INTO runs_new (id, experiment, budget, params, tokens, flops, spec_json, status, attempts,
        backend, error, started_at, finished_at)
      SELECT id, experiment, budget, params, tokens, flops, spec_json, status, attempts,
        backend, error, started_at, finished_at
      FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_new RENAME TO runs;
      CREATE INDEX runs_by_experiment ON runs(experiment);
      CREATE TABLE attempts (
        run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        attempt      INTEGER NOT NULL,
        executor     TEXT,
        lr           REAL,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        outcome      TEXT NOT NULL
                     CHECK (outcome IN ('running', 'completed', 'diverged', 'failed', 'interrupted', 'abandoned')),
        kind         TEXT,
        reason       TEXT,
        log_tail     TEXT,
        exit_code    INTEGER,
        job_id       TEXT,
        PRIMARY KEY (run_id, attempt)
      );
      CREATE TABLE fits (
        id          INTEGER PRIMARY KEY,
        experiment  TEXT NOT NULL REFERENCES experiments(name),
        method      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        json        TEXT NOT NULL
      );
      CREATE INDEX fits_by_method ON fits(experiment, method, id);
    `
  },
  {
    // A mixture of experts' params are its active parameters; params_total counts every expert.
    // Every run stored before mixtures of experts existed is dense: its total is its params.
    description: "runs' total parameters beside params (the active ones)",
    sql: `
      ALTER TABLE runs ADD COLUMN params_total INTEGER NOT NULL DEFAULT 0;
      UPDATE runs SET params_total = params;
    `
  },
  {
    // Null for runs that did not measure it (eval.memorization off, or an external trainer). Results
    // stored before the column existed keep whatever their result.json holds.
    description: "results' memorization rate",
    sql: `
      ALTER TABLE results ADD COLUMN memorization REAL;
      UPDATE results SET memorization = json_extract(result_json, '$.memorization');
    `
  }
]

export const latestVersion = migrations.length

const schemaVersion = (db: Database): number => Number(db.pragma("user_version", { simple: true }))

/**
 * Applies the migrations the database lacks and returns the version found before. Runs under
 * BEGIN IMMEDIATE so that two processes opening a fresh store cannot both migrate it.
 *
 * Foreign keys are off meanwhile: with them on, dropping a rebuilt parent table deletes its rows
 * first, and ON DELETE CASCADE would take the children's rows (results, metrics) with them.
 * The pragma is a no-op inside a transaction, hence outside; the keys are checked before commit.
 */
export const applyMigrations = (db: Database): number => {
  db.pragma("foreign_keys = OFF")
  try {
    return db.transaction(() => {
      const found = schemaVersion(db)
      for (let version = found; version < latestVersion; version++) {
        const migration = migrations[version]
        if (migration === undefined) break
        db.exec(migration.sql)
        db.pragma(`user_version = ${version + 1}`)
      }
      if (found < latestVersion) {
        const dangling = db.pragma("foreign_key_check")
        if (dangling.length > 0) {
          throw new Error(
            `migrating left ${dangling.length} rows referring to rows that do not exist ` +
              `(first: ${JSON.stringify(dangling[0])}); the store was left unchanged`
          )
        }
      }
      return found
    }).immediate()
  } finally {
    db.pragma("foreign_keys = ON")
  }
}
