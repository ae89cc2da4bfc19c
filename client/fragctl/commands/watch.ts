// fragctl watch: live events for status bars and editors (one readable line, or one JSON
// text, per event). Survives daemon restarts: it waits for fragd to answer again and
// re-subscribes (it does not start fragd again itself: a stopped daemon stays stopped).
import type { Argv } from 'yargs';
import { FragClient, type DaemonEvent } from '../../lib/client.js';
import { terminalSafe } from '../../../shared/terminal.js';
import { connect, fail, formatOf, print, printErr, printJson, wholeNumber, type GlobalArgs } from '../runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const clock = (isoTime: string) => {
  const d = new Date(isoTime);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
};

/** A scalar from an event's data as text (objects were filtered out or are absent). */
const text = (v: unknown): string => terminalSafe(typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));

/** One line a person can read: time, session, event type, what happened. */
export function eventLine(e: DaemonEvent): string {
  let what: string;
  if (e.type === 'activity.logged') what = `${text(e.data.kind)} ${text(e.data.message)}`.trim();
  else {
    const d: Record<string, unknown> = e.data ?? {};
    what = Object.entries(d)
      .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k}=${text(v)}`)
      .join(' ');
  }
  return `${clock(e.at)}  ${terminalSafe(e.session ?? '-').padEnd(11)} ${terminalSafe(e.type).padEnd(16)} ${what}`;
}

export function watchCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'watch',
    'Stream live events (one line each, or --json one JSON text per line); reconnects if fragd restarts',
    (b) =>
      b
        .option('all', { type: 'boolean', describe: 'events of every session, even with $FRAGMENTS_SESSION set' })
        .option('count', { type: 'number', describe: 'exit after this many events' }),
    async (argv) => {
      const json = formatOf(argv) === 'json';
      const session = argv.all ? undefined : (argv.session ?? process.env.FRAGMENTS_SESSION);
      // Connection state goes to stderr as text, or into the stream as pseudo-events for JSON readers.
      const status = (type: 'watch.connected' | 'watch.disconnected', message: string) => {
        if (json) printJson({ type, session: session ?? null, at: new Date().toISOString(), data: { message } });
        else printErr(`fragctl watch: ${message}`);
      };
      let count: number | undefined;
      try {
        count = wholeNumber('count', argv.count);
      } catch (err) {
        fail(err, argv);
        return;
      }
      let seen = 0;
      let done = false;
      let client: FragClient;
      const finish = () => {
        done = true;
        client?.close();
      };
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      try {
        client = await connect(argv);
      } catch (err) {
        fail(err, argv);
        return;
      }
      for (;;) {
        try {
          await client.subscribe((e) => {
            if (done) return;
            if (json) printJson(e);
            else print(eventLine(e));
            if (count !== undefined && ++seen >= count) finish();
          }, session);
          status('watch.connected', `watching ${session ?? 'all sessions'} (fragd ${client.daemonVersion})`);
        } catch (err) {
          if (done) return;
          fail(err, argv);
          client.close();
          return;
        }
        await client.closed();
        if (done) return;
        status('watch.disconnected', 'fragd went away; waiting for it to come back');
        let delay = 100;
        for (;;) {
          await sleep(delay);
          if (done) return;
          try {
            client = await FragClient.connect({ autoStart: false, clientName: 'fragctl-watch' });
            break;
          } catch {
            delay = Math.min(delay * 2, 2000);
          }
        }
      }
    },
  );
}
