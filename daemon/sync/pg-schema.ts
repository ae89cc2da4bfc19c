// The team store's schema in PostgreSQL, versioned like the local one: each entry moves
// the database one version up, recorded in fragd_schema_migrations. Never edit a shipped
// entry: append one. Every fragd of every team migrates on connect, under an advisory lock
// so two daemons starting together do not both apply a version.
import type { ClientBase } from 'pg';
import { fragctl } from '../../shared/command.js';

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
  -- The team report reads the agents' tokens of its range: by time, not by walking every row.
  CREATE INDEX fragd_rows_tokens ON fragd_rows (team, ((data->>'at')::bigint)) WHERE tbl = 'agent_tokens';
  `,
  `
  -- Each machine its own PostgreSQL role (fragctl sync setup, docs/team-sync.md "Each machine
  -- writes only its own rows"): which role is which machine of which team. The policies below
  -- are inert until set-up turns row-level security on; the table owner (the administrator,
  -- or the one shared role of a team set up before) is never bound by them.
  CREATE TABLE fragd_members (
    team text NOT NULL,
    machine text NOT NULL,
    role_name text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team, machine),
    UNIQUE (role_name, team)
  );
  -- A machine role sees its own memberships only (what the policies' subqueries need).
  ALTER TABLE fragd_members ENABLE ROW LEVEL SECURITY;
  CREATE POLICY fragd_members_own ON fragd_members FOR SELECT USING (role_name = current_user);

  -- Who wrote each row and claim: the PostgreSQL role of the statement, set by the store.
  ALTER TABLE fragd_rows ADD COLUMN changed_by text NOT NULL DEFAULT current_user;
  ALTER TABLE fragd_claims ADD COLUMN changed_by text NOT NULL DEFAULT current_user;

  -- Rows: every member of a team reads the team's rows; a machine writes only its own.
  CREATE POLICY fragd_rows_read ON fragd_rows FOR SELECT
    USING (team IN (SELECT m.team FROM fragd_members m WHERE m.role_name = current_user));
  CREATE POLICY fragd_rows_insert ON fragd_rows FOR INSERT
    WITH CHECK ((team, machine) IN (SELECT m.team, m.machine FROM fragd_members m WHERE m.role_name = current_user));
  CREATE POLICY fragd_rows_update ON fragd_rows FOR UPDATE
    USING ((team, machine) IN (SELECT m.team, m.machine FROM fragd_members m WHERE m.role_name = current_user))
    WITH CHECK ((team, machine) IN (SELECT m.team, m.machine FROM fragd_members m WHERE m.role_name = current_user));
  -- Machines: a machine registers and stamps only itself.
  CREATE POLICY fragd_machines_read ON fragd_machines FOR SELECT
    USING (team IN (SELECT m.team FROM fragd_members m WHERE m.role_name = current_user));
  CREATE POLICY fragd_machines_insert ON fragd_machines FOR INSERT
    WITH CHECK ((team, machine) IN (SELECT m.team, m.machine FROM fragd_members m WHERE m.role_name = current_user));
  CREATE POLICY fragd_machines_update ON fragd_machines FOR UPDATE
    USING ((team, machine) IN (SELECT m.team, m.machine FROM fragd_members m WHERE m.role_name = current_user))
    WITH CHECK ((team, machine) IN (SELECT m.team, m.machine FROM fragd_members m WHERE m.role_name = current_user));
  -- Time per task: read by the team, written only by the trigger below (as the owner).
  CREATE POLICY fragd_task_time_read ON fragd_task_time FOR SELECT
    USING (team IN (SELECT m.team FROM fragd_members m WHERE m.role_name = current_user));
  -- Claims: a machine claims in its own name; another machine's claim may only be ended
  -- (a take-over, recorded as taken by the machine that did it) or closed and reopened by
  -- a completion, as fragd_claims_guard says.
  CREATE POLICY fragd_claims_read ON fragd_claims FOR SELECT
    USING (team IN (SELECT m.team FROM fragd_members m WHERE m.role_name = current_user));
  CREATE POLICY fragd_claims_insert ON fragd_claims FOR INSERT
    WITH CHECK ((team, machine) IN (SELECT m.team, m.machine FROM fragd_members m WHERE m.role_name = current_user));
  CREATE POLICY fragd_claims_update ON fragd_claims FOR UPDATE
    USING (team IN (SELECT m.team FROM fragd_members m WHERE m.role_name = current_user))
    WITH CHECK (team IN (SELECT m.team FROM fragd_members m WHERE m.role_name = current_user));

  -- The store stamps who wrote a row, and refuses a work item dated more than 10 minutes
  -- after its own clock: "which edit wins" compares updated_at, so a date forged into the
  -- future would hide every later edit of the others.
  CREATE FUNCTION fragd_rows_guard() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    NEW.changed_by := current_user;
    IF NEW.tbl IN ('projects', 'sprints', 'tasks') AND NOT NEW.deleted
       AND coalesce(NEW.data->>'updated_at', '') ~ '^[0-9]{1,18}$'
       AND (NEW.data->>'updated_at')::bigint > (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 600000 THEN
      RAISE EXCEPTION 'fragd: % % of machine % is dated % (updated_at), after the team store''s clock by more than 10 minutes: refused (a forged version, or this machine''s clock is wrong)',
        rtrim(NEW.tbl, 's'), coalesce(NEW.data->>'code', NEW.row_id::text), NEW.machine,
        to_timestamp((NEW.data->>'updated_at')::bigint / 1000.0)
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END $f$;
  CREATE TRIGGER fragd_rows_guard BEFORE INSERT OR UPDATE ON fragd_rows
    FOR EACH ROW EXECUTE FUNCTION fragd_rows_guard();

  -- SECURITY DEFINER (its search path pinned below): a member's temporary table named
  -- fragd_members must not stand in for the real one. session_user is the member.
  CREATE FUNCTION fragd_claims_guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
  DECLARE me text;
  BEGIN
    NEW.changed_by := session_user;
    IF TG_OP = 'INSERT' THEN RETURN NEW; END IF;
    SELECT m.machine INTO me FROM fragd_members m WHERE m.team = OLD.team AND m.role_name = session_user;
    -- The owner (administrator, or the shared role of a team without machine roles), or the holder itself.
    IF me IS NULL OR OLD.machine = me THEN RETURN NEW; END IF;
    IF NEW.team IS DISTINCT FROM OLD.team OR NEW.task_code IS DISTINCT FROM OLD.task_code
       OR NEW.machine IS DISTINCT FROM OLD.machine OR NEW.actor IS DISTINCT FROM OLD.actor
       OR NEW.session_key IS DISTINCT FROM OLD.session_key OR NEW.claimed_at IS DISTINCT FROM OLD.claimed_at
       OR NEW.how IS DISTINCT FROM OLD.how OR (NOT NEW.active AND NOT OLD.active) OR (NEW.active AND NOT OLD.active) THEN
      RAISE EXCEPTION 'fragd: machine % may not change the claim of % held by machine %', me, OLD.task_code, OLD.machine
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Ending another machine's open claim is a take-over: the store records who did it.
    IF OLD.active AND NOT NEW.active AND NOT OLD.closed THEN NEW.taken_by_machine := me; END IF;
    RETURN NEW;
  END $f$;
  CREATE TRIGGER fragd_claims_guard BEFORE INSERT OR UPDATE ON fragd_claims
    FOR EACH ROW EXECUTE FUNCTION fragd_claims_guard();

  -- A machine renamed or removed (fragctl sync machine rename|remove) leaves its old name
  -- behind as a tombstone: a daemon still pushing under it is refused, so nothing is counted
  -- twice under two names and a removed machine does not come back unnoticed.
  ALTER TABLE fragd_machines ADD COLUMN renamed_to text, ADD COLUMN removed_at timestamptz;
  CREATE FUNCTION fragd_retired(t text, m text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER AS
    $f$ SELECT CASE WHEN renamed_to IS NOT NULL THEN 'renamed to ' || renamed_to WHEN removed_at IS NOT NULL THEN 'removed' END
          FROM fragd_machines WHERE team = t AND machine = m $f$;
  CREATE FUNCTION fragd_rows_retired() RETURNS trigger LANGUAGE plpgsql AS $f$
  DECLARE why text := fragd_retired(NEW.team, NEW.machine);
  BEGIN
    IF why IS NOT NULL THEN
      RAISE EXCEPTION 'fragd: machine % of team % was % in the team store: its rows are refused under that name', NEW.machine, NEW.team, why
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END $f$;
  CREATE TRIGGER fragd_rows_retired BEFORE INSERT ON fragd_rows FOR EACH ROW EXECUTE FUNCTION fragd_rows_retired();

  -- The caller of a rename or removal: a machine role may act on its own machine only; the
  -- owner (administrator), or the shared role of a team without machine roles, on any.
  CREATE FUNCTION fragd_may_act(t text, m text) RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER AS $f$
  DECLARE mine text;
  BEGIN
    SELECT machine INTO mine FROM fragd_members WHERE team = t AND role_name = session_user;
    IF mine IS NOT NULL AND mine <> m THEN
      RAISE EXCEPTION 'fragd: the role of machine % may not rename or remove machine %; the administrator can (--admin-url-file)', mine, m
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF mine IS NULL AND EXISTS (SELECT 1 FROM fragd_members WHERE role_name = session_user) THEN
      RAISE EXCEPTION 'fragd: this role is not a machine of team %', t USING ERRCODE = 'insufficient_privilege';
    END IF;
  END $f$;

  -- Renames a machine everywhere in one transaction: its rows (the time per task follows by
  -- trigger, the old name's totals going to 0 so the other machines' copies do too), its
  -- claims, its registration and its role's membership; the old name stays as a tombstone.
  CREATE FUNCTION fragd_rename_machine(t text, old_name text, new_name text) RETURNS bigint LANGUAGE plpgsql
    SECURITY DEFINER AS $f$
  DECLARE n bigint;
  BEGIN
    PERFORM fragd_may_act(t, old_name);
    IF NOT EXISTS (SELECT 1 FROM fragd_machines WHERE team = t AND machine = old_name AND renamed_to IS NULL AND removed_at IS NULL) THEN
      RAISE EXCEPTION 'fragd: team % has no machine %', t, old_name USING ERRCODE = 'no_data_found';
    END IF;
    IF EXISTS (SELECT 1 FROM fragd_machines WHERE team = t AND machine = new_name) THEN
      RAISE EXCEPTION 'fragd: team % already has a machine % (or had one)', t, new_name USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO fragd_machines (team, machine, db_id, first_seen, last_push_at, last_pull_at)
      SELECT team, new_name, db_id, first_seen, last_push_at, last_pull_at FROM fragd_machines WHERE team = t AND machine = old_name;
    UPDATE fragd_machines SET renamed_to = new_name WHERE team = t AND machine = old_name;
    UPDATE fragd_rows SET machine = new_name WHERE team = t AND machine = old_name;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE fragd_claims SET machine = new_name, changed = nextval('fragd_rows_seq') WHERE team = t AND machine = old_name AND active;
    UPDATE fragd_members SET machine = new_name WHERE team = t AND machine = old_name;
    RETURN n;
  END $f$;

  -- Removes a machine from the team: its open claims end (others may take the tasks), its
  -- role's membership goes, and its name stays as a tombstone. Its history stays in the report.
  CREATE FUNCTION fragd_remove_machine(t text, m text) RETURNS bigint LANGUAGE plpgsql
    SECURITY DEFINER AS $f$
  DECLARE n bigint;
  BEGIN
    PERFORM fragd_may_act(t, m);
    IF NOT EXISTS (SELECT 1 FROM fragd_machines WHERE team = t AND machine = m AND renamed_to IS NULL AND removed_at IS NULL) THEN
      RAISE EXCEPTION 'fragd: team % has no machine %', t, m USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE fragd_claims SET active = false, released_at = now(), changed = nextval('fragd_rows_seq')
     WHERE team = t AND machine = m AND active AND NOT closed;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE fragd_machines SET removed_at = now() WHERE team = t AND machine = m;
    DELETE FROM fragd_members WHERE team = t AND machine = m;
    RETURN n;
  END $f$;

  -- Time per task is kept by the store as the owner: machine roles cannot write it directly.
  ALTER FUNCTION fragd_interval_time() SECURITY DEFINER;
  REVOKE EXECUTE ON FUNCTION fragd_task_time_add(text, text, text, bigint) FROM PUBLIC;
  REVOKE EXECUTE ON FUNCTION fragd_interval_time() FROM PUBLIC;
  REVOKE EXECUTE ON FUNCTION fragd_claims_guard() FROM PUBLIC;

  -- Every function that runs as the owner reads fragd's schema and then pg_temp, never a
  -- member's temporary tables first (PostgreSQL's advice for SECURITY DEFINER functions).
  DO $d$ DECLARE f text; BEGIN
    FOREACH f IN ARRAY ARRAY['fragd_retired(text, text)', 'fragd_may_act(text, text)',
      'fragd_rename_machine(text, text, text)', 'fragd_remove_machine(text, text)', 'fragd_interval_time()',
      'fragd_task_time_add(text, text, text, bigint)', 'fragd_claims_guard()'] LOOP
      EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
    END LOOP;
  END $d$;
  `,
  `
  -- Reservations and messages across machines (issue 25 item 6): they travel as every table
  -- does, as each machine's own rows of fragd_rows (so the row security above already lets a
  -- machine write only its own); the others pull them. These indexes keep those pulls and the
  -- "anything changed?" read off the rest of the rows.
  CREATE INDEX fragd_rows_coord_pull ON fragd_rows (team, xid, seq) WHERE tbl IN ('reservations', 'message_recipients');
  CREATE INDEX fragd_rows_coord_seq ON fragd_rows (team, seq) WHERE tbl IN ('reservations', 'message_recipients');
  CREATE INDEX fragd_rows_live_reservations ON fragd_rows (team)
    WHERE tbl = 'reservations' AND NOT deleted AND (data->>'released_at') IS NULL;
  CREATE INDEX fragd_rows_session_actors ON fragd_rows (team, (data->>'actor')) WHERE tbl = 'sessions';
  `,
];

/** Any number that is fragd's own: the advisory lock of migrations. */
const MIGRATION_LOCK = 4_741_011;

/** Brings the team store to the newest schema; refuses one newer than this fragd knows. */
export async function migratePg(client: ClientBase): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // A machine role of a team set up with roles (fragctl sync setup) may not create
    // anything: the table is created only where it is missing.
    const exists = await client.query<{ t: string | null }>("SELECT to_regclass('fragd_schema_migrations') AS t");
    if (!exists.rows[0]?.t)
      await client.query(
        'CREATE TABLE fragd_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM fragd_schema_migrations');
    const current = r.rows[0]?.v ?? 0;
    if (current > pgMigrations.length) {
      throw new Error(
        `the team store is at schema version ${current}, newer than this fragd knows (${pgMigrations.length}); upgrade fragd on this machine`,
      );
    }
    for (let v = current; v < pgMigrations.length; v++) {
      try {
        await client.query(pgMigrations[v]);
      } catch (err) {
        if ((err as { code?: string }).code === '42501')
          throw new Error(
            `the team store is at schema version ${current} and this fragd needs ${pgMigrations.length}, which this machine's role may not create (${(err as Error).message}); the administrator runs ${fragctl('sync', 'setup', '--admin-url-file', 'FILE', '--team', 'TEAM')} once with this fragd's version`,
          );
        throw err;
      }
      await client.query('INSERT INTO fragd_schema_migrations (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
    return pgMigrations.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
