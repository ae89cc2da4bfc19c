// fragctl session …, and the top-level status.
import type { Argv } from 'yargs';
import { filterParams, withFilters } from '../filters.js';
import { formatDuration } from '../../../shared/format.js';
import { shortLineOf, shortStatus } from '../../../shared/status-line.js';
import type { ResultOf } from '../../../shared/protocol/methods.js';
import { activityLines, breadcrumb, fitLine, localTime, sessionLines } from '../output.js';
import { estimateBar } from '../charts.js';
import { layoutOf, type Layout } from '../layout.js';
import { followPages, joinOlderHistory } from '../../lib/pages.js';
import { run, type GlobalArgs } from '../runner.js';
import { askFinalNote, askPausedSession, askResume } from '../prompts.js';
import { fragctl } from '../../../shared/command.js';
import { reportLines } from './completion.js';

export const statusLines = (r: ResultOf<'session.status'>, layout: Layout = layoutOf({})) => [
  ...sessionLines(r.session, layout),
  ...(r.active_task
    ? [
        fitLine(
          `task ${r.active_task.code}: `,
          `${formatDuration(r.active_task.session_seconds)} in this session · ${formatDuration(r.active_task.total_seconds)} in total`,
          layout,
        ),
        // Tracked in total against the estimate, as the report's variance counts it.
        ...(r.active_task.estimate_minutes
          ? [`  ${estimateBar(r.active_task.total_seconds, r.active_task.estimate_minutes, (layout.width ?? 80) - 2)}`]
          : []),
      ]
    : []),
  ...(r.reservations?.length
    ? [
        'reserved:',
        ...r.reservations.map(
          (v) =>
            `  ${v.path} (${v.exclusive ? 'exclusive' : 'shared'}${v.task ? `, for ${v.task}` : ''}${v.stale ? ', stale' : ''}) in ${v.repo}`,
        ),
      ]
    : []),
  ...(r.recent.length ? ['recent:', ...activityLines(r.recent, layout)] : []),
];

/** One line for a shell prompt or a status bar: SESSION-003 · T-01 · 1h12m (the status file's line too). */
export const shortLine = (r: ResultOf<'session.status'>) => [shortLineOf(shortStatus(r.session, r.budget_left))];

export function statusCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'status',
    'Show the current session: stack, live active time, recent activity',
    (b) => b.option('short', { type: 'boolean', describe: 'one line for a prompt or status bar' }),
    (argv) => runStatus(argv, argv.short),
  );
}

/** fragctl status (also the fast path's): the session, and the count of the actor's unread messages. */
export const runStatus = (argv: GlobalArgs, short: boolean | undefined) =>
  run(
    argv,
    async (c, t) => {
      const r = await c.call('session.status', t);
      if (short) return r;
      // The session's actor's inbox, counted without marking anything read.
      const m = await c
        .call('message.inbox', { session: r.session.key, unread: true, limit: 1, mark_read: false })
        .catch(() => null);
      return m ? { ...r, messages: { unread: m.unread, unacknowledged: m.unacknowledged } } : r;
    },
    short ? shortLine : (r: StatusWithMessages) => [...statusLines(r, layoutOf(argv)), ...inboxLine(r.messages)],
  );

type StatusWithMessages = ResultOf<'session.status'> & { messages?: { unread: number; unacknowledged: number } };

/** "messages: 2 unread, 3 not acknowledged (fragctl inbox)" when there are any. */
const inboxLine = (m: StatusWithMessages['messages']) =>
  m && m.unacknowledged
    ? [`messages: ${m.unread} unread, ${m.unacknowledged} not acknowledged (${fragctl('inbox')})`]
    : [];

export function sessionCommands(y: Argv<GlobalArgs>) {
  return y.command('session', 'Start, pause, resume, switch and end work sessions', (s) =>
    s
      .command(
        'start',
        'Start a session',
        (b) =>
          b
            .option('type', { choices: ['work', 'planning', 'review'] as const, default: 'work' as const })
            .option('chat-session', { type: 'string', describe: "the agent's chat session id" })
            .option('idle-timeout', {
              type: 'number',
              describe: 'seconds without activity before this session pauses (default: config idle_timeout_seconds)',
            })
            .option('source', { choices: ['cli', 'mcp', 'api', 'gui', 'hook', 'editor'] as const })
            .option('new', {
              type: 'boolean',
              describe: 'start another session even when you have a paused one (otherwise it is offered back)',
            }),
        (argv) =>
          run(
            argv,
            async (c, t) => {
              const start = (if_paused: 'offer' | 'new') =>
                c.call('session.start', {
                  actor: t.actor,
                  type: argv.type,
                  source: argv.source ?? 'cli',
                  chat_session_id: argv['chat-session'],
                  idle_timeout_seconds: argv['idle-timeout'],
                  if_paused,
                });
              let r = await start(argv.new ? 'new' : 'offer');
              if (!r.started && r.paused_session) {
                const choice = await askPausedSession(argv, r.paused_session);
                if (choice === 'offer') return r;
                if (choice === 'resume') {
                  const res = await c.call('session.resume', { session: r.paused_session.key, source: 'cli' });
                  return { ...r, ...res, resumed_session: res.session.key };
                }
                r = await start('new');
              }
              const top = r.suggestions.tasks[0];
              if (await askResume(argv, top)) {
                const a = await c.call('task.activate', { session: r.session.key, code: top.code, source: 'cli' });
                return { ...r, stack: a.stack, resumed: top.code, instructions: a.instructions };
              }
              return r;
            },
            (r) =>
              !r.started && r.paused_session
                ? 'resumed_session' in r
                  ? [`resumed ${r.session.key}`, ...sessionLines(r.session).slice(1)]
                  : [
                      `not started: you have a paused session, ${r.paused_session.line}`,
                      `  resume it:        ${r.paused_session.resume_command}`,
                      `  or start another: ${fragctl('session', 'start', '--new')}`,
                    ]
                : [
                    `started ${r.session.key}`,
                    ...(r.paused_session ? [`(${r.paused_session.line} is still paused)`] : []),
                    ...sessionLines(r.session).slice(1),
                    ...('resumed' in r ? [`resumed ${r.resumed}: ${breadcrumb(r.stack)}`] : []),
                    ...(!('resumed' in r) && r.suggestions.tasks.length
                      ? [
                          'in progress:',
                          ...r.suggestions.tasks.map((s) =>
                            fitLine(`  ${s.code.padEnd(10)} ${s.last_worked.padEnd(24)} `, s.title, layoutOf(argv)),
                          ),
                        ]
                      : []),
                    ...(r.suggestions.sprints.length
                      ? [
                          'sprints:',
                          ...r.suggestions.sprints.map((s) =>
                            fitLine(`  ${s.code.padEnd(10)} ${s.progress.padEnd(24)} `, s.title, layoutOf(argv)),
                          ),
                        ]
                      : []),
                    `tip: export FRAGMENTS_SESSION=${r.session.key} to pin this terminal to it`,
                  ],
          ),
      )
      .command(
        'end',
        'End the session',
        (b) => b.option('summary', { type: 'string', describe: 'what the session achieved' }),
        (argv) =>
          run(
            argv,
            async (c, t) => c.call('session.end', { ...t, summary: await askFinalNote(argv, argv.summary, t.session) }),
            (r) => [
              `ended ${r.session.key} · active ${formatDuration(r.session.active_seconds)}`,
              ...reportLines(r.report),
            ],
          ),
      )
      .command(
        'pause',
        'Pause the session (time stops)',
        (b) => b.option('reason', { type: 'string' }),
        (argv) =>
          run(
            argv,
            (c, t) => c.call('session.pause', { ...t, reason: argv.reason }),
            (r) => [`paused ${r.session.key}`],
          ),
      )
      .command(
        'resume [key]',
        'Resume a session by key (from any terminal or agent)',
        (b) => b.positional('key', { type: 'string' }),
        (argv) =>
          run(
            argv,
            (c, t) => c.call('session.resume', { ...t, ...(argv.key ? { session: argv.key } : {}) }),
            (r) => [
              `resumed ${r.session.key}${r.interrupted_seconds ? ` after ${formatDuration(r.interrupted_seconds)}` : ''}`,
              ...sessionLines(r.session).slice(1),
              ...(r.last_step ? [`last step: ${r.last_step.line}`] : []),
              ...(r.recent.length ? ['recent:', ...activityLines(r.recent, layoutOf(argv))] : []),
            ],
          ),
      )
      .command(
        'switch <key>',
        "Make another session the actor's current one",
        (b) => b.positional('key', { type: 'string', demandOption: true }),
        (argv) =>
          run(
            argv,
            (c, t) => c.call('session.switch', { actor: t.actor, session: argv.key }),
            (r) => [`switched to ${r.session.key}${r.paused ? ` (paused ${r.paused})` : ''}`],
          ),
      )
      .command(
        'abandon',
        'Abandon the session without completing it',
        (b) => b.option('reason', { type: 'string' }),
        (argv) =>
          run(
            argv,
            (c, t) => c.call('session.abandon', { ...t, reason: argv.reason }),
            (r) => [`abandoned ${r.session.key}`],
          ),
      )
      .command(
        'status',
        'Show the session',
        (b) => b,
        (argv) =>
          run(
            argv,
            (c, t) => c.call('session.status', t),
            (r) => statusLines(r, layoutOf(argv)),
          ),
      )
      .command(
        'list',
        "List sessions, newest first: every actor's, or only --actor's",
        (b) =>
          withFilters(b, 'sessions (that tracked time on them)')
            .option('status', { choices: ['active', 'paused', 'completed', 'abandoned'] as const })
            .option('limit', { type: 'number', describe: 'at most this many (default 50)' }),
        (argv) =>
          run(
            argv,
            // Only an explicit --actor narrows the list: $FRAGMENTS_ACTOR says who works in
            // this shell, not whose sessions one wants to see. Pages are joined up to --limit.
            (c) => {
              const want = argv.limit ?? 50;
              return followPages(
                (cursor) =>
                  c.call('session.list', {
                    status: argv.status,
                    limit: Math.min(want, 1000),
                    actor: argv.actor,
                    ...filterParams(argv),
                    cursor,
                  }),
                (acc, next) => acc.sessions.push(...next.sessions.slice(0, want - acc.sessions.length)),
                (acc) => acc.sessions.length >= want,
              );
            },
            (r) =>
              r.sessions.length === 0
                ? ['no sessions']
                : r.sessions.map((s) =>
                    fitLine(
                      `${s.key.padEnd(12)} ${s.status.padEnd(10)} ${s.actor.padEnd(10)} ${localTime(s.started_at)}  ${formatDuration(s.active_seconds).padStart(7)}  `,
                      breadcrumb(s.stack),
                      layoutOf(argv),
                    ),
                  ),
          ),
      )
      .command(
        'report',
        'What the session did: duration, tasks completed with their time, updates, notes, artifacts, open contexts',
        (b) => b,
        (argv) =>
          run(
            argv,
            (c, t) => c.call('session.report', t),
            (r) => reportLines(r.report),
          ),
      )
      .command(
        'history',
        'Activities and context changes of the session (the latest --limit, default 1000; older ones with --cursor)',
        (b) =>
          b
            .option('limit', { type: 'number', describe: 'the latest this many activities (default 1000)' })
            .option('cursor', {
              type: 'string',
              describe: 'go on before this point: the next_cursor a previous --json answer printed',
            }),
        (argv) =>
          run(
            argv,
            // One answer holds one page; the pages before it are fetched until --limit
            // activities are there, and shown oldest first.
            (c, t) => {
              const want = argv.limit ?? 1000;
              let have = 0;
              return followPages(
                async (cursor) => {
                  const page = await c.call('session.history', {
                    ...t,
                    limit: Math.min(want - have, 10_000),
                    cursor: cursor ?? argv.cursor,
                  });
                  have += page.activities.length;
                  return page;
                },
                joinOlderHistory,
                () => have >= want,
              );
            },
            (r) => [
              `${r.session}: ${r.activities.length} activities, ${r.context.length} context changes`,
              ...activityLines(r.activities, layoutOf(argv)),
            ],
          ),
      )
      .demandCommand(1, 'name a session command (see fragctl session --help)'),
  );
}
