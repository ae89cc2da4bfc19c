// fragctl reserve / release / reservations: file reservations (docs/claims.md#file-reservations).
// Paths are typed relative to the current directory (or absolute) and sent relative to the
// repository's root, with the root: the daemon keeps them so, and the agents' hooks and the
// pre-commit guard compare with them.
import type { Argv } from 'yargs';
import type { ReservationView } from '../../../shared/protocol/reservations.js';
import { FragError, ErrorCode } from '../../../shared/errors.js';
import { parseDuration } from '../../lib/time-expr.js';
import { relativeToRoot, repoRoot } from '../../lib/repo-root.js';
import { run, type GlobalArgs } from '../runner.js';
import { one } from '../output.js';

function inRepo(): string {
  const root = repoRoot();
  if (!root)
    throw new FragError(
      ErrorCode.ValidationFailed,
      'not inside a git repository: run it from the repository whose files you reserve',
      {
        hint: 'cd into the repository, then run the command again',
      },
    );
  return root;
}

function relPaths(root: string, paths: string[]): string[] {
  try {
    return paths.map((p) => relativeToRoot(root, process.cwd(), p));
  } catch (err) {
    throw new FragError(ErrorCode.ValidationFailed, (err as Error).message, {
      hint: 'give paths inside the repository you are in',
    });
  }
}

/** "30m", "2h", "90" (minutes) → whole minutes. */
function ttlMinutes(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const ms = parseDuration(v);
  if (ms === null || ms < 60_000)
    throw new FragError(ErrorCode.ValidationFailed, `--ttl ${v}: give a duration of at least a minute, e.g. 30m or 2h`);
  return Math.round(ms / 60_000);
}

export const reservationLine = (v: ReservationView): string =>
  `${v.path}  ${v.exclusive ? 'exclusive' : 'shared'}  ${v.actor} (${v.session})${v.task ? ` for ${v.task}` : ''}  until ${v.expires_at}${
    v.stale ? '  (stale: not enforced)' : ''
  }${v.live ? '' : `  ended: ${one(v.release_reason ?? 'released')}`}`;

export function reservationCommands(y: Argv<GlobalArgs>) {
  return y
    .command(
      'reserve <paths..>',
      "Reserve files or globs of this repository (exclusive by default): others' edit tools and commits are refused",
      (b) =>
        b
          .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'paths or globs (*, ?)' })
          .option('shared', {
            type: 'boolean',
            describe: 'shared: others may share it, nobody may take it exclusively',
          })
          .option('ttl', {
            type: 'string',
            describe: 'time to live, renewed while your session is active (default 60m)',
          })
          .option('task', {
            type: 'string',
            describe: 'the task it is for (default: your active task); it ends with it',
          })
          .option('force', {
            type: 'boolean',
            describe: "take over another holder's reservation (recorded on both sessions)",
          }),
      (argv) =>
        run(
          argv,
          (c, t, input) =>
            c.call('reservation.create', {
              ...t,
              paths: input.paths,
              repo: input.root,
              exclusive: argv.shared ? false : undefined,
              ttl_minutes: ttlMinutes(argv.ttl),
              task: argv.task,
              force: argv.force,
            }),
          (r) => [
            ...r.reservations.map((v) => `reserved ${reservationLine(v)}`),
            ...r.conflicts.map((x) => `taken over from ${x.holder.actor} (${x.holder.session}): ${x.reserved}`),
          ],
          () => {
            const root = inRepo();
            return { root, paths: relPaths(root, argv.paths.map(String)) };
          },
        ),
    )
    .command(
      'release [paths..]',
      'Release your reservations: some paths (as reserved), or --all',
      (b) =>
        b
          .positional('paths', { type: 'string', array: true, describe: 'paths or globs as you reserved them' })
          .option('all', { type: 'boolean', describe: 'every reservation of your session' })
          .option('task', { type: 'string', describe: 'the reservations made for this task' }),
      (argv) =>
        run(
          argv,
          (c, t, input) =>
            c.call('reservation.release', {
              ...t,
              ...(input ? { paths: input.paths, repo: input.root } : {}),
              all: argv.all,
              task: argv.task,
            }),
          (r) => (r.released.length ? r.released.map((v) => `released ${v.path}`) : ['nothing to release']),
          () => {
            const paths = (argv.paths ?? []).map(String);
            if (!paths.length) {
              if (!argv.all && !argv.task)
                throw new FragError(ErrorCode.ValidationFailed, 'say what to release: paths, --task T or --all');
              return null;
            }
            const root = inRepo();
            return { root, paths: relPaths(root, paths) };
          },
        ),
    )
    .command(
      'reservations',
      "Reservations that hold now: this repository's (--all: every repository)",
      (b) =>
        b
          .option('all', { type: 'boolean', describe: 'every repository, not only this one' })
          .option('ended', { type: 'boolean', describe: 'also those that ended (why, when)' })
          .option('path', { type: 'string', describe: 'only those covering this path' }),
      (argv) =>
        run(
          argv,
          (c, _t, input) =>
            c.call('reservation.list', {
              ...(input.root ? { repo: input.root } : {}),
              ...(input.path ? { path: input.path } : {}),
              ended: argv.ended,
            }),
          (r) =>
            r.reservations.length
              ? r.reservations.map(reservationLine)
              : [argv.all ? 'nothing is reserved' : 'nothing is reserved in this repository'],
          () => {
            const root = argv.all ? null : repoRoot();
            const path = argv.path ? (root ? relPaths(root, [String(argv.path)])[0] : String(argv.path)) : undefined;
            return { root, path };
          },
        ),
    );
}
