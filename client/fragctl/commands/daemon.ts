// fragctl daemon start|stop|restart|status|backup|logs.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, watchFile } from 'node:fs';
import type { Argv } from 'yargs';
import { formatDuration } from '../../../shared/format.js';
import { resolvePaths } from '../../../shared/paths.js';
import { FragClient, DaemonUnreachable } from '../../lib/client.js';
import { fragdPath, startLogPath } from '../../lib/launcher.js';
import { FRAGD_NODE_FLAGS } from '../../../shared/daemon-flags.js';
import { fail, formatOf, print, printErr, printJson, wholeNumber, type GlobalArgs } from '../runner.js';
import { commandLine } from '../../../shared/command.js';
import { terminalSafe } from '../../../shared/terminal.js';
import { Exit } from '../exit-codes.js';

const probe = () => FragClient.connect({ autoStart: false, clientName: 'fragctl' });

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Stops a running fragd: its pid, null when none ran, 'stuck' when it did not stop (reported). */
async function stopRunning(): Promise<number | null | 'stuck'> {
  let client: FragClient;
  try {
    client = await probe();
  } catch (err) {
    if (err instanceof DaemonUnreachable) return null;
    throw err;
  }
  const { pid } = await client.call('daemon.status');
  await client.call('daemon.shutdown');
  client.close();
  if (await waitGone(pid, 10_000)) return pid;
  process.exitCode = Exit.failure;
  printErr(`error: fragd (pid ${pid}) did not stop within 10s; kill it with: ${commandLine(['kill', String(pid)])}`);
  return 'stuck';
}

/** Starts fragd in the background (an explicit start: FRAGMENTS_NO_AUTOSTART does not apply) and says so. */
async function startBackground(argv: GlobalArgs, stopped?: number | null): Promise<void> {
  const json = formatOf(argv) === 'json';
  if (stopped === undefined) {
    const existing = await probe().catch(() => null);
    if (existing) {
      const st = await existing.call('daemon.status');
      existing.close();
      if (json) printJson({ already_running: true, pid: st.pid });
      else print(`fragd is already running (pid ${st.pid})`);
      return;
    }
  }
  const client = await FragClient.connect({ clientName: 'fragctl', autoStart: true });
  const st = await client.call('daemon.status');
  client.close();
  const restarted = stopped !== undefined;
  if (json)
    printJson(
      restarted
        ? { restarted: true, stopped_pid: stopped, pid: st.pid }
        : { started: true, pid: st.pid, socket: st.paths.socket },
    );
  else if (restarted)
    print(
      `fragd ${stopped === null ? 'was not running; started' : `restarted (pid ${stopped} → ${st.pid})`} on ${st.paths.socket}`,
    );
  else print(`fragd started (pid ${st.pid}) on ${st.paths.socket}`);
}

export function daemonCommands(y: Argv<GlobalArgs>) {
  return y.command('daemon', 'Start, stop and inspect the fragd daemon', (d) =>
    d
      .command(
        'start',
        'Start fragd (in the background unless --foreground)',
        (b) => b.option('foreground', { type: 'boolean', describe: 'run in this terminal, logging to stdout' }),
        async (argv) => {
          if (argv.foreground) {
            const child = spawn(process.execPath, [...FRAGD_NODE_FLAGS, fragdPath(), '--foreground'], {
              stdio: 'inherit',
            });
            child.on('exit', (code) => process.exit(code ?? 1));
            return;
          }
          try {
            await startBackground(argv);
          } catch (err) {
            fail(err, argv);
          }
        },
      )
      .command(
        'stop',
        'Stop fragd after in-flight calls finish',
        (b) => b,
        async (argv) => {
          try {
            const stopped = await stopRunning();
            if (stopped === 'stuck') return;
            if (formatOf(argv) === 'json')
              printJson(stopped === null ? { running: false } : { stopped: true, pid: stopped });
            else print(stopped === null ? 'no daemon is running' : `fragd stopped (pid ${stopped})`);
          } catch (err) {
            fail(err, argv);
          }
        },
      )
      .command(
        'restart',
        'Stop fragd (if it runs) and start it again, e.g. after changing config.json',
        (b) => b,
        async (argv) => {
          try {
            const stopped = await stopRunning();
            if (stopped === 'stuck') return;
            await startBackground(argv, stopped);
          } catch (err) {
            fail(err, argv);
          }
        },
      )
      .command(
        'status',
        'Is fragd running? pid, version, uptime, paths, counts',
        (b) => b,
        async (argv) => {
          try {
            const client = await probe();
            const st = await client.call('daemon.status');
            client.close();
            if (formatOf(argv) === 'json') return printJson(st, 2);
            print([
              `fragd ${st.version} (protocol ${st.protocol}) running, pid ${st.pid}, up ${formatDuration(st.uptime_seconds)}${st.socket_activated ? ' (socket-activated)' : ''}`,
              `socket   ${st.paths.socket}`,
              `database ${st.paths.db}`,
              `log      ${st.paths.log}`,
              `config   ${st.paths.config}`,
              ...(st.http?.enabled ? [`http     ${st.http.url ?? `not listening: ${st.http.error}`}`] : []),
              `sessions ${st.counts.sessions} (${st.counts.active_sessions} active) · activities ${st.counts.activities} · projects ${st.counts.projects} · sprints ${st.counts.sprints} · tasks ${st.counts.tasks} · connections ${st.counts.connections}`,
            ]);
          } catch (err) {
            fail(err, argv);
          }
        },
      )
      .command(
        'backup',
        'Take a copy of the database now (fragd also takes one a day and keeps the newest two)',
        (b) => b,
        async (argv) => {
          try {
            const client = await FragClient.connect({ clientName: 'fragctl' });
            const r = await client.call('daemon.backup');
            client.close();
            if (formatOf(argv) === 'json') return printJson(r, 2);
            print([
              `backed up to ${terminalSafe(r.backup.path)} (${Math.ceil(r.backup.bytes / 1024)} KiB)`,
              `kept: ${r.backups.map((b) => b.taken_at).join(', ')}`,
            ]);
          } catch (err) {
            fail(err, argv);
          }
        },
      )
      .command(
        'logs',
        "Print the daemon's log (and the start log, when the last start wrote to it)",
        (b) =>
          b
            .option('lines', { alias: 'n', type: 'number', default: 50 })
            .option('follow', { alias: 'f', type: 'boolean' }),
        async (argv) => {
          let lines: number;
          try {
            lines = wholeNumber('lines', argv.lines) ?? 50;
          } catch (err) {
            return fail(err, argv);
          }
          const paths = resolvePaths();
          const { log } = paths;
          // A fragd that failed to start (or crashed outside its logger) wrote only to the
          // start log, which holds the last auto-start's stderr.
          const startLog = startLogPath(paths);
          const started = existsSync(startLog) ? readFileSync(startLog, 'utf8').trimEnd() : '';
          if (started) print([`${startLog} (stderr of the last start):`, ...started.split('\n').slice(-lines), '']);
          if (!existsSync(log)) {
            printErr(`no log yet at ${log}`);
            return;
          }
          const text = readFileSync(log, 'utf8');
          if (started) print(`${log}:`);
          print(text.trimEnd().split('\n').slice(-lines).join('\n'));
          if (!argv.follow) return;
          let offset = statSync(log).size;
          // Polled by path, not watched by inode: when fragd rotates the log (fragd.log becomes
          // fragd.log.1), the new, shorter fragd.log is followed from its start.
          watchFile(log, { interval: 250 }, (now) => {
            if (now.size < offset) offset = 0;
            if (now.size === offset) return;
            process.stdout.write(terminalSafe(readRange(log, offset, now.size), { multiline: true }));
            offset = now.size;
          });
          await new Promise(() => {});
        },
      )
      .demandCommand(1, 'name a daemon command (see fragctl daemon --help)'),
  );
}

/** Bytes [start, end) of a file, read from there (not the whole file each time it grows). */
function readRange(path: string, start: number, end: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
