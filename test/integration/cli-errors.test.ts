// fragctl's own failures: an auto-started fragd that dies at once, bad input caught before
// connecting, --json error objects and exit codes for every failure, numeric options.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, FRAGD, runNode, startDaemon, tempHome, TestDaemon } from '../support/daemon.js';

const homes: TestDaemon[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const h of homes) {
    // An auto-started fragd is not the test's child: stop it through fragctl.
    if (existsSync(h.paths.socket)) await h.fragctl(['daemon', 'stop']);
    await h.dispose();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A home where fragctl starts fragd itself. */
function autoStarting(env: NodeJS.ProcessEnv = {}): TestDaemon {
  const h = new TestDaemon(tempHome(), { FRAGMENTS_NO_AUTOSTART: '0', ...env });
  homes.push(h);
  return h;
}

/** A directory outside the checkout, where node_modules cannot be found. */
function bare(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fr-bare-'));
  dirs.push(dir);
  return dir;
}

describe('auto-start of a fragd that cannot start', () => {
  it('reports the config problem fragd printed, exit 3, and the start log holds only this start', async () => {
    const h = autoStarting();
    h.writeConfig({ idle_timeout_seconds: 5 });
    const first = await h.json(['status']);
    expect(first.code).toBe(3);
    expect(first.body.error.code).toBe('unreachable');
    expect(first.body.error.message).toMatch(/fragd did not start \(exit code \d+\)/);
    expect(first.body.error.message).toMatch(/fragd: bad configuration: .*config\.json: idle_timeout_seconds: /);
    expect(first.body.error.message).not.toMatch(/Node\.js v/);

    const text = await h.fragctl(['status']);
    expect(text.code).toBe(3);
    expect(text.stderr).toMatch(/^error: fragd did not start/);
    expect(text.stderr).toMatch(/idle_timeout_seconds/);
    expect(text.stderr).toContain(`start log: ${h.paths.log}.start`);

    // Two failed starts, one error in the start log: it is emptied at each spawn.
    const startLog = readFileSync(`${h.paths.log}.start`, 'utf8');
    expect(startLog.match(/fragd: bad configuration/g)).toHaveLength(1);
    const logs = await h.fragctl(['daemon', 'logs']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/fragd: bad configuration: .*idle_timeout_seconds/);

    // Once fixed, fragd starts and the old failure is no longer shown.
    h.writeConfig({});
    const ok = await h.json(['status']);
    expect(ok.code).toBe(4); // started, but no session yet
    const after = await h.fragctl(['daemon', 'logs']);
    expect(after.stdout).not.toMatch(/fragd: bad configuration/);
    expect((await h.json(['daemon', 'stop'])).body.stopped).toBe(true);
  });

  it('clients starting fragd at the same time all reach the one that won', async () => {
    const h = autoStarting();
    const runs = await Promise.all([0, 1, 2].map(() => h.json(['session', 'list'])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect((await h.json(['daemon', 'stop'])).body.stopped).toBe(true);
  });

  it('reports the Error line of a Node crash (a missing module), exit 3', async () => {
    const dir = bare();
    copyFileSync(FRAGD, join(dir, 'fragd.js'));
    const h = autoStarting({ FRAGD_BIN: join(dir, 'fragd.js') });
    const r = await h.json(['status']);
    expect(r.code).toBe(3);
    expect(r.body.error.message).toMatch(
      /fragd did not start \(exit code 1\):\nError \[ERR_MODULE_NOT_FOUND\]: Cannot find package '[^']+' imported from /,
    );
    expect(r.body.error.message).not.toMatch(/Node\.js v|^\s+at /m);
  });
});

describe('input checked before connecting', () => {
  it('an unreadable plan: exit 1, a JSON error, and no daemon started', async () => {
    const h = autoStarting();
    const r = await h.json(['import', join(h.home, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.body.error).toEqual({
      code: 'unreadable_file',
      message: `cannot read ${join(h.home, 'nope.yaml')}: ENOENT (no such file)`,
    });
    const text = await h.fragctl(['import', h.home]);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe(`error: cannot read ${h.home}: EISDIR (a directory)\n`);
    expect(existsSync(h.paths.socket)).toBe(false);
  });

  it('a bad --estimate: usage error (exit 2) with a JSON error, and no daemon started', async () => {
    const h = autoStarting();
    for (const args of [
      ['task', 'create', 'Q1', 'q', '--estimate', 'zz'],
      ['task', 'edit', 'Q1', '--estimate', 'zz'],
    ]) {
      const r = await h.json(args);
      expect(r.code).toBe(2);
      expect(r.body.error).toEqual({
        code: 'usage',
        message: '--estimate takes minutes (90) or a duration (1h30m, 1.25h), not zz',
      });
    }
    expect(existsSync(h.paths.socket)).toBe(false);
  });

  it('a non-number given to a numeric option: usage error naming the option', async () => {
    const h = autoStarting();
    const cases: [string[], RegExp][] = [
      [['session', 'list', '--limit', 'x'], /^--limit takes a number, not "x"$/],
      [['session', 'start', '--idle-timeout', 'abc'], /^--idle-timeout takes a number, not "abc"$/],
      [['session', 'history', '--limit=many'], /^--limit takes a number, not "many"$/],
      [['commits', '--limit', 'x'], /^--limit takes a number/],
      [['watch', '--count', 'abc'], /^--count takes a number, not "abc"$/],
      [['watch', '--count', '0'], /^--count takes a whole number of at least 1, not 0$/],
      [['daemon', 'logs', '--lines', 'x'], /^--lines takes a number/],
    ];
    for (const [args, message] of cases) {
      const r = await h.json(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.body.error.code).toBe('usage');
      expect(r.body.error.message).toMatch(message);
    }
    const text = await h.fragctl(['watch', '--count', 'abc']);
    expect(text.code).toBe(2);
    expect(text.stderr).toBe('error: --count takes a number, not "abc"\n');
    expect(existsSync(h.paths.socket)).toBe(false);
  });

  it('a yargs usage error with --json prints the JSON error (exit 2)', async () => {
    const h = autoStarting();
    const r = await h.json(['bogus']);
    expect(r.code).toBe(2);
    expect(r.body.error.code).toBe('usage');
    expect(r.body.error.message.length).toBeGreaterThan(0);
    const missing = await h.fragctl(['task', 'create', '--format', 'json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.message).toMatch(/Not enough non-option arguments/);
    const text = await h.fragctl(['bogus']);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^error: .*\nsee: fragctl --help\n$/);
  });
});

describe('session list', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
    homes.push(d);
    expect((await d.json(['session', 'start'])).code).toBe(0);
    expect((await d.json(['session', 'start', '--actor', 'codex'])).code).toBe(0);
  });

  it("lists every actor's sessions unless --actor narrows it", async () => {
    const all = await d.json(['session', 'list'], { env: { FRAGMENTS_ACTOR: 'codex' } });
    expect(all.body.sessions.map((s: any) => s.actor).sort()).toEqual(['codex', 'human']);
    const codex = await d.json(['session', 'list', '--actor', 'codex']);
    expect(codex.body.sessions.map((s: any) => s.actor)).toEqual(['codex']);
    const limited = await d.json(['session', 'list', '--limit', '1']);
    expect(limited.body.sessions).toHaveLength(1);
    expect((await d.json(['session', 'list', '--all-actors'])).code).toBe(2);
  });
});

describe('fragctl mcp without the MCP SDK', () => {
  it('says in one line that the SDK is missing and how to install it (exit 1)', async () => {
    const dir = bare();
    for (const f of readdirSync(DIST)) if (/^fragctl.*\.js$/.test(f)) copyFileSync(join(DIST, f), join(dir, f));
    const h = autoStarting();
    const r = await runNode(join(dir, 'fragctl.js'), ['mcp'], h.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: fragctl mcp needs @modelcontextprotocol/sdk, which is not installed; run npm ci in the fragd checkout\n',
    );
  });
});
