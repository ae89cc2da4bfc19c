// fragd entry point: `fragd [--foreground]`. Logs go to the state directory (or stdout
// with --foreground); start-up problems are printed as one actionable line.
import { mkdirSync } from 'node:fs';
import pino from 'pino';
import { resolvePaths } from '../shared/paths.js';
import { Daemon, EXIT_STORAGE, StartupError, VERSION } from './daemon.js';
import { storageAdvice, storageProblemOf } from './safety/storage-problem.js';
import { LogFile } from './log-file.js';

const args = new Set(process.argv.slice(2));
if (args.has('--version')) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
if (args.has('--help') || args.has('-h')) {
  process.stdout.write(
    'usage: fragd [--foreground]\n\nThe fragd work-session daemon. Usually started by fragctl or systemd.\n' +
      '  --foreground  log to stdout instead of the log file\n' +
      'Environment: FRAGMENTS_HOME (one directory for socket, database, logs and config), FRAGD_LOG_LEVEL.\n',
  );
  process.exit(0);
}
const unknown = [...args].filter((a) => a !== '--foreground');
if (unknown.length) {
  process.stderr.write(`fragd: unknown option ${unknown[0]}; see fragd --help\n`);
  process.exit(2);
}

const paths = resolvePaths();
const level = process.env.FRAGD_LOG_LEVEL ?? 'info';
// A start-up failure is reported on stderr; when stderr is a file on a full disk that write
// fails too, and must not turn the exit status into a crash's.
process.stderr.on('error', () => {});
let destination: pino.DestinationStream;
let logFile: LogFile | undefined;
if (args.has('--foreground')) {
  const stdout = pino.destination({ fd: 1, sync: true });
  stdout.on('error', () => {});
  // Logging never throws into the caller (a closed stdout must not fail the call being logged).
  destination = {
    write: (line: string) => {
      try {
        stdout.write(line);
      } catch {
        /* dropped */
      }
    },
  };
} else {
  try {
    mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
    logFile = new LogFile(paths.log);
    logFile.open();
    destination = logFile;
  } catch (err) {
    const problem = storageProblemOf((err as NodeJS.ErrnoException).code);
    const advice = problem ? `; ${storageAdvice(problem, { dir: paths.stateDir })}` : '';
    process.stderr.write(`fragd: cannot write the log ${paths.log}: ${(err as Error).message}${advice}\n`);
    process.exit(problem ? EXIT_STORAGE : 1);
  }
}
const log = pino({ level, base: { pid: process.pid } }, destination);
const daemon = new Daemon({ log, logFile });
daemon.onStopped = () => process.exit(0);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => void daemon.stop(signal));
}
process.on('uncaughtException', (err) => {
  // A bug in one call must not take down every client's session: log it and keep serving.
  log.error({ err }, 'uncaught exception');
});
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

try {
  await daemon.start();
} catch (err) {
  const code = err instanceof StartupError ? err.exitCode : 1;
  const message = err instanceof Error ? err.message : String(err);
  log.error({ err }, 'start-up failed');
  process.stderr.write(`fragd: ${message}\n`);
  process.exit(code);
}
