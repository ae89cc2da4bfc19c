// Installs fragd's hook script into a repository's hooks directory (core.hooksPath is
// honoured: git itself says where hooks live). A hook that was there before is kept as
// <name>.fragd-chained and run first by fragd's script; uninstall puts it back.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { HOOK_SCRIPT } from './script.js';
import { fragctl } from '../../shared/command.js';

export const HOOKS = ['post-commit', 'post-checkout', 'post-merge', 'post-rewrite', 'pre-commit'] as const;

/**
 * With git's global core.hooksPath pointing at fragd's directory, git runs no hook from a
 * repository's own .git/hooks. fragd's four run the repository's own; these pass the other
 * hooks githooks(5) names through, so a pre-commit or pre-push still runs. Left out:
 * reference-transaction and post-index-change, which git runs on every ref or index update.
 */
export const PASS_THROUGH_HOOKS = [
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'pre-rebase',
  'pre-push',
  'pre-auto-gc',
  'push-to-checkout',
  'sendemail-validate',
  'pre-receive',
  'update',
  'proc-receive',
  'post-receive',
  'post-update',
] as const;

/** Runs the repository's own hook of the same name, with the same arguments and stdin. */
export const PASS_THROUGH_SCRIPT = `#!/bin/sh
# fragd: git's global core.hooksPath points here; run this repository's own hook, as git would.
own=$(git rev-parse --git-common-dir 2>/dev/null) || exit 0
own=$own/hooks/\${0##*/}
[ -x "$own" ] && [ ! "$own" -ef "$0" ] || exit 0
exec "$own" "$@"
`;
export type Hook = (typeof HOOKS)[number];
const MARKER = 'fragd-hook-version:';
export const CHAINED_SUFFIX = '.fragd-chained';

/** A problem the user can fix; fragctl prints it without a stack trace. */
export class HookError extends Error {}

export interface HookState {
  hook: Hook;
  path: string;
  /** fragd's script is installed at path. */
  installed: boolean;
  /** A hook that was there before, run first by fragd's script. */
  chained: string | null;
  /** Something else (not fragd's script) is at path. */
  foreign: boolean;
}

export interface HookChange extends HookState {
  action: 'installed' | 'updated' | 'chained' | 'removed' | 'restored' | 'absent' | 'left-foreign';
}

function gitOut(repo: string, args: string[]): string {
  try {
    return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? '').trim();
    throw new HookError(
      `${repo} is not a git repository${stderr ? ` (${stderr.split('\n')[0]})` : ''}; pass one with --repo DIR`,
    );
  }
}

/** The directory git runs hooks from: core.hooksPath when set, else $GIT_DIR/hooks. */
export function hooksDir(repo: string): string {
  const dir = resolve(repo);
  if (!existsSync(dir)) throw new HookError(`${dir} does not exist; pass a repository with --repo DIR`);
  gitOut(dir, ['rev-parse', '--git-dir']);
  return resolve(dir, gitOut(dir, ['rev-parse', '--git-path', 'hooks']));
}

const isOurs = (path: string): boolean => {
  try {
    return lstatSync(path).isFile() && readFileSync(path, 'utf8').includes(MARKER);
  } catch {
    return false;
  }
};
const exists = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

function state(dir: string, hook: Hook): HookState {
  const path = join(dir, hook);
  const chained = path + CHAINED_SUFFIX;
  const installed = isOurs(path);
  return { hook, path, installed, chained: exists(chained) ? chained : null, foreign: !installed && exists(path) };
}

export function hookStatus(repo: string): { hooks_dir: string; hooks: HookState[] } {
  const dir = hooksDir(repo);
  return { hooks_dir: dir, hooks: HOOKS.map((h) => state(dir, h)) };
}

function writeScript(path: string): void {
  const tmp = `${path}.fragd-tmp-${process.pid}`;
  writeFileSync(tmp, HOOK_SCRIPT, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, path);
}

export const installHooks = (repo: string) => installHooksIn(hooksDir(repo));
export const uninstallHooks = (repo: string) => uninstallHooksIn(hooksDir(repo));

/** Installs into a hooks directory itself (a repository's, or the global one of `fragctl setup`). */
export function installHooksIn(dir: string): { hooks_dir: string; hooks: HookChange[] } {
  mkdirSync(dir, { recursive: true });
  // Check every hook before changing any, so a refusal leaves the repository as it was.
  for (const h of HOOKS) {
    const s = state(dir, h);
    if (s.foreign && s.chained) {
      throw new HookError(
        `${s.path} is not fragd's hook, and ${s.chained} (the hook fragd chained earlier) is still there; move one of them away, then run ${fragctl('hooks', 'install')} again`,
      );
    }
  }
  return {
    hooks_dir: dir,
    hooks: HOOKS.map((h) => {
      const s = state(dir, h);
      let action: HookChange['action'] = s.installed ? 'updated' : 'installed';
      if (s.foreign) {
        renameSync(s.path, s.path + CHAINED_SUFFIX);
        action = 'chained';
      }
      writeScript(s.path);
      return { ...state(dir, h), action };
    }),
  };
}

export function uninstallHooksIn(dir: string): { hooks_dir: string; hooks: HookChange[] } {
  return {
    hooks_dir: dir,
    hooks: HOOKS.map((h) => {
      const s = state(dir, h);
      if (s.foreign) return { ...s, action: 'left-foreign' as const };
      if (!s.installed) {
        // fragd's script was deleted by hand: still put back the hook it had chained.
        if (!s.chained) return { ...s, action: 'absent' as const };
        renameSync(s.chained, s.path);
        return { ...state(dir, h), action: 'restored' as const };
      }
      unlinkSync(s.path);
      if (s.chained) {
        renameSync(s.chained, s.path);
        return { ...state(dir, h), action: 'restored' as const };
      }
      return { ...state(dir, h), action: 'removed' as const };
    }),
  };
}

/** Records waiting in the spool (written while fragd was down, or not yet ingested). */
export function spoolBacklog(spoolDir: string): number {
  try {
    return readdirSync(spoolDir).filter((n) => n.endsWith('.rec')).length;
  } catch {
    return 0;
  }
}
