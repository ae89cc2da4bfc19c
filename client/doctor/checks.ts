// `fragctl doctor`: one check per thing that can be wrong with an install, each a verdict
// with the fix. A check never changes anything; "warn" is for what is optional or merely
// unusual, "fail" for what stops fragd from working (and makes doctor exit non-zero).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fragctl } from '../../shared/command.js';
import type { FragPaths } from '../../shared/paths.js';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import type { ResultOf } from '../../shared/protocol/methods.js';
import type { FragClient } from '../lib/client.js';
import { CHAINED_SUFFIX, HOOKS } from '../hooks/install.js';
import { AGENTS, type Agent } from '../agents/events.js';
import { agentStatus, RecordStore } from '../agents/install.js';
import { checkSocketPlace } from '../../shared/safety/owned-dir.js';

/** `info`: worth knowing, nothing to fix (e.g. a daemon not started yet, which fragctl starts itself). */
export type Verdict = 'ok' | 'info' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  title: string;
  verdict: Verdict;
  detail: string;
  /** What to do about it, when the verdict is not ok. */
  fix?: string;
}

export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  paths: FragPaths;
  /** A connection to the running daemon, or why there is none (`notRunning`: nothing listens at all). */
  client: FragClient | { unreachable: string; notRunning?: boolean };
  /** Whether fragctl starts fragd itself when none answers (FRAGMENTS_NO_AUTOSTART unset). */
  autoStart?: boolean;
  clientVersion: string;
}

const MIN_FREE_BYTES = 200 * 1024 * 1024;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(b < 10 * 1024 * 1024 ? 1 : 0)} MB`;

const ok = (id: string, title: string, detail: string): CheckResult => ({ id, title, verdict: 'ok', detail });
const bad = (id: string, title: string, verdict: Verdict, detail: string, fix?: string): CheckResult => ({
  id,
  title,
  verdict,
  detail,
  ...(fix ? { fix } : {}),
});

function nodeCheck(): CheckResult {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 19)
    ? ok('node', 'Node.js', `${process.version} at ${process.execPath}`)
    : bad('node', 'Node.js', 'fail', `${process.version} is older than 20.19`, 'install Node.js 20.19 or newer');
}

/** The socket directory and socket must be ours, the directory closed to others (DESIGN.md §9): the clients' own verdict; doctor only looks. */
function socketDirCheck(paths: FragPaths): CheckResult {
  const title = 'socket directory';
  const dir = dirname(paths.socket);
  const verdict = checkSocketPlace(paths.socket);
  if (!verdict.ok) return bad('socket-dir', title, 'fail', verdict.problem, verdict.fix);
  if (!existsSync(dir))
    return ok('socket-dir', title, `${dir} does not exist yet (fragd creates it 0700 when it starts)`);
  return ok('socket-dir', title, `${dir} is yours, mode 700`);
}

async function daemonChecks(c: DoctorContext): Promise<CheckResult[]> {
  if ('unreachable' in c.client)
    return [
      // Right after setup nothing has started fragd yet, and that is fine: the next command starts it.
      c.client.notRunning && c.autoStart
        ? bad(
            'daemon',
            'daemon',
            'info',
            `not running yet: the next fragctl command starts it (or ${fragctl('daemon', 'start')} now)`,
          )
        : bad(
            'daemon',
            'daemon',
            'fail',
            c.client.unreachable,
            `${fragctl('daemon', 'start')} (${fragctl('daemon', 'logs')} tells why it stopped)`,
          ),
      bad('version', 'versions', 'skip', 'needs the daemon'),
      bad('database', 'database', 'skip', 'needs the daemon'),
      bad('http', 'HTTP API', 'skip', 'needs the daemon'),
      bad('sync', 'team sync', 'skip', 'needs the daemon'),
    ];
  const client = c.client;
  const st = await client.call('daemon.status');
  const results: CheckResult[] = [
    ok('daemon', 'daemon', `pid ${st.pid}, up ${st.uptime_seconds}s, ${st.memory.rss_mb} MB resident`),
  ];
  results.push(
    st.version === c.clientVersion && st.protocol === PROTOCOL_VERSION
      ? ok('version', 'versions', `fragctl and fragd ${st.version}, protocol ${st.protocol}`)
      : bad(
          'version',
          'versions',
          'warn',
          `fragctl ${c.clientVersion} (protocol ${PROTOCOL_VERSION}) talks to fragd ${st.version} (protocol ${st.protocol})`,
          'restart fragd after an upgrade: fragctl daemon stop (the next command starts the new one)',
        ),
  );
  const db = await client.call('daemon.check');
  results.push(
    db.integrity === 'ok'
      ? ok('database', 'database', `${st.paths.db}: intact, ${mb(db.db_bytes)} (+${mb(db.wal_bytes)} log)`)
      : bad(
          'database',
          'database',
          'fail',
          `${st.paths.db} is damaged: ${db.problems.slice(0, 3).join('; ')}`,
          'stop fragd, keep a copy of the file, restore a backup or recover it with the sqlite3 shell (.recover) — see docs/operations.md',
        ),
  );
  results.push(await httpCheck(st));
  results.push(syncCheck(await client.call('sync.status')));
  return results;
}

function httpCheck(st: ResultOf<'daemon.status'>): Promise<CheckResult> {
  const title = 'HTTP API';
  if (!st.http.enabled) return Promise.resolve(bad('http', title, 'skip', 'disabled in config (http.enabled)'));
  if (!st.http.url || st.http.error)
    return Promise.resolve(
      bad(
        'http',
        title,
        'fail',
        `enabled but not listening: ${st.http.error ?? 'no address'}`,
        'free the port or set http.port in config.json, then restart fragd',
      ),
    );
  const url = new URL('/rpc', st.http.url);
  let token = '';
  try {
    token = readFileSync(st.http.token_file ?? '', 'utf8').trim();
  } catch {
    return Promise.resolve(
      bad('http', title, 'fail', `cannot read the token file ${st.http.token_file}`, 'restart fragd to write it'),
    );
  }
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'daemon.hello',
    params: { protocol: PROTOCOL_VERSION },
  });
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        timeout: 3000,
      },
      (res) => {
        res.resume();
        resolve(
          res.statusCode === 200
            ? ok('http', title, `${st.http.url} answers with the token`)
            : bad('http', title, 'fail', `${st.http.url} answered ${res.statusCode}`, 'fragctl daemon logs tells why'),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', (err) =>
      resolve(bad('http', title, 'fail', `${url.href}: ${err.message}`, 'fragctl daemon logs tells why')),
    );
    req.end(body);
  });
}

/** Team sync (docs/team-sync.md): reachable, and not falling behind. */
function syncCheck(s: ResultOf<'sync.status'>): CheckResult {
  const title = 'team sync';
  if (!s.enabled) return bad('sync', title, 'skip', 'off (config sync.enabled)');
  const where = `team ${s.team ?? '?'} as ${s.machine ?? '?'}`;
  if (s.connected === false || s.last_error)
    return bad(
      'sync',
      title,
      'fail',
      `${where}: the team store is not reachable${s.last_error ? ` (${s.last_error.message})` : ''}; ${s.queue} changes queued`,
      `check the connection string (${s.store ?? 'FRAGD_PG_URL or sync.url_file'}) and that PostgreSQL answers; ${fragctl('sync', 'status')} shows the lag`,
    );
  if (s.claim_conflicts?.length)
    return bad(
      'sync',
      title,
      'warn',
      `${where}: ${s.claim_conflicts.length} task(s) held on two machines (${s.claim_conflicts.map((c) => c.task).join(', ')})`,
      `deactivate the task on one machine (${fragctl('sync', 'status')} names them)`,
    );
  return ok('sync', title, `${where}: ${s.queue} changes queued, last push ${s.last_push_at ?? 'not yet'}`);
}

function diskCheck(paths: FragPaths): CheckResult {
  const title = 'disk space';
  try {
    const dir = existsSync(paths.stateDir) ? paths.stateDir : homedir();
    const s = statfsSync(dir);
    const free = s.bavail * s.bsize;
    return free >= MIN_FREE_BYTES
      ? ok('disk', title, `${mb(free)} free for ${dir}`)
      : bad(
          'disk',
          title,
          'fail',
          `only ${mb(free)} free for ${dir}`,
          'free disk space: fragd refuses writes when full',
        );
  } catch (err) {
    return bad('disk', title, 'warn', `cannot read free space: ${(err as Error).message}`);
  }
}

const git = (args: string[]): string | null => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
};

/** Whether fragd's hooks run for commits: globally (setup) or in the current repository. */
function hooksCheck(): CheckResult {
  const title = 'git hooks';
  if (git(['--version']) === null) return bad('hooks', title, 'skip', 'git is not installed');
  const ours = (dir: string) =>
    HOOKS.every((h) => {
      try {
        return readFileSync(join(dir, h), 'utf8').includes('fragd-hook-version:');
      } catch {
        return false;
      }
    });
  const global = git(['config', '--global', '--get', 'core.hooksPath']);
  if (global && ours(global)) return ok('hooks', title, `installed for every repository (${global})`);
  const here = git(['rev-parse', '--git-path', 'hooks']);
  if (here && ours(here)) return ok('hooks', title, `installed in this repository (${here})`);
  const chainedLeft = here && HOOKS.some((h) => existsSync(join(here, h + CHAINED_SUFFIX)) && !ours(here));
  return bad(
    'hooks',
    title,
    chainedLeft ? 'fail' : 'warn',
    chainedLeft
      ? `${here} holds a hook fragd chained, but fragd's own hook is gone: the old hook no longer runs`
      : 'not installed: commits are not recorded',
    chainedLeft ? 'fragctl hooks uninstall (puts the old hook back) or fragctl hooks install' : 'fragctl setup --yes',
  );
}

function systemdCheck(env: NodeJS.ProcessEnv): CheckResult {
  const title = 'systemd units';
  const dir = join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'systemd', 'user');
  const service = join(dir, 'fragd.service');
  if (!existsSync(service))
    return bad(
      'systemd',
      title,
      'warn',
      'not installed (optional: fragctl starts fragd itself)',
      'fragctl setup --yes',
    );
  const exec = /^ExecStart=(.*)$/m.exec(readFileSync(service, 'utf8'))?.[1] ?? '';
  const words = [...exec.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
  const missing = words.filter((w) => w.startsWith('/') && !existsSync(w.replace(/%%/g, '%').replace(/\$\$/g, '$')));
  if (missing.length)
    return bad(
      'systemd',
      title,
      'fail',
      `${service} runs ${missing.join(', ')}, which does not exist (moved or upgraded install?)`,
      'fragctl setup --undo, then fragctl setup --yes',
    );
  let enabled: string | null = null;
  try {
    enabled = execFileSync('systemctl', ['--user', 'is-enabled', 'fragd.socket'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    enabled = null;
  }
  return ok('systemd', title, `${service}${enabled ? `, fragd.socket ${enabled}` : ' (systemd not running here)'}`);
}

/** Each coding agent configured on this machine: fragd's hooks and MCP server in its user settings. */
function agentChecks(env: NodeJS.ProcessEnv, paths: FragPaths): CheckResult[] {
  const home = env.HOME || homedir();
  const dirs: Record<Agent, string> = {
    claude: env.CLAUDE_CONFIG_DIR || join(home, '.claude'),
    codex: env.CODEX_HOME || join(home, '.codex'),
    gemini: join(home, '.gemini'),
  };
  const store = new RecordStore(join(paths.stateDir, 'agent-installs'));
  return AGENTS.filter((a) => existsSync(dirs[a])).map((agent) => {
    const id = `agent-${agent}`;
    const title = `agent ${agent}`;
    const st = agentStatus(agent, { kind: 'user' }, store, env);
    const broken = st.files.find((f) => f.error);
    if (broken)
      return bad(
        id,
        title,
        'fail',
        `${broken.path}: ${broken.error}`,
        `fix the file, then ${fragctl('agent', 'install', agent)}`,
      );
    if (st.installed === 'none')
      return bad(id, title, 'warn', 'not tracked: fragd is not in its settings', fragctl('agent', 'install', agent));
    if (st.installed === 'partial' || st.files.some((f) => f.exists && !f.current && f.hooks.length))
      return bad(
        id,
        title,
        'fail',
        `fragd's entries are incomplete or name another install (${st.files.map((f) => f.path).join(', ')})`,
        `${fragctl('agent', 'install', agent)} (it replaces them)`,
      );
    if (st.trust)
      return bad(
        id,
        title,
        'warn',
        `Codex skips fragd's hooks it has not trusted: ${st.trust.untrusted.join(', ')}`,
        st.trust.step,
      );
    return ok(id, title, `hooks and MCP server in ${st.files.map((f) => f.path).join(', ')}`);
  });
}

/** Checks contributed by other areas (sync), run after the built-in ones. */
export type ExtraCheck = (c: DoctorContext) => Promise<CheckResult[]> | CheckResult[];

export async function runChecks(c: DoctorContext, extra: ExtraCheck[] = []): Promise<CheckResult[]> {
  const results = [nodeCheck(), socketDirCheck(c.paths), ...(await daemonChecks(c)), diskCheck(c.paths)];
  results.push(hooksCheck(), systemdCheck(c.env), ...agentChecks(c.env, c.paths));
  for (const x of extra) results.push(...(await x(c)));
  return results;
}
