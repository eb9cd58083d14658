import type Database from "better-sqlite3"

/** Every statement the store runs, prepared once when the store opens. */
export const prepareStatements = (db: Database) => ({
  upsertExperiment: db.prepare(`
    INSERT INTO experiments (name, spec_json, created_at) VALUES (@name, @spec_json, @now)
    ON CONFLICT (name) DO UPDATE SET spec_json = COALESCE(excluded.spec_json, experiments.spec_json)`),
  insertPlanned: db.prepare(`
    INSERT INTO runs (id, experiment, budget, params, tokens, flops, spec_json, backend)
    VALUES (@id, @experiment, @budget, @params, @tokens, @flops, @spec_json, @backend)
    ON CONFLICT (id) DO NOTHING`),
  markRunning: db.prepare(`
    UPDATE runs SET status = 'running', attempts = @attempt, started_at = @now, finished_at = NULL,
      error = NULL
    WHERE id = @id`),
  deleteResult: db.prepare(`DELETE FROM results WHERE run_id = ?`),
  deleteMetrics: db.prepare(`DELETE FROM metrics WHERE run_id = ?`),
  markFinished: db.prepare(`
    UPDATE runs SET status = @status, backend = @backend, error = NULL, finished_at = @now
    WHERE id = @id`),
  upsertResult: db.prepare(`
    INSERT INTO results (run_id, val_loss, train_loss, wall_s, tokens_per_s, result_json)
    VALUES (@run_id, @val_loss, @train_loss, @wall_s, @tokens_per_s, @result_json)
    ON CONFLICT (run_id) DO UPDATE SET val_loss = excluded.val_loss, train_loss = excluded.train_loss,
      wall_s = excluded.wall_s, tokens_per_s = excluded.tokens_per_s, result_json = excluded.result_json`),
  insertMetric: db.prepare(`INSERT INTO metrics (run_id, step, json) VALUES (?, ?, ?)`),
  markFailed: db.prepare(`
    UPDATE runs SET status = 'failed', error = @reason, finished_at = @now WHERE id = @id`),
  listRuns: db.prepare(`
    SELECT id, experiment, budget, params, tokens, flops, status, attempts, backend, error,
      started_at, finished_at
    FROM runs WHERE @experiment IS NULL OR experiment = @experiment
    ORDER BY experiment, budget, params, id`),
  results: db.prepare(`
    SELECT r.id AS run_id, r.experiment, r.budget, r.params, r.tokens, r.flops, s.val_loss AS loss,
      s.train_loss, json_extract(r.spec_json, '$.seed') AS seed, r.backend, s.wall_s, s.tokens_per_s
    FROM runs r JOIN results s ON s.run_id = r.id
    WHERE r.status = 'completed' AND (@experiment IS NULL OR r.experiment = @experiment)
    ORDER BY r.experiment, r.budget, r.params, r.id`)
})
