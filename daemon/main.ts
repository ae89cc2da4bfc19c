// fragd entry point: `fragd [--foreground]`. Logs go to the state directory (or stdout
// with --foreground); start-up problems are printed as one actionable line.
import { mkdirSync } from 'node:fs';
import pino from 'pino';
import { resolvePaths } from '../shared/paths.js';
import { Daemon, StartupError, VERSION } from './daemon.js';

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
let destination: pino.DestinationStream;
if (args.has('--foreground')) {
  destination = pino.destination({ fd: 1, sync: true });
} else {
  try {
    mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
    destination = pino.destination({ dest: paths.log, sync: true });
  } catch (err) {
    process.stderr.write(`fragd: cannot write the log ${paths.log}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
const log = pino({ level, base: { pid: process.pid } }, destination);
const daemon = new Daemon({ log });
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
