import type Database from "better-sqlite3"

/** Every statement the store runs, prepared once when the store opens. */
export const prepareStatements = (db: Database) => ({
  upsertExperiment: db.prepare(`
    INSERT INTO experiments (name, spec_json, created_at) VALUES (@name, @spec_json, @now)
    ON CONFLICT (name) DO UPDATE SET spec_json = COALESCE(excluded.spec_json, experiments.spec_json)`),
  experimentExists: db.prepare(`SELECT 1 FROM experiments WHERE name = ?`),
  // A known run keeps its state; only a newly given reason replaces the recorded one.
  insertPlanned: db.prepare(`
    INSERT INTO runs (id, experiment, budget, params, params_total, tokens, flops, spec_json, backend, plan_reason)
    VALUES (@id, @experiment, @budget, @params, @params_total, @tokens, @flops, @spec_json, @backend, @plan_reason)
    ON CONFLICT (id) DO UPDATE SET plan_reason = excluded.plan_reason
    WHERE excluded.plan_reason IS NOT NULL`),
  runExists: db.prepare(`SELECT 1 FROM runs WHERE id = ?`),
  runningAttempt: db.prepare(`
    SELECT attempt, started_at FROM attempts WHERE run_id = ? AND outcome = 'running'`),
  attemptExists: db.prepare(`SELECT 1 FROM attempts WHERE run_id = ? AND attempt = ?`),
  markRunning: db.prepare(`
    UPDATE runs SET status = 'running', attempts = attempts + 1, executor = @executor, started_at = @now,
      finished_at = NULL, error = NULL
    WHERE id = @id
    RETURNING attempts`),
  insertAttempt: db.prepare(`
    INSERT INTO attempts (run_id, attempt, executor, lr, started_at, outcome)
    VALUES (@run_id, @attempt, @executor, @lr, @now, 'running')`),
  closeAttempt: db.prepare(`
    UPDATE attempts SET outcome = @outcome, finished_at = @now, kind = @kind, reason = @reason,
      log_tail = @log_tail, exit_code = @exit_code, job_id = COALESCE(@job_id, job_id)
    WHERE run_id = @run_id AND attempt = @attempt`),
  interruptAttempt: db.prepare(`
    UPDATE attempts SET outcome = 'interrupted', finished_at = @now
    WHERE run_id = @run_id AND attempt = @attempt AND outcome = 'running'`),
  interruptRun: db.prepare(`
    UPDATE runs SET status = 'interrupted', finished_at = @now WHERE id = @id AND status = 'running'`),
  // The end of an abandoned attempt is unknown, so finished_at stays NULL.
  abandonAttempts: db.prepare(`
    UPDATE attempts SET outcome = 'abandoned',
      reason = 'the scalelab running it stopped without recording how it ended'
    WHERE outcome = 'running'
      AND (@experiment IS NULL OR run_id IN (SELECT id FROM runs WHERE experiment = @experiment))
    RETURNING run_id, attempt`),
  interruptRunningRuns: db.prepare(`
    UPDATE runs SET status = 'interrupted'
    WHERE status = 'running' AND (@experiment IS NULL OR experiment = @experiment)`),
  deleteResult: db.prepare(`DELETE FROM results WHERE run_id = ?`),
  deleteMetrics: db.prepare(`DELETE FROM metrics WHERE run_id = ?`),
  markFinished: db.prepare(`
    UPDATE runs SET status = @status, backend = @backend, error = NULL, finished_at = @now
    WHERE id = @id`),
  upsertResult: db.prepare(`
    INSERT INTO results (run_id, val_loss, train_loss, wall_s, tokens_per_s, memorization, result_json)
    VALUES (@run_id, @val_loss, @train_loss, @wall_s, @tokens_per_s, @memorization, @result_json)
    ON CONFLICT (run_id) DO UPDATE SET val_loss = excluded.val_loss, train_loss = excluded.train_loss,
      wall_s = excluded.wall_s, tokens_per_s = excluded.tokens_per_s, memorization = excluded.memorization,
      result_json = excluded.result_json`),
  experiments: db.prepare(`SELECT name, created_at FROM experiments ORDER BY name`),
  experimentSpec: db.prepare(`SELECT spec_json FROM experiments WHERE name = ?`),
  metrics: db.prepare(`SELECT json FROM metrics WHERE run_id = ? ORDER BY step, rowid`),
  insertMetric: db.prepare(`INSERT INTO metrics (run_id, step, json) VALUES (?, ?, ?)`),
  markFailed: db.prepare(`
    UPDATE runs SET status = 'failed', error = @reason, finished_at = @now WHERE id = @id`),
  listRuns: db.prepare(`
    SELECT id, experiment, budget, params, params_total, tokens, flops, plan_reason, status, attempts, executor,
      backend, error, started_at, finished_at
    FROM runs
    WHERE (@experiment IS NULL OR experiment = @experiment)
      AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
    ORDER BY experiment, budget, params, id`),
  attempts: db.prepare(`
    SELECT run_id, attempt, executor, lr, started_at, finished_at, outcome, kind, reason, log_tail,
      exit_code, job_id
    FROM attempts WHERE @run_id IS NULL OR run_id = @run_id
    ORDER BY run_id, attempt`),
  results: db.prepare(`
    SELECT r.id AS run_id, r.experiment, r.budget, r.params, r.params_total, r.tokens, r.flops, s.val_loss AS loss,
      s.train_loss, json_extract(r.spec_json, '$.seed') AS seed, r.backend, s.wall_s, s.tokens_per_s,
      json_extract(s.result_json, '$.cloze_accuracy') AS cloze_accuracy, json_extract(s.result_json, '$.cloze_nll') AS cloze_nll,
      s.memorization
    FROM runs r JOIN results s ON s.run_id = r.id
    WHERE r.status = 'completed' AND (@experiment IS NULL OR r.experiment = @experiment)
    ORDER BY r.experiment, r.budget, r.params, r.id`),
  insertFit: db.prepare(`
    INSERT INTO fits (experiment, method, created_at, json) VALUES (@experiment, @method, @now, @json)`),
  latestFit: db.prepare(`
    SELECT created_at, json FROM fits WHERE experiment = ? AND method = ? ORDER BY id DESC LIMIT 1`)
})
