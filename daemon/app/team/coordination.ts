// Reservations and messages across machines (docs/team-sync.md): the preparers that ask the
// team store before the local write, and what the daemon does after a pull brought the other
// machines' reservations or messages for actors of this machine.
import type { App, Call } from '../app.js';
import { ErrorCode, FragError } from '../../../shared/errors.js';
import { ACTOR_PATTERN } from '../../../shared/charset.js';
import { fragctl } from '../../../shared/command.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { Prepared } from '../app.js';
import { settleRemoteReservations } from '../reservations/reservations.js';
import { deliverToActors } from '../agents/message-delivery.js';

/**
 * reservation.create with sync on: the other machines' live reservations are read from the
 * team store first, so the local check sees the team's. The offline rule is the claims' one:
 * when the store does not answer, nothing is reserved (refused, exit 7); reservations already
 * held stay enforced on their machine meanwhile.
 */
export async function reservationsBeforeReserve(app: App): Promise<void> {
  const syncer = app.syncer;
  if (!syncer) return;
  try {
    await syncer.refreshReservations();
  } catch (err) {
    throw new FragError(
      ErrorCode.StorageUnavailable,
      `cannot reserve: the team store (PostgreSQL) does not answer (${syncer.redactedMessage(err)}). With sync on, a reservation is checked against the other machines' first, so nothing was reserved; try again when it answers`,
      {
        error: 'storage_unavailable',
        store: 'team',
        hint: `${fragctl('sync', 'status')} shows the last error and when the store last answered`,
      },
    );
  }
}

/**
 * message.send to an actor who has never had a session here: with sync on, the team store
 * says whether it works on another machine (the message then reaches it there, pulled).
 */
export async function actorBeforeSend(
  app: App,
  p: ParsedParamsOf<'message.send'>,
): Promise<Prepared<ParsedParamsOf<'message.send'> & { known_elsewhere?: string[] }> | void> {
  const syncer = app.syncer;
  if (!syncer || !ACTOR_PATTERN.test(p.to) || p.to === 'project') return;
  if (app.sql.value('SELECT 1 FROM sessions WHERE actor = ? LIMIT 1', p.to) != null) return;
  const machines = await syncer.actorElsewhere(p.to);
  if (machines?.length) return { params: { ...p, known_elsewhere: machines } };
}

/** After a pull: this machine's reservations that lost end; pulled messages go to their actors' agents. */
export function afterCoordinationPull(call: Call, actors: string[]): void {
  settleRemoteReservations(call);
  if (actors.length) deliverToActors(call, actors);
}
