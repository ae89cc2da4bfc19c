// fragctl agent install | uninstall | status: merges fragd's hooks and MCP registration into a
// coding agent's own settings files, and takes them out again. Local files only (no daemon).
//
// Rules:
// - Every entry that was there stays; fragd's entries are recognised by what they run
//   (fragd-agent-hook.sh, `fragctl.js mcp` under the name "fragd"), so install is idempotent
//   and survives a moved checkout (the old entries are replaced).
// - A record per file (under fragd's state dir) keeps the file as it was before fragd's first
//   change and the text fragd wrote. Uninstall puts the old bytes back when the file is still
//   what fragd wrote; when the user has edited it since, it removes exactly fragd's entries
//   (and the containers fragd created) and keeps theirs.
// - A file that does not parse is refused with where it is broken, and left untouched; all
//   files of an agent are checked before any is written.
// - Writes go through a temporary file and a rename in the same directory, with the file's
//   mode kept; a settings file that is a symlink (dotfile managers) is written through.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AGENT_EVENTS, type Agent } from './events.js';
import { parseSettings, sameJson, setAt, SettingsError, valueAt, type JsonPath } from './jsonc-edit.js';
import { hookArgv, isFragdHandler, isFragdServer, targetFiles, type Scope, type TargetFile } from './targets.js';
import { parseToml, removeTable, setTable, tableAt } from './toml-edit.js';

export { SettingsError };

export type Action = 'created' | 'updated' | 'unchanged' | 'restored' | 'removed' | 'cleaned' | 'absent';

export interface FileChange {
  path: string;
  action: Action;
  /** Hook events fragd has in the file after the command. */
  hooks: string[];
  /** fragd's MCP server is registered in the file after the command. */
  mcp: boolean;
}

export interface AgentResult {
  agent: Agent;
  scope: 'user' | 'project';
  project?: string;
  files: FileChange[];
  notes: string[];
}

interface InstallRecord {
  path: string;
  /** The file before fragd's first change; null when there was no file. */
  original: string | null;
  /** The text fragd wrote last. */
  installed: string;
  /** Containers fragd created ("hooks", "hooks/Stop", "mcpServers"), removed with its entries. */
  created: string[];
  /** Directories fragd created for the file, deepest first. */
  dirs: string[];
}

// ---------------------------------------------------------------------------------------
// The edits, as pure functions of the text.

const containerKey = (path: JsonPath) => path.join('/');

/** Adds fragd's entries to text (which holds none of them); `created` collects new containers. */
function applyEntries(text: string, file: TargetFile, created: Set<string>): string {
  if (file.format === 'toml') {
    if (!file.mcp) return text;
    if (tableAt(parseToml(text, file.path), file.mcp.path.slice(0, -1)) === undefined) created.add(file.mcp.path[0]);
    return setTable(text, file.mcp.path, file.mcp.value, file.path);
  }
  let t = text;
  let tree = parseSettings(t, file.path);
  for (const [event, group] of Object.entries(file.hooks)) {
    const hooks = valueAt(tree, ['hooks']);
    if (hooks !== undefined && (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)))
      throw new SettingsError(`${file.path}: "hooks" is not an object; fix it, then run the command again`);
    const list = valueAt(tree, ['hooks', event]);
    if (list === undefined) {
      if (hooks === undefined) created.add('hooks');
      created.add(containerKey(['hooks', event]));
      t = setAt(t, ['hooks', event], [group]);
    } else if (Array.isArray(list)) {
      t = setAt(t, ['hooks', event, list.length], group, true);
    } else {
      throw new SettingsError(`${file.path}: "hooks.${event}" is not a list; fix it, then run the command again`);
    }
    tree = parseSettings(t, file.path);
  }
  if (file.mcp) {
    const parent = file.mcp.path.slice(0, -1);
    const existing = valueAt(tree, file.mcp.path);
    if (existing !== undefined && !isFragdServer(existing))
      throw new SettingsError(
        `${file.path} already registers another MCP server named "${file.mcp.path[file.mcp.path.length - 1]}"; rename it, then run the command again`,
      );
    if (valueAt(tree, parent) === undefined) created.add(containerKey(parent));
    t = setAt(t, file.mcp.path, file.mcp.value);
  }
  return t;
}

/**
 * Removes fragd's entries from text. Containers left empty go too when fragd created them
 * (`created`), or, with no record to tell, when fragd's entries were all they held.
 */
function stripEntries(text: string, file: TargetFile, created: Set<string> | null): string {
  const mayDrop = (key: string) => created === null || created.has(key);
  if (file.format === 'toml') {
    if (!file.mcp) return text;
    const doc = parseToml(text, file.path);
    return isFragdServer(tableAt(doc, file.mcp.path)) ? removeTable(text, file.mcp.path, file.path) : text;
  }
  let t = text;
  let tree = parseSettings(t, file.path);
  const hooks = valueAt(tree, ['hooks']);
  if (hooks && typeof hooks === 'object' && !Array.isArray(hooks)) {
    // A "hooks": {} the user wrote is theirs: only a container fragd's entries emptied may go.
    let removedAny = false;
    for (const event of Object.keys(hooks)) {
      const list = valueAt(tree, ['hooks', event]);
      if (!Array.isArray(list)) continue;
      const hadOurs = list.some((g) => handlersOf(g).some(isFragdHandler));
      if (!hadOurs) continue;
      removedAny = true;
      for (let gi = list.length - 1; gi >= 0; gi--) {
        const handlers = handlersOf(list[gi]);
        if (!handlers.some(isFragdHandler)) continue;
        if (handlers.every(isFragdHandler)) t = setAt(t, ['hooks', event, gi], undefined);
        else
          for (let hi = handlers.length - 1; hi >= 0; hi--)
            if (isFragdHandler(handlers[hi])) t = setAt(t, ['hooks', event, gi, 'hooks', hi], undefined);
      }
      tree = parseSettings(t, file.path);
      const left = valueAt(tree, ['hooks', event]);
      if (Array.isArray(left) && left.length === 0 && mayDrop(containerKey(['hooks', event]))) {
        t = setAt(t, ['hooks', event], undefined);
        tree = parseSettings(t, file.path);
      }
    }
    const left = valueAt(tree, ['hooks']);
    if (removedAny && left && typeof left === 'object' && Object.keys(left).length === 0 && mayDrop('hooks')) {
      t = setAt(t, ['hooks'], undefined);
      tree = parseSettings(t, file.path);
    }
  }
  if (file.mcp && isFragdServer(valueAt(tree, file.mcp.path))) {
    t = setAt(t, file.mcp.path, undefined);
    tree = parseSettings(t, file.path);
    const parent = file.mcp.path.slice(0, -1);
    const left = valueAt(tree, parent);
    if (left && typeof left === 'object' && Object.keys(left).length === 0 && mayDrop(containerKey(parent)))
      t = setAt(t, parent, undefined);
  }
  return t;
}

const handlersOf = (group: unknown): unknown[] => {
  const h = (group as { hooks?: unknown } | null)?.hooks;
  return Array.isArray(h) ? h : [];
};

/** What of fragd's is in the text: hook events, the MCP server, and whether they are this install's. */
function inspect(text: string, file: TargetFile): { hooks: string[]; mcp: boolean; current: boolean } {
  if (file.format === 'toml') {
    const server = file.mcp ? tableAt(parseToml(text, file.path), file.mcp.path) : undefined;
    const mcp = isFragdServer(server);
    return { hooks: [], mcp, current: !file.mcp || (mcp && sameJson(server, file.mcp.value)) };
  }
  const tree = parseSettings(text, file.path);
  const hooks: string[] = [];
  let current = true;
  const all = valueAt(tree, ['hooks']);
  for (const [event, list] of Object.entries(all && typeof all === 'object' ? all : {})) {
    const ours = Array.isArray(list) ? list.filter((g) => handlersOf(g).some(isFragdHandler)) : [];
    if (ours.length) hooks.push(event);
    if (event in file.hooks && !(ours.length === 1 && sameJson(ours[0], file.hooks[event]))) current = false;
  }
  for (const event of Object.keys(file.hooks)) if (!hooks.includes(event)) current = false;
  const server = file.mcp ? valueAt(tree, file.mcp.path) : undefined;
  const mcp = isFragdServer(server);
  if (file.mcp && !(mcp && sameJson(server, file.mcp.value))) current = false;
  return { hooks, mcp, current };
}

const isEmptyDocument = (text: string, file: TargetFile): boolean =>
  file.format === 'toml' ? text.trim() === '' : text.replace(/\s/g, '') === '{}' || text.trim() === '';

// ---------------------------------------------------------------------------------------
// Files and records.

/** The file to write: through a symlink to its target; a missing file under its real parent. */
function realTarget(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  let dir = dirname(path);
  const rest = [basename(path)];
  while (!existsSync(dir) && dirname(dir) !== dir) {
    rest.unshift(basename(dir));
    dir = dirname(dir);
  }
  return join(realpathSync(dir), ...rest);
}

function writeAtomic(path: string, text: string, mode: number | null): void {
  const tmp = join(dirname(path), `.${basename(path)}.fragd-${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode ?? 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (mode !== null) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Creates the missing directories above path; returns those it created, deepest first. */
function makeParents(path: string): string[] {
  const made: string[] = [];
  for (let dir = dirname(path); !existsSync(dir); dir = dirname(dir)) made.unshift(dir);
  for (const dir of made) mkdirSync(dir);
  return made.reverse();
}

export class RecordStore {
  constructor(readonly dir: string) {}

  private fileOf(path: string): string {
    return join(this.dir, `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.json`);
  }

  get(path: string): InstallRecord | null {
    try {
      const rec = JSON.parse(readFileSync(this.fileOf(path), 'utf8')) as InstallRecord;
      return rec.path === path ? rec : null;
    } catch {
      return null;
    }
  }

  put(rec: InstallRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomic(this.fileOf(rec.path), JSON.stringify(rec, null, 2) + '\n', 0o600);
  }

  drop(path: string): void {
    try {
      unlinkSync(this.fileOf(path));
    } catch {
      /* no record */
    }
  }
}

const readText = (path: string): string | null => (existsSync(path) ? readFileSync(path, 'utf8') : null);

// ---------------------------------------------------------------------------------------
// The commands.

function notesFor(agent: Agent, scope: Scope, files: TargetFile[]): string[] {
  const notes: string[] = [];
  const script = hookArgv(agent, 'SessionStart')[0];
  if (!existsSync(script))
    notes.push(`${script} does not exist yet: build fragd (npm run build) before the agent runs`);
  if (agent === 'codex') {
    notes.push(CODEX_TRUST_STEP);
    const config = files.find((f) => f.format === 'toml');
    const text = config && readText(realTarget(config.path));
    if (text && parseToml(text, config.path).value.hooks !== undefined)
      notes.push(
        `${config.path} also has inline [hooks]; Codex loads both and warns (fragd writes hooks.json beside it)`,
      );
    if (scope.kind === 'project') notes.push('Codex loads a project’s .codex/ only when you trust the project');
  }
  if (agent === 'claude' && scope.kind === 'project')
    notes.push('Claude Code asks you to approve the project’s MCP servers (.mcp.json) the first time');
  if (agent === 'gemini' && scope.kind === 'project')
    notes.push('Gemini CLI reads a project’s .gemini/settings.json only in a trusted folder');
  if (scope.kind === 'project') notes.push('these files name paths on this machine: keep them out of version control');
  return notes;
}

const scopeInfo = (scope: Scope) =>
  scope.kind === 'project' ? { scope: 'project' as const, project: scope.dir } : { scope: 'user' as const };

/** A target file as it is now: its real path, its text (null: absent), what fragd recorded of it. */
function current<F extends { path: string }>(file: F, store: RecordStore) {
  const path = realTarget(file.path);
  return { path, text: readText(path), rec: store.get(path), target: { ...file, path } };
}

export function installAgent(agent: Agent, scope: Scope, store: RecordStore, env = process.env): AgentResult {
  const files = targetFiles(agent, scope, env);
  // Plan every file first, so a file that does not parse leaves all of them untouched.
  const plans = files.map((file) => {
    const { path, text, rec, target } = current(file, store);
    let original: string | null;
    let base: string;
    if (rec && text !== null && text === rec.installed) {
      original = rec.original;
      base = rec.original ?? '';
    } else if (text === null) {
      original = null;
      base = '';
    } else {
      base = stripEntries(text, target, rec ? new Set(rec.created) : null);
      original = base;
    }
    const created = new Set<string>();
    const next = applyEntries(base, target, created);
    return { file: target, shown: file.path, path, text, rec, original, next, created };
  });
  const changes = plans.map((p): FileChange => {
    const dirs = p.text === null ? makeParents(p.path) : [];
    store.put({
      path: p.path,
      original: p.original,
      installed: p.next,
      created: [...p.created],
      dirs: p.rec && p.text === p.rec.installed ? p.rec.dirs : dirs,
    });
    const action: Action = p.text === null ? 'created' : p.text === p.next ? 'unchanged' : 'updated';
    if (action !== 'unchanged') writeAtomic(p.path, p.next, p.text === null ? null : statSync(p.path).mode & 0o7777);
    const now = inspect(p.next, p.file);
    return { path: p.shown, action, hooks: now.hooks, mcp: now.mcp };
  });
  return { agent, ...scopeInfo(scope), files: changes, notes: notesFor(agent, scope, files) };
}

export function uninstallAgent(agent: Agent, scope: Scope, store: RecordStore, env = process.env): AgentResult {
  const files = targetFiles(agent, scope, env);
  const plans = files.map((file) => {
    const { path, text, rec, target } = current(file, store);
    const stripped = text === null ? null : stripEntries(text, target, rec ? new Set(rec.created) : null);
    return { file: target, shown: file.path, path, text, rec, stripped };
  });
  const changes = plans.map(({ file, shown, path, text, rec, stripped }): FileChange => {
    let action: Action;
    if (text === null || stripped === null) action = 'absent';
    else if (rec && text === rec.installed) {
      if (rec.original === null) {
        unlinkSync(path);
        for (const dir of rec.dirs) {
          try {
            rmdirSync(dir); // only when empty
          } catch {
            break;
          }
        }
        action = 'removed';
      } else {
        writeAtomic(path, rec.original, statSync(path).mode & 0o7777);
        action = 'restored';
      }
    } else if (stripped === text) action = 'unchanged';
    else if (rec?.original === null && isEmptyDocument(stripped, file)) {
      unlinkSync(path);
      action = 'removed';
    } else {
      writeAtomic(path, stripped, statSync(path).mode & 0o7777);
      action = 'cleaned';
    }
    store.drop(path);
    return { path: shown, action, hooks: [], mcp: false };
  });
  return { agent, ...scopeInfo(scope), files: changes, notes: [] };
}

export interface FileStatus {
  path: string;
  exists: boolean;
  /** Hook events with fragd's hook in the file. */
  hooks: string[];
  /** Events fragd installs that the file lacks. */
  missing: string[];
  mcp: boolean | null;
  /** fragd's entries are those this fragctl would write (same paths). */
  current: boolean;
  /** fragd keeps a record to restore the file. */
  recorded: boolean;
  error?: string;
}

export interface AgentStatus {
  agent: Agent;
  scope: 'user' | 'project';
  project?: string;
  /** all: every hook and the MCP server; partial: some; none. */
  installed: 'all' | 'partial' | 'none';
  files: FileStatus[];
  /**
   * Codex runs a hook only once the person trusted it (in /hooks): fragd's installed hooks
   * with no trust record in Codex's config.toml, and the step that trusts them.
   */
  trust?: { untrusted: string[]; step: string };
}

/**
 * Only the person can trust Codex hooks: Codex records the trust of each hook's exact
 * definition (a hash it computes) when they review it in /hooks, and skips an untrusted
 * hook without a word. fragd never writes that trust for them.
 */
export const CODEX_TRUST_STEP =
  'Codex skips new or changed hooks until you trust them: run `codex` in a terminal, type /hooks, and trust the fragd hooks (once per install or upgrade of fragd); a one-off headless run may instead pass `codex exec --dangerously-bypass-hook-trust`';

/** `PreToolUse` → `pre_tool_use`, the spelling of Codex's trust keys. */
const snake = (event: string): string => event.replace(/(?<!^)(?=[A-Z])/g, '_').toLowerCase();

/**
 * fragd's Codex hooks with no trust record: Codex keeps one per hook in config.toml as
 * [hooks.state."<hooks.json path>:<event>:<group>:<handler>"] trusted_hash = "…". A record
 * there is taken as trust (whether its hash still matches is Codex's to say).
 */
function codexUntrusted(hooksFile: string, configFile: string, events: string[]): string[] {
  const text = readText(configFile);
  let state: Record<string, unknown> = {};
  try {
    const hooks = text ? (parseToml(text, configFile).value.hooks as { state?: unknown } | undefined) : undefined;
    if (hooks && typeof hooks.state === 'object' && hooks.state) state = hooks.state as Record<string, unknown>;
  } catch {
    /* an unreadable config.toml is reported with the file */
  }
  const trusted = (event: string) =>
    Object.entries(state).some(
      ([key, v]) =>
        key.startsWith(`${hooksFile}:${snake(event)}:`) &&
        typeof (v as { trusted_hash?: unknown } | null)?.trusted_hash === 'string',
    );
  return events.filter((e) => !trusted(e));
}

export function agentStatus(agent: Agent, scope: Scope, store: RecordStore, env = process.env): AgentStatus {
  const files = targetFiles(agent, scope, env).map((file): FileStatus => {
    const path = realTarget(file.path);
    const text = readText(path);
    const recorded = store.get(path) !== null;
    const wanted = Object.keys(file.hooks);
    const base = { path: file.path, exists: text !== null, recorded };
    if (text === null) return { ...base, hooks: [], missing: wanted, mcp: file.mcp ? false : null, current: false };
    try {
      const seen = inspect(text, { ...file, path });
      return {
        ...base,
        hooks: seen.hooks,
        missing: wanted.filter((e) => !seen.hooks.includes(e)),
        mcp: file.mcp ? seen.mcp : null,
        current: seen.current,
      };
    } catch (err) {
      return { ...base, hooks: [], missing: wanted, mcp: null, current: false, error: (err as Error).message };
    }
  });
  const wanted = AGENT_EVENTS[agent].events.length + 1;
  const have = files.reduce((n, f) => n + f.hooks.length + (f.mcp ? 1 : 0), 0);
  const complete = files.every((f) => f.missing.length === 0 && f.mcp !== false);
  const hooksFile = agent === 'codex' ? files.find((f) => f.hooks.length) : undefined;
  const config = agent === 'codex' ? targetFiles(agent, scope, env).find((f) => f.format === 'toml') : undefined;
  const untrusted =
    hooksFile && config ? codexUntrusted(realTarget(hooksFile.path), realTarget(config.path), hooksFile.hooks) : [];
  return {
    agent,
    ...scopeInfo(scope),
    installed: complete && have >= wanted ? 'all' : have > 0 ? 'partial' : 'none',
    files,
    ...(untrusted.length ? { trust: { untrusted, step: CODEX_TRUST_STEP } } : {}),
  };
}
