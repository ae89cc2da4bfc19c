// fragctl doctor [--json]: what is wrong with this install, one line per check, with the fix.
import type { Argv } from 'yargs';
import { resolvePaths } from '../../../shared/paths.js';
import { runChecks, type CheckResult, type DoctorContext } from '../../doctor/checks.js';
import { DaemonUnreachable, FragClient } from '../../lib/client.js';
import { Exit } from '../exit-codes.js';
import { formatOf, print, printJson, type GlobalArgs } from '../runner.js';

declare const __FRAGD_VERSION__: string;

const mark: Record<CheckResult['verdict'], string> = { ok: '✓', info: 'i', warn: '!', fail: '✗', skip: '-' };

export const doctorLine = (r: CheckResult): string =>
  `${mark[r.verdict]} ${r.title.padEnd(16)} ${r.detail}${r.fix ? `\n  ${' '.repeat(16)} fix: ${r.fix}` : ''}`;

export function doctorCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'doctor',
    'Check this install: daemon, versions, socket directory, database, disk, hooks, systemd, HTTP',
    (b) => b,
    async (argv) => {
      const paths = resolvePaths();
      // Doctor looks; it never starts a daemon (that would hide the problem it looks for).
      const client: DoctorContext['client'] = await FragClient.connect({
        autoStart: false,
        clientName: 'fragctl doctor',
      }).catch((err: Error) => ({
        unreachable: err.message,
        notRunning: err instanceof DaemonUnreachable && err.notRunning,
      }));
      let results: CheckResult[];
      try {
        results = await runChecks({
          env: process.env,
          paths,
          client,
          autoStart: process.env.FRAGMENTS_NO_AUTOSTART !== '1',
          clientVersion: typeof __FRAGD_VERSION__ === 'string' ? __FRAGD_VERSION__ : 'dev',
        });
      } finally {
        if (!('unreachable' in client)) client.close();
      }
      const failed = results.some((r) => r.verdict === 'fail');
      if (formatOf(argv) === 'json') printJson({ ok: !failed, checks: results }, 2);
      else print([...results.map(doctorLine), '', failed ? 'something is wrong: see the fixes above' : 'all good']);
      if (failed) process.exitCode = Exit.failure;
    },
  );
}
