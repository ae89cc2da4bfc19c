// fragctl heartbeat: what editor plugins and agent hooks call on every edit. Cheap on
// purpose: the daemon coalesces beats, so calling it per save is fine.
import type { Argv } from 'yargs';
import { run, type GlobalArgs } from '../runner.js';
import { fragctl } from '../../../shared/command.js';

export interface HeartbeatArgs extends GlobalArgs {
  file?: string;
  editor?: string;
  language?: string;
  kind?: string;
}

/** Shared by the yargs command and fragctl's fast path (editors call this on every save). */
export function runHeartbeat(argv: HeartbeatArgs): Promise<void> {
  return run(
    argv,
    (c, t) =>
      c.call('heartbeat', {
        ...t,
        source: 'editor',
        file: argv.file,
        editor: argv.editor,
        language: argv.language,
        kind: argv.kind,
      }),
    (r) => [
      !r.recorded
        ? `${r.session} is paused (not by idle); heartbeat ignored — resume with: ${fragctl('session', 'resume', r.session)}`
        : `${r.session} alive${r.coalesced ? ` (beat ${r.count} on this file this minute)` : ''}`,
      ...(r.resumed ? [`resumed after ${r.resumed.interrupted_seconds}s idle`] : []),
    ],
  );
}

export function heartbeatCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'heartbeat',
    'Tell fragd you are still working (keeps the session from idling; resumes an idle pause)',
    (b) =>
      b
        .option('file', { type: 'string', describe: 'the file being edited' })
        .option('editor', { type: 'string', describe: 'vscode, vim, claude-code, …' })
        .option('language', { type: 'string' })
        .option('kind', { type: 'string', describe: 'edit (default), save, read, …' })
        .example(
          '$0 heartbeat --file src/app.ts --editor vim --language typescript',
          '',
        ) as unknown as Argv<HeartbeatArgs>,
    (argv) => runHeartbeat(argv),
  );
}
