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
  }
]

export const latestVersion = migrations.length

const schemaVersion = (db: Database): number => Number(db.pragma("user_version", { simple: true }))

/**
 * Applies the migrations the database lacks and returns the version found before. Runs under
 * BEGIN IMMEDIATE so that two processes opening a fresh store cannot both migrate it.
 */
export const applyMigrations = (db: Database): number =>
  db.transaction(() => {
    const found = schemaVersion(db)
    for (let version = found; version < latestVersion; version++) {
      const migration = migrations[version]
      if (migration === undefined) break
      db.exec(migration.sql)
      db.pragma(`user_version = ${version + 1}`)
    }
    return found
  }).immediate()
