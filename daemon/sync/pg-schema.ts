// The team store's schema in PostgreSQL, versioned like the local one: each entry moves
// the database one version up, recorded in fragd_schema_migrations. Never edit a shipped
// entry: append one. Every fragd of every team migrates on connect, under an advisory lock
// so two daemons starting together do not both apply a version.
import type { ClientBase } from 'pg';

export const pgMigrations: readonly string[] = [
  `
  -- One row per machine of a team: which fragd database owns the name, and when it last
  -- pushed and pulled. A second database under the same name is refused (it would
  -- overwrite the first one's rows).
  CREATE TABLE fragd_machines (
    team text NOT NULL,
    machine text NOT NULL,
    db_id text NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_push_at timestamptz,
    last_pull_at timestamptz,
    PRIMARY KEY (team, machine)
  );

  -- Every synced row of every machine, as its latest version. The key is the idempotent
  -- id of a change (team, machine, table, local row id): a push repeated after a crash
  -- finds its rows there and changes nothing (version guards the upsert). seq orders
  -- changes for the pullers; pushes of a team are serialised so seq commits in order.
  CREATE SEQUENCE fragd_rows_seq;
  CREATE TABLE fragd_rows (
    team text NOT NULL,
    machine text NOT NULL,
    tbl text NOT NULL,
    row_id bigint NOT NULL,
    version bigint NOT NULL,
    deleted boolean NOT NULL DEFAULT false,
    data jsonb,
    seq bigint NOT NULL DEFAULT nextval('fragd_rows_seq'),
    pushed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team, machine, tbl, row_id)
  );
  CREATE INDEX fragd_rows_pull ON fragd_rows (team, seq);
  CREATE INDEX fragd_rows_intervals ON fragd_rows (team, ((data->>'started_at')::bigint)) WHERE tbl = 'intervals';

  -- Claims across machines: at most one active holder per task of a team, enforced by
  -- the unique index, so two machines asking at once get one yes and one no.
  CREATE TABLE fragd_claims (
    id bigserial PRIMARY KEY,
    team text NOT NULL,
    task_code text NOT NULL,
    machine text NOT NULL,
    actor text NOT NULL,
    session_key text,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz,
    active boolean NOT NULL DEFAULT true
  );
  CREATE UNIQUE INDEX fragd_claims_one_holder ON fragd_claims (team, lower(task_code)) WHERE active;
  CREATE INDEX fragd_claims_machine ON fragd_claims (team, machine) WHERE active;
  `,
  `
  -- Take-over across machines: how a claim was taken, and on an ended claim who took it,
  -- so the machine that lost it can say so.
  ALTER TABLE fragd_claims
    ADD COLUMN how text NOT NULL DEFAULT 'activate',
    ADD COLUMN taken_by_machine text,
    ADD COLUMN taken_by_actor text;
  `,
  `
  -- Pulls read the work items changed since their cursor; on the (team, seq) index that walked
  -- every interval and activity pushed since the last plan edit, on every pull.
  CREATE INDEX fragd_rows_work_pull ON fragd_rows (team, seq) WHERE tbl IN ('projects', 'sprints', 'tasks');
  `,
  `
  -- Exactly once: a completed or cancelled task keeps a *closed* claim, the one active row
  -- the unique index allows for it, so no machine can be granted it again. The push that
  -- carries the completion closes the claim in the same statement; a later push of the task
  -- open again (reopened, a later updated_at than the completion) ends the closed claim.
  ALTER TABLE fragd_claims
    ADD COLUMN closed boolean NOT NULL DEFAULT false,
    ADD COLUMN closed_updated_at bigint,
    ADD COLUMN changed bigint NOT NULL DEFAULT nextval('fragd_rows_seq');
  CREATE INDEX fragd_claims_changed ON fragd_claims (team, changed);
  INSERT INTO fragd_claims (team, task_code, machine, actor, how, closed, closed_updated_at)
  SELECT team, data->>'code', machine, 'fragd', 'closed', true, (data->>'updated_at')::bigint
    FROM (SELECT DISTINCT ON (team, lower(data->>'code')) team, machine, data FROM fragd_rows
           WHERE tbl = 'tasks' AND NOT deleted AND data->>'code' IS NOT NULL AND data->>'parent_id_code' IS NULL
           ORDER BY team, lower(data->>'code'), (data->>'updated_at')::bigint DESC, machine DESC) latest
   WHERE data->>'status' IN ('completed', 'cancelled')
  ON CONFLICT (team, lower(task_code)) WHERE active DO UPDATE SET closed = true, closed_updated_at = EXCLUDED.closed_updated_at;

  -- No team-wide lock in the push: each row records the transaction that wrote it, and a
  -- puller reads only rows of transactions older than every one still running (the
  -- snapshot's xmin), in (xid, seq) order, so a row committed late is never skipped.
  ALTER TABLE fragd_rows ADD COLUMN xid bigint NOT NULL DEFAULT 0;
  CREATE INDEX fragd_rows_work_xid ON fragd_rows (team, xid, seq) WHERE tbl IN ('projects', 'sprints', 'tasks');

  -- Each machine's time per task, kept by a trigger as intervals are pushed (not re-summed
  -- by every puller): pullers read the rows changed since their cursor.
  CREATE TABLE fragd_task_time (
    team text NOT NULL,
    machine text NOT NULL,
    task_code text NOT NULL,
    ms bigint NOT NULL,
    xid bigint NOT NULL DEFAULT 0,
    seq bigint NOT NULL DEFAULT nextval('fragd_rows_seq'),
    PRIMARY KEY (team, machine, task_code)
  );
  CREATE INDEX fragd_task_time_pull ON fragd_task_time (team, seq);
  INSERT INTO fragd_task_time (team, machine, task_code, ms)
  SELECT team, machine, data->>'task_id_code',
         sum(greatest(0, coalesce((data->>'ended_at')::bigint, (data->>'checkpoint_at')::bigint) - (data->>'started_at')::bigint))
    FROM fragd_rows WHERE tbl = 'intervals' AND NOT deleted AND data->>'task_id_code' IS NOT NULL
   GROUP BY 1, 2, 3;
  CREATE FUNCTION fragd_interval_ms(d jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE AS
    $f$ SELECT coalesce(greatest(0, coalesce((d->>'ended_at')::bigint, (d->>'checkpoint_at')::bigint) - (d->>'started_at')::bigint), 0) $f$;
  CREATE FUNCTION fragd_task_time_add(t text, m text, task text, delta bigint) RETURNS void LANGUAGE sql AS
    $f$ INSERT INTO fragd_task_time (team, machine, task_code, ms, xid) VALUES (t, m, task, delta, txid_current())
        ON CONFLICT (team, machine, task_code) DO UPDATE
          SET ms = fragd_task_time.ms + EXCLUDED.ms, xid = EXCLUDED.xid, seq = nextval('fragd_rows_seq') $f$;
  CREATE FUNCTION fragd_interval_time() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    IF TG_OP <> 'INSERT' AND OLD.tbl = 'intervals' AND NOT OLD.deleted AND OLD.data->>'task_id_code' IS NOT NULL THEN
      PERFORM fragd_task_time_add(OLD.team, OLD.machine, OLD.data->>'task_id_code', -fragd_interval_ms(OLD.data));
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.tbl = 'intervals' AND NOT NEW.deleted AND NEW.data->>'task_id_code' IS NOT NULL THEN
      PERFORM fragd_task_time_add(NEW.team, NEW.machine, NEW.data->>'task_id_code', fragd_interval_ms(NEW.data));
    END IF;
    RETURN NULL;
  END $f$;
  -- WHEN keeps the trigger off the rows that are not intervals (most of a push).
  CREATE TRIGGER fragd_rows_interval_time_i AFTER INSERT ON fragd_rows
    FOR EACH ROW WHEN (NEW.tbl = 'intervals') EXECUTE FUNCTION fragd_interval_time();
  CREATE TRIGGER fragd_rows_interval_time_u AFTER UPDATE ON fragd_rows
    FOR EACH ROW WHEN (NEW.tbl = 'intervals') EXECUTE FUNCTION fragd_interval_time();
  CREATE TRIGGER fragd_rows_interval_time_d AFTER DELETE ON fragd_rows
    FOR EACH ROW WHEN (OLD.tbl = 'intervals') EXECUTE FUNCTION fragd_interval_time();
  `,
  `
  -- task show reads the other machines' updates and notes on a task (and its subtasks) from
  -- the team store: found by the task's code among the activities, not by walking them all.
  CREATE INDEX fragd_rows_task_updates ON fragd_rows (team, (data->>'task_id_code'))
    WHERE tbl = 'activities' AND data->>'kind' IN ('update', 'note');
  CREATE INDEX fragd_rows_subtask_updates ON fragd_rows (team, (data->>'subtask_id_code'))
    WHERE tbl = 'activities' AND data->>'kind' IN ('update', 'note');
  `,
];

/** Any number that is fragd's own: the advisory lock of migrations. */
const MIGRATION_LOCK = 4_741_011;

/** Brings the team store to the newest schema; refuses one newer than this fragd knows. */
export async function migratePg(client: ClientBase): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS fragd_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM fragd_schema_migrations');
    const current = r.rows[0]?.v ?? 0;
    if (current > pgMigrations.length) {
      throw new Error(
        `the team store is at schema version ${current}, newer than this fragd knows (${pgMigrations.length}); upgrade fragd on this machine`,
      );
    }
    for (let v = current; v < pgMigrations.length; v++) {
      await client.query(pgMigrations[v]);
      await client.query('INSERT INTO fragd_schema_migrations (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
    return pgMigrations.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
