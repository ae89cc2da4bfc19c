// fragctl send, inbox, inbox ack, handoff (docs/claims.md, "Messages and handoff").
import type { Argv } from 'yargs';
import type { MessageView } from '../../../shared/protocol/messages.js';
import { run, UsageError, type GlobalArgs } from '../runner.js';
import { localTime, one } from '../output.js';

/** A message for a person: a header line, then its text indented, so no text passes for fragctl's own lines. */
export function messageLines(m: MessageView): string[] {
  const state = m.acknowledged_at ? 'acknowledged' : m.read_at ? `read (${m.read_via})` : 'new';
  const what = m.kind === 'handoff' ? `handoff of ${m.task}` : m.task ? `about ${m.task}` : `to ${m.to}`;
  return [
    `#${m.id} ${localTime(m.sent_at)} from ${one(m.from.actor)}${m.from.session ? ` (${m.from.session})` : ''}, ${what} · ${state}`,
    ...m.text.split('\n').map((l) => `    │ ${l}`),
  ];
}

export function messageCommands(y: Argv<GlobalArgs>) {
  return y
    .command(
      'send <to> <text>',
      "Send a message to an actor, a task's holder (task:CODE) or everyone working in a project (project:CODE, or project: yours)",
      (b) =>
        b
          .positional('to', {
            type: 'string',
            demandOption: true,
            describe: 'actor, task:CODE, project:CODE or project',
          })
          .positional('text', { type: 'string', demandOption: true, describe: 'the message (at most 4000 characters)' })
          .option('task', { type: 'string', describe: 'the task it is about' })
          .example('$0 send codex "I am changing src/auth.ts; leave it until T-4 is done"', 'to one agent')
          .example('$0 send task:T-7 "the API moved to v2"', "to T-7's holder"),
      (argv) =>
        run(
          argv,
          (c, t) => c.call('message.send', { ...t, to: String(argv.to), text: String(argv.text), task: argv.task }),
          (r) => [`sent #${r.message.id} to ${r.recipients.join(', ')}`],
        ),
    )
    .command(
      'inbox',
      'Your messages, newest first (not acknowledged ones; shown ones are marked read); inbox ack to acknowledge',
      (b) =>
        b
          .option('unread', { type: 'boolean', describe: 'only messages not read yet' })
          .option('all', { type: 'boolean', describe: 'acknowledged ones too' })
          .option('limit', { type: 'number', describe: 'messages per page (default 20, at most 100)' })
          .option('cursor', { type: 'string', describe: 'the next page: the cursor the last page printed' })
          .command(
            'ack [ids..]',
            'Acknowledge messages by id, or all of them (--all)',
            (a) =>
              a
                .positional('ids', { type: 'number', array: true, describe: 'message ids (#12 is 12)' })
                .option('all', { type: 'boolean', describe: 'every message in your inbox' }),
            (argv) =>
              run(
                argv,
                (c, t) => {
                  const ids = (argv.ids ?? []).map(Number);
                  if (!argv.all && !ids.length) throw new UsageError('name message ids, or --all');
                  if (ids.some((i) => !Number.isInteger(i) || i < 1))
                    throw new UsageError('message ids are whole numbers (as inbox prints them: #12 is 12)');
                  return c.call('message.ack', { ...t, ...(argv.all ? { all: true } : { ids }) });
                },
                (r) => [`acknowledged ${r.acknowledged}; ${r.unacknowledged} left in your inbox (${r.unread} unread)`],
              ),
          ),
      (argv) =>
        run(
          argv,
          (c, t) =>
            c.call('message.inbox', {
              session: t.session,
              actor: t.actor,
              unread: argv.unread,
              all: argv.all,
              limit: argv.limit,
              cursor: argv.cursor,
            }),
          (r) => [
            ...(r.messages.length
              ? r.messages.flatMap(messageLines)
              : [argv.unread ? 'no unread messages' : 'no messages']),
            ...(r.next_cursor ? [`more: fragctl inbox --cursor ${r.next_cursor}`] : []),
            `${r.actor}: ${r.unread} unread, ${r.unacknowledged} not acknowledged`,
          ],
        ),
    )
    .command(
      'handoff [task]',
      'Hand a task (default: your active one) over to another actor with a note: your claim ends, it is held for them, their next offers it first',
      (b) =>
        b
          .positional('task', { type: 'string', describe: 'the task (default: your active one)' })
          .option('to', { type: 'string', demandOption: true, describe: 'the actor who takes it' })
          .option('note', {
            type: 'string',
            demandOption: true,
            describe: 'what they need to know (at most 4000 characters)',
          })
          .example('$0 handoff T-4 --to codex --note "tests pass; the migration is left"', 'hand T-4 to codex'),
      (argv) =>
        run(
          argv,
          (c, t) => c.call('task.handoff', { ...t, code: argv.task, to: String(argv.to), note: String(argv.note) }),
          (r) => [`${r.task.code} handed over to ${r.to} (message #${r.message.id})`],
        ),
    );
}
