// What `fragctl setup` changes on a machine, recorded so that `fragctl setup --undo` can take
// exactly that back: files it wrote (with the bytes that were there before), blocks it added
// to shell start-up files, git configuration it set (with the value before) and systemd units
// it enabled. The record lives in fragd's state directory as setup.json.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

export type Change =
  | { kind: 'file'; path: string; before: string | null; mode: number | null; dirs?: string[] }
  | { kind: 'block'; path: string; block: string; created: boolean; dirs?: string[] }
  | { kind: 'git-config'; key: string; before: string | null; created?: string | null }
  | { kind: 'systemd-enable'; unit: string }
  | { kind: 'hooks-dir'; dir: string; dirs?: string[] }
  | { kind: 'agent'; agent: string }
  | { kind: 'command'; undo: string[]; describe: string };

export interface StepRecord {
  step: string;
  at: string;
  changes: Change[];
}

export interface Manifest {
  version: 1;
  steps: StepRecord[];
}

export function readManifest(path: string): Manifest {
  if (!existsSync(path)) return { version: 1, steps: [] };
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

export function writeManifest(path: string, m: Manifest): void {
  writeAtomic(path, JSON.stringify(m, null, 2) + '\n', 0o600);
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeAtomic(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.fragd-tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/**
 * The file an edit of `path` writes: `path` itself, or the target of a symbolic link there
 * (start-up files kept in a dotfiles repository stay links; a rename over the link would
 * have replaced it with a copy). A link to nothing is refused: which file was meant?
 */
export function editTarget(path: string): string {
  try {
    if (!lstatSync(path).isSymbolicLink()) return path;
  } catch {
    return path; // does not exist: written as a new file
  }
  try {
    return realpathSync(path);
  } catch {
    throw new Error(
      `${path} is a symbolic link to ${readlinkSync(path)}, which does not exist; create that file or remove the link, then run fragctl setup again`,
    );
  }
}

/** Said in the plan setup prints, for a start-up file that is a link. */
export function linkNote(path: string): string {
  try {
    if (!lstatSync(path).isSymbolicLink()) return '';
  } catch {
    return '';
  }
  try {
    return ` (a symbolic link: its target ${realpathSync(path)} is edited, the link stays)`;
  } catch {
    return ` (a symbolic link to ${readlinkSync(path)}, which does not exist: setup will refuse it)`;
  }
}

/** The directories above path that do not exist yet, deepest first: those a write creates. */
export function missingParents(path: string): string[] {
  const missing: string[] = [];
  for (let dir = dirname(path); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.push(dir);
  return missing;
}

/** Removes the directories a write created, deepest first, stopping at the first that is not empty. */
function removeCreatedDirs(dirs: string[] | undefined): void {
  for (const dir of dirs ?? []) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty (someone else's files, or another step's, undone later) or gone
    }
  }
}

const readOrNull = (path: string): string | null => (existsSync(path) ? readFileSync(path, 'utf8') : null);

/** Writes a whole file, remembering what was there. */
export function writeFileChange(path: string, content: string, mode = 0o644): Change {
  const before = readOrNull(path);
  const oldMode = before === null ? null : statSync(path).mode & 0o777;
  const dirs = missingParents(path);
  writeAtomic(editTarget(path), content, mode);
  return { kind: 'file', path, before, mode: oldMode, ...(dirs.length ? { dirs } : {}) };
}

const blockBegin = (name: string) => `# >>> fragd ${name} >>>`;
const blockEnd = (name: string) => `# <<< fragd ${name} <<<`;

/** A block fragd adds to a shell start-up file, between markers a person recognises. */
export const blockText = (name: string, lines: string[]): string =>
  [blockBegin(name), '# added by `fragctl setup`; `fragctl setup --undo` removes it', ...lines, blockEnd(name)].join(
    '\n',
  ) + '\n';

export const hasBlock = (path: string, name: string): boolean => readOrNull(path)?.includes(blockBegin(name)) ?? false;

/** Appends fragd's named block to a start-up file (once). */
export function addBlock(path: string, name: string, lines: string[]): Change {
  const before = readOrNull(path);
  const block = blockText(name, lines);
  const sep = before === null || before === '' || before.endsWith('\n') ? '' : '\n';
  const dirs = missingParents(path);
  writeAtomic(editTarget(path), (before ?? '') + sep + block, before === null ? 0o644 : statSync(path).mode & 0o777);
  return { kind: 'block', path, block: sep + block, created: before === null, ...(dirs.length ? { dirs } : {}) };
}

/** Takes one recorded change back. Returns what it did, for the user. */
export interface Undoers {
  run: (argv: string[]) => void;
  unhook: (dir: string) => void;
  uninstallAgent: (agent: string) => string;
}

export function undoChange(c: Change, { run, unhook, uninstallAgent }: Undoers): string {
  switch (c.kind) {
    case 'file':
      if (c.before === null) {
        rmSync(c.path, { force: true });
        removeCreatedDirs(c.dirs);
        return `removed ${c.path}`;
      }
      writeAtomic(editTarget(c.path), c.before, c.mode ?? 0o644);
      return `restored ${c.path}`;
    case 'block': {
      const now = readOrNull(c.path);
      if (now === null) return `${c.path} is gone already`;
      if (!now.includes(c.block)) return `left ${c.path} alone: fragd's block was changed by hand (remove it yourself)`;
      const after = now.replace(c.block, '');
      if (c.created && after === '') {
        rmSync(c.path);
        removeCreatedDirs(c.dirs);
        return `removed ${c.path}`;
      }
      writeAtomic(editTarget(c.path), after, statSync(c.path).mode & 0o777);
      return `removed fragd's block from ${c.path}`;
    }
    case 'git-config':
      if (c.before === null) run(['git', 'config', '--global', '--unset', c.key]);
      else run(['git', 'config', '--global', c.key, c.before]);
      // git created the file for this key: an empty one left behind would not be "as before".
      if (c.created && readOrNull(c.created)?.trim() === '') rmSync(c.created);
      return c.before === null ? `unset git ${c.key}` : `git ${c.key} is back to ${c.before}`;
    case 'systemd-enable':
      run(['systemctl', '--user', 'disable', '--now', c.unit]);
      return `disabled ${c.unit}`;
    case 'hooks-dir':
      unhook(c.dir);
      removeCreatedDirs(c.dirs);
      return `removed fragd's git hooks from ${c.dir} (hooks it chained are back)`;
    case 'agent':
      return uninstallAgent(c.agent);
    case 'command':
      run(c.undo);
      return c.describe;
  }
}
