// The stumbles of a newcomer's first hour (issue 27), each checked the way a person meets it:
// a real daemon, real fragctl, the real demo script.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIST, ROOT, startDaemon, type TestDaemon } from '../support/daemon.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  while (daemons.length) {
    const d = daemons.pop()!;
    await d.fragctl(['daemon', 'stop']); // the one `daemon restart` started, if any
    await d.dispose();
  }
});

describe('fragctl daemon restart', () => {
  it('is the command the HTTP-off hint names, and it brings the dashboard up after config.json changes', async () => {
    const d = await startDaemon();
    daemons.push(d);
    const off = await d.fragctl(['open', '--no-browser']);
    expect(off.code).toBe(5);
    expect(off.stderr).toContain('fragctl daemon restart');
    d.writeConfig({ http: { enabled: true, port: 0 } });
    const r = await d.fragctl(['daemon', 'restart']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fragd restarted \(pid \d+ → \d+\) on /);
    const on = await d.fragctl(['open', '--no-browser']);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/login\?code=/);
  });

  it('starts fragd when none runs', async () => {
    const d = await startDaemon();
    daemons.push(d);
    await d.stop();
    const r = await d.json(['daemon', 'restart']);
    expect(r.code).toBe(0);
    expect(r.body).toMatchObject({ restarted: true, stopped_pid: null });
    expect((await d.json(['daemon', 'status'])).body.pid).toBe(r.body.pid);
  });
});

describe('answers that read right', () => {
  it('a refused task edit --status completed is about the session that is there; log says logged; pause suggests plain session resume', async () => {
    const d = await startDaemon();
    daemons.push(d);
    expect((await d.fragctl(['import', join(ROOT, 'examples/plan.yaml')])).code).toBe(0);
    await d.fragctl(['session', 'start']);
    await d.fragctl(['task', 'activate', 'T-01a']);
    const refused = await d.json([
      'task',
      'edit',
      'T-01a',
      '--status',
      'completed',
      '--summary',
      'a summary long enough',
    ]);
    expect(refused.code).toBe(6);
    const i = refused.body.error.data.instructions;
    expect(i.context_reminder).toMatch(/^SESSION-001 \(active\)/);
    expect(i.suggested_commands).not.toContain('fragctl session start');
    expect(i.suggested_commands).not.toContain('fragctl task activate T-01a');
    // The two missing updates come before the retry.
    const text = await d.fragctl([
      'task',
      'edit',
      'T-01a',
      '--status',
      'completed',
      '--summary',
      'a summary long enough',
    ]);
    const cmds = text.stderr.split('\n').filter((l) => l.startsWith('  $'));
    expect(cmds.at(-1)).toBe("  $ fragctl task complete T-01a --summary 'a summary long enough'");

    const log = await d.fragctl(['log', 'built the form']);
    expect(log.stdout.split('\n')[0]).toBe('logged on T-01a');
    const deploy = await d.fragctl(['log', '--kind', 'deploy', 'to staging']);
    expect(deploy.stdout.split('\n')[0]).toBe('logged as deploy on T-01a');

    const paused = await d.json(['session', 'pause']);
    expect(paused.body.instructions.suggested_commands).toEqual(['fragctl session resume']);
    expect((await d.fragctl(['session', 'resume'])).stdout).toMatch(/^resumed SESSION-001/);
  }, 120_000);
});

describe('one reader of times and dates', () => {
  it('report takes yesterday and :week as intervals does; --priority takes medium; a bad day names the forms', async () => {
    const d = await startDaemon();
    daemons.push(d);
    const y = await d.json(['report', '--since', 'yesterday']);
    expect(y.code).toBe(0);
    const week = await d.json(['report', '--since', ':week']);
    expect(week.code).toBe(0);
    expect(week.body.since <= week.body.until).toBe(true);
    expect((await d.json(['intervals', '--since', ':week'])).code).toBe(0);
    const bad = await d.fragctl(['report', '--since', 'someday soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since: cannot read "someday soon" as a day; try 2026-03-29, today, yesterday');
    expect((await d.fragctl(['project', 'create', 'P', 'P'])).code).toBe(0);
    const made = await d.json(['task', 'create', 'T-1', 'one', '--priority', 'medium']);
    expect(made.code).toBe(0);
    expect(made.body.task.priority).toBe('normal');
  }, 120_000);
});

describe('the demo', () => {
  it('removes the throw-away home it made', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'demo-tmp-'));
    try {
      const { FRAGMENTS_HOME: _h, FRAGMENTS_SESSION: _s, FRAGMENTS_NO_AUTOSTART: _n, ...env } = process.env;
      const r = spawnSync('bash', [join(ROOT, 'scripts/demo.sh')], {
        env: { ...env, TMPDIR: tmp, FRAGCTL: join(DIST, 'fragctl.js'), FRAGD_BIN: join(DIST, 'fragd.js') },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^ended SESSION-001/m);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the package', () => {
  it('runs no script of its own when installed from its tarball (the build is in it)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      files: string[];
    };
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[s]).toBeUndefined();
    expect(pkg.scripts.prepack).toContain('build');
    expect(pkg.files).toContain('dist');
  });
});
