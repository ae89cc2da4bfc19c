// The team store's schema in PostgreSQL, versioned like the local one: each entry moves
// the database one version up, recorded in fragd_schema_migrations. Never edit a shipped
// entry: append one. Every fragd of every team migrates on connect, under an advisory lock
// so two daemons starting together do not both apply a version.
import type { PoolClient } from 'pg';

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
];

/** Any number that is fragd's own: the advisory lock of migrations. */
const MIGRATION_LOCK = 4_741_011;

/** Brings the team store to the newest schema; refuses one newer than this fragd knows. */
export async function migratePg(client: PoolClient): Promise<number> {
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
