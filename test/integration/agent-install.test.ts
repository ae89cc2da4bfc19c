// fragctl agent install | uninstall | status, run as the real fragctl on real settings files
// in a temporary HOME with prior content (comments, other hooks and MCP servers, odd
// formatting, TOML tables), with no daemon running: what is added, that nothing of the
// user's is lost, idempotence, the byte-for-byte round trip, a user's edit kept, missing and
// malformed files.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIST, FRAGCTL, tempHome, type RunResult } from '../support/daemon.js';
import { AGENT_EVENTS } from '../../client/agents/events.js';
import { commandLine } from '../../shared/command.js';

let home: string;
let env: NodeJS.ProcessEnv;
const dist = () => realpathSync(DIST);

beforeEach(() => {
  home = tempHome();
  mkdirSync(join(home, 'frag'));
  const { CLAUDE_CONFIG_DIR: _c, CODEX_HOME: _x, FRAGMENTS_SESSION: _s, FRAGMENTS_ACTOR: _a, ...rest } = process.env;
  env = { ...rest, HOME: home, FRAGMENTS_HOME: join(home, 'frag'), FRAGMENTS_NO_AUTOSTART: '1' };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** The real fragctl, run in a directory (home by default: status and --project look at its repository). */
function fragctlIn(cwd: string, args: string[]): RunResult {
  try {
    const stdout = execFileSync(process.execPath, [FRAGCTL, ...args], { cwd, env, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}
const fragctl = (args: string[]) => fragctlIn(home, args);

const json = (args: string[]) => {
  const r = fragctl([...args, '--json']);
  return { ...r, body: JSON.parse(r.stdout) };
};

const read = (path: string) => readFileSync(path, 'utf8');
const write = (path: string, text: string) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
};
const jsonc = (path: string) => parseJsonc(read(path));

/** The command fragd's hook runs for an agent's event (same quoting as fragctl's). */
const hookCommand = (agent: string, event: string) =>
  commandLine(['env', `FRAGMENTS_HOME=${join(home, 'frag')}`, join(dist(), 'fragd-agent-hook.sh'), agent, event]);
const mcpServer = (agent: string) => ({
  command: process.execPath,
  args: [join(dist(), 'fragctl.js'), 'mcp', '--actor', agent],
  env: { FRAGMENTS_HOME: join(home, 'frag') },
});

/** fragd's handlers for one event in a parsed settings file. */
const fragdHandlers = (tree: any, event: string) =>
  (tree.hooks?.[event] ?? [])
    .flatMap((g: any) => g.hooks ?? [])
    .filter((h: any) => String(h.command).includes('fragd-agent-hook.sh'));

const CLAUDE_SETTINGS = `{
    // my Claude settings: keep this comment
    "model": "opus",
    "permissions": { "allow": ["Bash(npm test:*)"] },
    "hooks": {
        "Stop": [ { "hooks": [ { "type": "command", "command": "notify-send done" } ] } ],
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [ { "type": "command", "command": "/opt/guard.sh", "timeout": 5 } ]
            }
        ]
    },
    /* trailing block comment */
    "env": { "FOO": "bar" }
}
`;

const CLAUDE_JSON = `{"numStartups":12,"projects":{"/work/x":{"allowedTools":[]}},"mcpServers":{"github":{"type":"stdio","command":"gh-mcp","args":[],"env":{}}}}`;

describe('claude', () => {
  const settings = () => join(home, '.claude', 'settings.json');
  const claudeJson = () => join(home, '.claude.json');

  it('merges the hooks and the MCP server, keeps every entry, is idempotent and uninstalls byte for byte', () => {
    write(settings(), CLAUDE_SETTINGS);
    write(claudeJson(), CLAUDE_JSON);
    chmodSync(claudeJson(), 0o600);

    const r = json(['agent', 'install', 'claude']);
    expect(r.code).toBe(0);
    expect(r.body.files.map((f: any) => [f.path, f.action])).toEqual([
      [settings(), 'updated'],
      [claudeJson(), 'updated'],
    ]);
    const s = jsonc(settings());
    // Every prior entry is still there, in place.
    expect(s.model).toBe('opus');
    expect(s.permissions).toEqual({ allow: ['Bash(npm test:*)'] });
    expect(s.env).toEqual({ FOO: 'bar' });
    expect(s.hooks.Stop[0]).toEqual({ hooks: [{ type: 'command', command: 'notify-send done' }] });
    expect(s.hooks.PreToolUse[0].matcher).toBe('Bash');
    expect(s.hooks.PreToolUse[0].hooks[0].command).toBe('/opt/guard.sh');
    expect(read(settings())).toContain('// my Claude settings: keep this comment');
    expect(read(settings())).toContain('/* trailing block comment */');
    // One fragd hook per documented event, running the hook entry with agent and event.
    for (const event of AGENT_EVENTS.claude.events)
      expect(fragdHandlers(s, event)).toEqual([
        { type: 'command', command: hookCommand('claude', event), timeout: 10 },
      ]);
    expect(Object.keys(s.hooks).sort()).toEqual([...AGENT_EVENTS.claude.events].sort());
    // The user's own indentation (4 spaces) is kept for what fragd adds.
    expect(read(settings())).toMatch(/\n {4}"hooks": \{/);

    const c = jsonc(claudeJson());
    expect(c.numStartups).toBe(12);
    expect(c.projects).toEqual({ '/work/x': { allowedTools: [] } });
    expect(c.mcpServers.github).toEqual({ type: 'stdio', command: 'gh-mcp', args: [], env: {} });
    expect(c.mcpServers.fragd).toEqual({ type: 'stdio', ...mcpServer('claude') });
    expect(statSync(claudeJson()).mode & 0o777).toBe(0o600);

    // Twice: the same bytes.
    const once = [read(settings()), read(claudeJson())];
    const again = json(['agent', 'install', 'claude']);
    expect(again.body.files.map((f: any) => f.action)).toEqual(['unchanged', 'unchanged']);
    expect([read(settings()), read(claudeJson())]).toEqual(once);

    const u = json(['agent', 'uninstall', 'claude']);
    expect(u.code).toBe(0);
    expect(u.body.files.map((f: any) => f.action)).toEqual(['restored', 'restored']);
    expect(read(settings())).toBe(CLAUDE_SETTINGS);
    expect(read(claudeJson())).toBe(CLAUDE_JSON);
    expect(statSync(claudeJson()).mode & 0o777).toBe(0o600);
    // All of it on local files: no daemon was asked for, none was started.
    expect(existsSync(join(home, 'frag', 'fragd.sock'))).toBe(false);
  });

  it("keeps the user's edits made after install and removes exactly fragd's entries", () => {
    write(settings(), CLAUDE_SETTINGS);
    json(['agent', 'install', 'claude']);
    // The user adds a setting and a Stop hook of their own, next to fragd's.
    const edited = read(settings()).replace('"model": "opus",', '"model": "opus",\n    "theme": "dark",');
    const tree = parseJsonc(edited);
    expect(tree.theme).toBe('dark');
    write(
      settings(),
      edited.replace(
        '"command": "notify-send done"',
        '"command": "notify-send done" }, { "type": "command", "command": "say bye"',
      ),
    );
    expect(fragdHandlers(jsonc(settings()), 'Stop')).toHaveLength(1);

    const u = json(['agent', 'uninstall', 'claude']);
    expect(u.body.files.map((f: any) => f.action)).toEqual(['cleaned', 'removed']);
    const s = jsonc(settings());
    const before = parseJsonc(CLAUDE_SETTINGS);
    expect(s).toEqual({
      ...before,
      theme: 'dark',
      hooks: {
        ...before.hooks,
        Stop: [
          {
            hooks: [
              { type: 'command', command: 'notify-send done' },
              { type: 'command', command: 'say bye' },
            ],
          },
        ],
      },
    });
    expect(read(settings())).toContain('// my Claude settings: keep this comment');
    for (const event of AGENT_EVENTS.claude.events) expect(fragdHandlers(s, event)).toEqual([]);
    // ~/.claude.json did not exist before fragd: it is gone again.
    expect(existsSync(claudeJson())).toBe(false);
  });

  it('a second install after the user edited the file never brings back the older original on uninstall', () => {
    write(settings(), CLAUDE_SETTINGS);
    json(['agent', 'install', 'claude']);
    // The user rewrites the file by hand (fragd's entries dropped, a setting of theirs added)…
    const theirs = '{ "model": "sonnet", "theme": "light" }\n';
    write(settings(), theirs);
    // …then installs again and later uninstalls: their file comes back, not the first one.
    expect(json(['agent', 'install', 'claude']).body.files[0].action).toBe('updated');
    expect(json(['agent', 'uninstall', 'claude']).body.files[0].action).toBe('restored');
    expect(read(settings())).toBe(theirs);
  });

  it('replaces the entries of an older install (moved checkout) instead of adding a second set', () => {
    write(
      settings(),
      JSON.stringify({
        hooks: { Stop: [{ hooks: [{ type: 'command', command: '/old/dist/fragd-agent-hook.sh claude Stop' }] }] },
      }),
    );
    const st = json(['agent', 'status', 'claude']);
    const user = st.body.agents.find((a: any) => a.scope === 'user');
    expect(user.installed).toBe('partial');
    expect(user.files[0]).toMatchObject({ hooks: ['Stop'], current: false });

    json(['agent', 'install', 'claude']);
    const s = jsonc(settings());
    expect(fragdHandlers(s, 'Stop').map((h: any) => h.command)).toEqual([hookCommand('claude', 'Stop')]);
    expect(s.hooks.Stop).toHaveLength(1);
  });

  it('writes through a symlinked settings file and keeps the link', () => {
    write(join(home, 'dotfiles', 'claude-settings.json'), CLAUDE_SETTINGS);
    mkdirSync(join(home, '.claude'));
    symlinkSync(join(home, 'dotfiles', 'claude-settings.json'), settings());
    json(['agent', 'install', 'claude']);
    expect(lstatSync(settings()).isSymbolicLink()).toBe(true);
    expect(fragdHandlers(jsonc(join(home, 'dotfiles', 'claude-settings.json')), 'Stop')).toHaveLength(1);
    json(['agent', 'uninstall', 'claude']);
    expect(lstatSync(settings()).isSymbolicLink()).toBe(true);
    expect(read(join(home, 'dotfiles', 'claude-settings.json'))).toBe(CLAUDE_SETTINGS);
  });

  it('refuses a malformed settings file with where it is broken, and touches no file', () => {
    const broken = '{\n  "model": "opus",\n  "hooks": {\n}\n';
    write(settings(), broken);
    const r = fragctl(['agent', 'install', 'claude']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(settings());
    expect(r.stderr).toMatch(/not valid JSON \(\w+ at line \d+, column \d+\)/);
    expect(read(settings())).toBe(broken);
    expect(existsSync(claudeJson())).toBe(false); // checked before any file was written
    const j = json(['agent', 'install', 'claude']);
    expect(j.body.error.code).toBe('settings');
  });
});

const CODEX_TOML = `# Codex settings
model = "o4-mini" # the default model
approval_policy = "on-request"

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]   # pinned below
env = { TOKEN_VAR = "DOCS" }

# profiles below
[profiles.fast]
model = "o4-mini"
`;

describe('codex', () => {
  const config = () => join(home, '.codex', 'config.toml');
  const hooksJson = () => join(home, '.codex', 'hooks.json');

  it('adds [mcp_servers.fragd] to config.toml and the hooks to hooks.json, and restores both', () => {
    write(config(), CODEX_TOML);
    const r = json(['agent', 'install', 'codex']);
    expect(r.code).toBe(0);
    expect(r.body.files.map((f: any) => [f.path, f.action])).toEqual([
      [hooksJson(), 'created'],
      [config(), 'updated'],
    ]);
    // The user's TOML is untouched text: fragd's table is appended after it.
    const text = read(config());
    expect(text.startsWith(CODEX_TOML)).toBe(true);
    const t = parseToml(text) as any;
    expect(t.model).toBe('o4-mini');
    expect(t.mcp_servers.docs).toEqual({ command: 'npx', args: ['-y', 'docs-mcp'], env: { TOKEN_VAR: 'DOCS' } });
    expect(t.profiles).toEqual({ fast: { model: 'o4-mini' } });
    expect(t.mcp_servers.fragd).toEqual(mcpServer('codex'));
    const h = jsonc(hooksJson());
    // SessionEnd pauses the conversation at an exit; Codex holds it to a few seconds.
    expect(AGENT_EVENTS.codex.events).toContain('SessionEnd');
    for (const event of AGENT_EVENTS.codex.events)
      expect(fragdHandlers(h, event)).toEqual([
        { type: 'command', command: hookCommand('codex', event), timeout: event === 'SessionEnd' ? 3 : 10 },
      ]);

    const once = [read(config()), read(hooksJson())];
    json(['agent', 'install', 'codex']);
    expect([read(config()), read(hooksJson())]).toEqual(once);

    const u = json(['agent', 'uninstall', 'codex']);
    expect(u.body.files.map((f: any) => f.action)).toEqual(['removed', 'restored']);
    expect(read(config())).toBe(CODEX_TOML);
    expect(existsSync(hooksJson())).toBe(false);
  });

  it("keeps a table the user added after install and removes only fragd's", () => {
    write(config(), CODEX_TOML);
    write(hooksJson(), '{ "hooks": { "Stop": [ { "hooks": [ { "type": "command", "command": "bell" } ] } ] } }\n');
    json(['agent', 'install', 'codex']);
    writeFileSync(config(), read(config()) + '\n[profiles.deep]\nmodel = "o3" # added later\n');
    const u = json(['agent', 'uninstall', 'codex']);
    expect(u.body.files.map((f: any) => f.action)).toEqual(['restored', 'cleaned']);
    const text = read(config());
    expect(text.startsWith(CODEX_TOML)).toBe(true);
    expect(text).toContain('model = "o3" # added later');
    expect(parseToml(text)).toEqual(parseToml(CODEX_TOML + '\n[profiles.deep]\nmodel = "o3"\n'));
    expect(jsonc(hooksJson())).toEqual({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'bell' }] }] } });
  });

  it('says, in install, status and doctor, that only the person can trust the hooks, and how', () => {
    const r = json(['agent', 'install', 'codex']);
    expect(r.body.notes.join('\n')).toContain('type /hooks, and trust the fragd hooks');
    const st = json(['agent', 'status', 'codex']).body.agents[0];
    expect(st.installed).toBe('all');
    expect(st.trust.untrusted).toEqual([...AGENT_EVENTS.codex.events]);
    expect(st.trust.step).toContain('codex exec --dangerously-bypass-hook-trust');
    expect(fragctl(['agent', 'status', 'codex']).stdout).toContain('not trusted by Codex yet (skipped): SessionStart,');
    const doctor = JSON.parse(fragctl(['doctor', '--json']).stdout);
    const check = doctor.checks.find((c: any) => c.id === 'agent-codex');
    expect(check).toMatchObject({ verdict: 'warn' });
    expect(check.fix).toContain('/hooks');
    // Once the person trusted them in /hooks, Codex keeps a record per hook in config.toml.
    const hooksPath = realpathSync(hooksJson());
    const snake = (e: string) => e.replace(/(?<!^)(?=[A-Z])/g, '_').toLowerCase();
    const records = AGENT_EVENTS.codex.events
      .filter((e) => e !== 'Stop')
      .map((e) => `[hooks.state."${hooksPath}:${snake(e)}:0:0"]\ntrusted_hash = "sha256:00"\n`);
    writeFileSync(config(), `${read(config())}\n${records.join('\n')}`);
    expect(json(['agent', 'status', 'codex']).body.agents[0].trust.untrusted).toEqual(['Stop']);
    writeFileSync(config(), `${read(config())}\n[hooks.state."${hooksPath}:stop:0:0"]\ntrusted_hash = "sha256:01"\n`);
    expect(json(['agent', 'status', 'codex']).body.agents[0].trust).toBeUndefined();
    const after = JSON.parse(fragctl(['doctor', '--json']).stdout);
    expect(after.checks.find((c: any) => c.id === 'agent-codex').verdict).toBe('ok');
  });

  it('refuses a malformed config.toml and writes neither file', () => {
    const broken = '[mcp_servers.docs]\ncommand = "npx"\n[mcp_servers.docs]\n';
    write(config(), broken);
    const r = fragctl(['agent', 'install', 'codex']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`${config()} is not valid TOML`);
    expect(r.stderr).toContain('line 3');
    expect(read(config())).toBe(broken);
    expect(existsSync(hooksJson())).toBe(false);
  });
});

const GEMINI_SETTINGS = `{
  "theme": "GitHub",
  // comments are allowed in Gemini's settings
  "mcpServers": {
    "search": { "command": "search-mcp", "args": ["--fast"] }
  },
  "hooks": {
    "BeforeTool": [
      { "matcher": "run_shell_command", "hooks": [{ "name": "guard", "type": "command", "command": "./guard.sh" }] }
    ]
  },
}
`;

describe('gemini', () => {
  it('installs into the project of --project (the repository root), and uninstalls byte for byte', () => {
    const repo = join(home, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    const settings = join(repo, '.gemini', 'settings.json');
    write(settings, GEMINI_SETTINGS);

    const r = json(['agent', 'install', 'gemini', '--project', join(repo, 'src')]);
    expect(r.code).toBe(0);
    expect(r.body).toMatchObject({ agent: 'gemini', scope: 'project', project: realpathSync(repo) });
    const s = jsonc(settings);
    expect(s.theme).toBe('GitHub');
    expect(s.mcpServers.search).toEqual({ command: 'search-mcp', args: ['--fast'] });
    expect(s.mcpServers.fragd).toEqual(mcpServer('gemini'));
    expect(s.hooks.BeforeTool[0].matcher).toBe('run_shell_command');
    for (const event of AGENT_EVENTS.gemini.events)
      expect(fragdHandlers(s, event)).toEqual([
        { name: `fragd-${event}`, type: 'command', command: hookCommand('gemini', event), timeout: 10_000 },
      ]);
    expect(read(settings)).toContain('// comments are allowed');
    expect(existsSync(join(home, '.gemini'))).toBe(false); // the user's own settings untouched

    // status, run inside the repository, sees the project install and not the user one.
    const st = fragctlIn(join(repo, 'src'), ['agent', 'status', 'gemini', '--json']);
    expect(st.code).toBe(0);
    const byScope = Object.fromEntries(JSON.parse(st.stdout).agents.map((a: any) => [a.scope, a]));
    expect(byScope.project).toMatchObject({ installed: 'all', project: realpathSync(repo) });
    expect(byScope.project.files[0]).toMatchObject({ mcp: true, current: true, recorded: true, missing: [] });
    expect(byScope.user.installed).toBe('none');

    const again = fragctlIn(join(repo, 'src'), ['agent', 'install', 'gemini', '--project', '--json']);
    expect(JSON.parse(again.stdout).files[0].action).toBe('unchanged');

    json(['agent', 'uninstall', 'gemini', '--project', repo]);
    expect(read(settings)).toBe(GEMINI_SETTINGS);
  });

  it('creates a missing settings file (and its directory), and uninstall removes both', () => {
    const settings = join(home, '.gemini', 'settings.json');
    const r = json(['agent', 'install', 'gemini']);
    expect(r.body.files).toEqual([
      { path: settings, action: 'created', hooks: [...AGENT_EVENTS.gemini.events], mcp: true },
    ]);
    expect(jsonc(settings).mcpServers.fragd).toEqual(mcpServer('gemini'));
    const st = json(['agent', 'status']);
    const installed = st.body.agents
      .filter((a: any) => a.installed !== 'none')
      .map((a: any) => `${a.agent} ${a.scope}`);
    expect(installed).toEqual(['gemini user']);

    const u = json(['agent', 'uninstall', 'gemini']);
    expect(u.body.files[0].action).toBe('removed');
    expect(existsSync(join(home, '.gemini'))).toBe(false);
    const after = json(['agent', 'status']);
    expect(after.body.agents.every((a: any) => a.installed === 'none')).toBe(true);
  });

  it('prints what it changed, for a person', () => {
    const r = fragctl(['agent', 'install', 'gemini']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gemini (user settings):');
    expect(r.stdout).toContain('~/.gemini/settings.json: created — hooks SessionStart, BeforeAgent');
    expect(r.stdout).toContain('MCP server fragd');
    const u = fragctl(['agent', 'uninstall', 'gemini']);
    expect(u.stdout).toContain('~/.gemini/settings.json: removed (fragd had created it)');
  });

  it('refuses unknown agents and --user with --project as usage errors', () => {
    expect(fragctl(['agent', 'install', 'cursor']).code).toBe(2);
    expect(fragctl(['agent', 'install', 'gemini', '--user', '--project', home]).code).toBe(2);
    const missing = fragctl(['agent', 'install', 'gemini', '--project', join(home, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such directory');
  });
});
