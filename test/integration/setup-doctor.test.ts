// fragctl setup and doctor on a real home directory (temporary), with real git, real
// shells' start-up files and, where systemd-analyze exists, the units it writes verified.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAGCTL, runNode, startDaemon, tempHome, type TestDaemon } from '../support/daemon.js';
import { resolvePaths } from '../../shared/paths.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  while (daemons.length) await daemons.pop()!.stop();
});

/** A person's home: a .bashrc and a git identity of their own. */
function home(): { home: string; env: NodeJS.ProcessEnv; fr: string } {
  const h = tempHome();
  writeFileSync(join(h, '.bashrc'), '# my bashrc\nalias ll="ls -l"\n');
  const {
    GIT_CONFIG_GLOBAL: _g,
    XDG_CONFIG_HOME: _x,
    XDG_STATE_HOME: _s,
    XDG_RUNTIME_DIR: _r,
    FRAGMENTS_SESSION: _fs,
    ...rest
  } = process.env;
  const fr = join(h, 'fr');
  const env: NodeJS.ProcessEnv = {
    ...rest,
    HOME: h,
    FRAGMENTS_HOME: fr,
    FRAGMENTS_NO_AUTOSTART: '1',
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  mkdirSync(fr, { mode: 0o700 });
  return { home: h, env, fr };
}

const fragctl = (env: NodeJS.ProcessEnv, ...args: string[]) => runNode(FRAGCTL, args, env);

/** Every file under a directory with its bytes, to compare before and after. */
function snapshot(dir: string, skip: (rel: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      // Directories count too: an empty folder left behind is not "as before".
      if (e.isDirectory()) {
        out[`${r}/`] = '';
        walk(join(d, e.name), r);
      } else out[r] = readFileSync(join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

describe('fragctl setup', () => {
  it('asks before changing anything: without a terminal and without --yes it refuses and changes nothing', async () => {
    const { home: h, env } = home();
    const before = snapshot(h, (r) => r.startsWith('fr'));
    const r = await fragctl(env, 'setup');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('fragctl setup will:');
    expect(r.stderr).toContain('--yes');
    expect(snapshot(h, (rel) => rel.startsWith('fr'))).toEqual(before);
  });

  it('--yes wires units, completion and global git hooks (a repository’s own hook still runs); --undo restores the home byte for byte', async () => {
    const { home: h, env, fr } = home();
    mkdirSync(join(h, '.claude')); // Claude Code is configured here: setup wires it in.
    // The user's own empty "hooks" and their compact formatting come back as they were.
    writeFileSync(join(h, '.claude/settings.json'), '{"model":"opus","hooks":{}}');
    const before = snapshot(h, (r) => r.startsWith('fr'));
    const r = await fragctl(env, 'setup', '--yes');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    // systemd units name this node and this install by absolute path.
    const service = readFileSync(join(h, '.config/systemd/user/fragd.service'), 'utf8');
    expect(service).toContain(`ExecStart="${process.execPath}"`);
    expect(service).toMatch(/^ExecStart=.*\/fragd\.js"$/m);
    // Documentation= names a file that exists: the README of this install.
    for (const unit of ['fragd.service', 'fragd.socket']) {
      const doc = /^Documentation=file:\/\/(.*)$/m.exec(readFileSync(join(h, '.config/systemd/user', unit), 'utf8'));
      expect(doc && existsSync(decodeURIComponent(doc[1].replace(/%%/g, '%')))).toBe(true);
    }
    // Completion is sourced from .bashrc, inside fragd's markers, after the user's lines.
    const bashrc = readFileSync(join(h, '.bashrc'), 'utf8');
    expect(bashrc.startsWith('# my bashrc\nalias ll="ls -l"\n# >>> fragd completion >>>')).toBe(true);
    const sourced = spawnSync('bash', ['-c', `. ${join(h, '.bashrc')}; complete -p fragctl`], {
      env,
      encoding: 'utf8',
    });
    expect(sourced.stdout).toContain('fragctl');

    // Global hooks: a commit in a fresh repository is spooled, and the repository's own hook runs too.
    const hooksPath = execFileSync('git', ['config', '--global', 'core.hooksPath'], { env, encoding: 'utf8' }).trim();
    expect(hooksPath).toBe(join(fr, 'git-hooks'));
    const repo = join(h, 'repo');
    execFileSync('git', ['init', '-q', repo], { env });
    const marker = join(h, 'own-hook-ran');
    writeFileSync(join(repo, '.git/hooks/post-commit'), `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(join(repo, '.git/hooks/post-commit'), 0o755);
    execFileSync('git', ['-C', repo, 'commit', '-q', '--allow-empty', '-m', 'first'], { env });
    expect(existsSync(marker)).toBe(true);
    expect(readdirSync(join(fr, 'spool')).some((f) => f.startsWith('post-commit-'))).toBe(true);
    // The repository's other hooks still run too: its pre-commit can stop a commit.
    writeFileSync(join(repo, '.git/hooks/pre-commit'), '#!/bin/sh\necho "own pre-commit says no" >&2\nexit 1\n');
    chmodSync(join(repo, '.git/hooks/pre-commit'), 0o755);
    const refused = spawnSync('git', ['-C', repo, 'commit', '-q', '--allow-empty', '-m', 'second'], {
      env,
      encoding: 'utf8',
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('own pre-commit says no');

    // Claude Code's hooks run fragd's hook script; the prompt snippet is sourced too.
    expect(readFileSync(join(h, '.claude/settings.json'), 'utf8')).toContain('fragd-agent-hook.sh');
    expect(bashrc).toContain('# >>> fragd prompt >>>');

    // A second run has nothing to do.
    const again = await fragctl(env, 'setup', '--yes');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do');

    const doctor = await fragctl(env, 'doctor', '--json');
    const checks = JSON.parse(doctor.stdout).checks as { id: string; verdict: string }[];
    expect(checks.find((c) => c.id === 'hooks')?.verdict).toBe('ok');
    expect(checks.find((c) => c.id === 'systemd')?.verdict).toBe('ok');
    expect(checks.find((c) => c.id === 'agent-claude')?.verdict).toBe('ok');

    const undo = await fragctl(env, 'setup', '--undo');
    expect(undo.code).toBe(0);
    expect(snapshot(h, (rel) => rel.startsWith('fr') || rel.startsWith('repo') || rel === 'own-hook-ran')).toEqual(
      before,
    );
    expect(spawnSync('git', ['config', '--global', 'core.hooksPath'], { env }).status).toBe(1);
  });

  it('keeps a symlinked .bashrc a link (its target is edited, and restored by --undo); refuses a dangling one', async () => {
    const { home: h, env } = home();
    // Dotfiles kept in a repository: ~/.bashrc links to ~/dotfiles/bashrc.
    mkdirSync(join(h, 'dotfiles'));
    renameSync(join(h, '.bashrc'), join(h, 'dotfiles', 'bashrc'));
    symlinkSync(join(h, 'dotfiles', 'bashrc'), join(h, '.bashrc'));
    const original = readFileSync(join(h, 'dotfiles', 'bashrc'), 'utf8');
    const plan = await fragctl(env, 'setup'); // no terminal, no --yes: the plan, nothing done
    expect(plan.stdout + plan.stderr).toMatch(
      /a symbolic link: its target .*dotfiles\/bashrc is edited, the link stays/,
    );
    const r = await fragctl(env, 'setup', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(h, '.bashrc')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(h, 'dotfiles', 'bashrc'), 'utf8')).toContain('# >>> fragd completion >>>');
    const undo = await fragctl(env, 'setup', '--undo');
    expect(undo.code).toBe(0);
    expect(lstatSync(join(h, '.bashrc')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(h, '.bashrc'))).toBe(join(h, 'dotfiles', 'bashrc'));
    expect(readFileSync(join(h, 'dotfiles', 'bashrc'), 'utf8')).toBe(original);

    // A link to nothing: which file was meant? Refused, and the link left as it is.
    const other = home();
    const rc = join(other.home, '.bashrc');
    renameSync(rc, join(other.home, 'gone'));
    symlinkSync(join(other.home, 'dotfiles', 'missing'), rc);
    const refused = await fragctl(other.env, 'setup', '--yes');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /is a symbolic link to .*missing, which does not exist; create that file or remove the link/,
    );
    expect(readlinkSync(rc)).toBe(join(other.home, 'dotfiles', 'missing'));
  });

  it('writes a service unit that systemd-analyze accepts', async (ctx) => {
    if (spawnSync('sh', ['-c', 'command -v systemd-analyze']).status !== 0) ctx.skip();
    const { home: h, env } = home();
    expect((await fragctl(env, 'setup', '--yes')).code).toBe(0);
    const run = join(h, 'run');
    mkdirSync(run, { mode: 0o700 });
    const dir = join(h, '.config/systemd/user');
    const v = spawnSync(
      'systemd-analyze',
      ['verify', '--user', join(dir, 'fragd.socket'), join(dir, 'fragd.service')],
      {
        env: { ...env, XDG_RUNTIME_DIR: run },
        encoding: 'utf8',
      },
    );
    expect(v.stderr).not.toMatch(/fragd\.(service|socket)/);
    expect(v.status).toBe(0);
  });
});

describe('fragctl doctor', () => {
  it('right after setup, where fragctl starts fragd itself, says the daemon is not started yet as information and passes', async () => {
    const { env } = home();
    const { FRAGMENTS_NO_AUTOSTART: _n, ...auto } = env;
    expect((await fragctl(auto, 'setup', '--yes')).code).toBe(0);
    const r = await fragctl(auto, 'doctor');
    expect(r.stdout).toMatch(/^i daemon +not running yet: the next fragctl command starts it/m);
    expect(r.stdout).not.toContain('✗');
    expect(r.stdout).toContain('all good');
    expect(r.code).toBe(0);
    const json = JSON.parse((await fragctl(auto, 'doctor', '--json')).stdout) as {
      ok: boolean;
      checks: { id: string; verdict: string }[];
    };
    expect(json.ok).toBe(true);
    expect(json.checks.find((c) => c.id === 'daemon')?.verdict).toBe('info');
    // Doctor looked without starting anything.
    expect(existsSync(resolvePaths(auto).socket)).toBe(false);
    await fragctl(auto, 'setup', '--undo');
  });

  it('fails with the fix when no daemon runs, passes when one does, and flags a socket directory open to others', async () => {
    const { env } = home();
    const down = await fragctl(env, 'doctor');
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/✗ daemon .*no daemon is running/);
    expect(down.stdout).toContain('fix: fragctl daemon start');

    const d = await startDaemon();
    daemons.push(d);
    const up = await runNode(FRAGCTL, ['doctor', '--json'], { ...d.env, HOME: env.HOME });
    const report = JSON.parse(up.stdout) as { ok: boolean; checks: { id: string; verdict: string; detail: string }[] };
    expect(report.ok).toBe(true);
    expect(up.code).toBe(0);
    expect(report.checks.find((c) => c.id === 'database')?.detail).toContain('intact');
    expect(report.checks.find((c) => c.id === 'version')?.verdict).toBe('ok');
    expect(report.checks.find((c) => c.id === 'sync')).toMatchObject({
      verdict: 'skip',
      detail: 'off (config sync.enabled)',
    });

    chmodSync(d.home, 0o755);
    const open = await runNode(FRAGCTL, ['doctor'], { ...d.env, HOME: env.HOME });
    chmodSync(d.home, 0o700);
    expect(open.code).toBe(1);
    expect(open.stdout).toMatch(/✗ socket directory .*mode 755/);
    expect(open.stdout).toContain(`fix: chmod 700 ${d.home}`);
  });

  it('checks the HTTP API with its token when it is enabled', async () => {
    const d = await startDaemon({}, { http: { enabled: true, port: 0 } });
    daemons.push(d);
    const r = await fragctl(d.env, 'doctor', '--json');
    const http = (JSON.parse(r.stdout) as { checks: { id: string; verdict: string; detail: string }[] }).checks.find(
      (c) => c.id === 'http',
    );
    expect(http?.verdict).toBe('ok');
    expect(http?.detail).toContain('answers with the token');
  });
});
