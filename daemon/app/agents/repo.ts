// Which project and task an agent's work belongs to, from where it runs: the repository of
// its working directory chooses the project (a .fragd.json at the repository's root, else
// the config's agents.repos), and a task code in the branch name chooses the task. Read
// from the files git keeps (.git, HEAD), never by running git, since this runs inside a
// write transaction.
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { RE2JS } from 're2js';
import type { FragConfig } from '../../config.js';
import { myUid, readSafely, trustedOwners } from '../../../shared/safety/safe-file.js';

export const MAPPING_FILE = '.fragd.json';
/** A repository's .fragd.json is a few settings: anything larger is not one. */
export const MAPPING_MAX = 64 * 1024;
/** .git (a worktree's "gitdir:" line) and HEAD are one line each. */
const GIT_FILE_MAX = 4096;

export interface RepoPlace {
  /** The repository's top directory (its physical path), or null outside any repository. */
  root: string | null;
  /** The branch checked out, or null (detached HEAD, no repository). */
  branch: string | null;
  /** The project the mapping names, if any. */
  project: string | null;
  /** The task code found in the branch name, if any. */
  task: string | null;
  /** Where the mapping came from: the repository's file, the config, or nowhere. */
  mapping: 'file' | 'config' | null;
  /** A mapping that could not be read, in words (shown in the session's activity). */
  problem: string | null;
}

function physical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const ownedByUs = (uid: number) => trustedOwners().includes(uid);

export type FoundRepo = { root: string; gitDir: string } | { refused: string } | null;

/**
 * The top of the repository holding `dir` and its git directory (a worktree's .git is a
 * file naming it). As git's safe.directory, the search stops at a directory that is not
 * this user's (or root's), and a .git another user owns is not taken: in a shared
 * directory another user could otherwise choose this user's project and task.
 */
export function findRepo(dir: string): FoundRepo {
  let at = physical(resolve(dir));
  for (;;) {
    let owner: number;
    try {
      owner = lstatSync(at).uid;
    } catch {
      return null;
    }
    if (!ownedByUs(owner))
      return {
        refused: `${at} belongs to uid ${owner}, not to you (uid ${myUid()}); the repository search stopped there`,
      };
    const dotGit = join(at, '.git');
    let st;
    try {
      st = lstatSync(dotGit);
    } catch {
      st = null;
    }
    if (st) {
      if (!ownedByUs(st.uid))
        return { refused: `${dotGit} belongs to uid ${st.uid}, not to you (uid ${myUid()}); it was not used` };
      if (st.isDirectory()) return { root: at, gitDir: dotGit };
      const r = readSafely(dotGit, { max: GIT_FILE_MAX });
      if (!r.ok) return { refused: `${r.reason}; it was not used` };
      const m = /^gitdir:\s*(.+)$/m.exec(r.data.toString('utf8'));
      if (m) {
        const gitDir = isAbsolute(m[1].trim()) ? m[1].trim() : resolve(at, m[1].trim());
        return { root: at, gitDir };
      }
    }
    const up = dirname(at);
    if (up === at) return null;
    at = up;
  }
}

export function branchOf(gitDir: string): string | null {
  const r = readSafely(join(gitDir, 'HEAD'), { max: GIT_FILE_MAX });
  if (!r.ok) return null;
  const m = /^ref:\s*refs\/heads\/(.+)$/.exec(r.data.toString('utf8').trim());
  return m ? m[1] : null;
}

/**
 * The task code in a branch name: the pattern's first group, else its whole match. The
 * pattern may come from a cloned repository, so it runs on RE2 (re2js): linear in the
 * branch's length whatever the pattern, where a backtracking RegExp like ^(a+)+$ takes
 * time doubling with each character. RE2 has no backreferences or lookaround; such a
 * pattern finds no task.
 */
export function taskCodeIn(branch: string, pattern: string): string | null {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch {
    return null;
  }
  const m = re.matcher(branch);
  if (!m.find()) return null;
  const group = re.groupCount() >= 1 ? m.group(1) : null;
  return (group ?? m.group(0)) || null;
}

interface MappingFile {
  project?: unknown;
  task_pattern?: unknown;
}

export function placeOf(cwd: string | null, config: FragConfig): RepoPlace {
  const none: RepoPlace = { root: null, branch: null, project: null, task: null, mapping: null, problem: null };
  if (!cwd || !isAbsolute(cwd)) return none;
  const repo = findRepo(cwd);
  if (!repo) return none;
  if ('refused' in repo) return { ...none, problem: repo.refused };
  const branch = branchOf(repo.gitDir);
  let project: string | null = null;
  let pattern = config.agents.task_pattern;
  let mapping: RepoPlace['mapping'] = null;
  let problem: string | null = null;
  const file = join(repo.root, MAPPING_FILE);
  // Data from whoever made the repository: a regular file inside it, read with a cap.
  const read = readSafely(file, { max: MAPPING_MAX, symlinks: { within: repo.root } });
  if (!read.ok && read.why !== 'missing') problem = `${read.reason}; it was ignored`;
  if (read.ok) {
    try {
      const m = JSON.parse(read.data.toString('utf8')) as MappingFile;
      if (typeof m.project === 'string' && m.project.trim()) project = m.project.trim();
      if (typeof m.task_pattern === 'string' && m.task_pattern) pattern = m.task_pattern;
      mapping = 'file';
    } catch (err) {
      problem = `${file} is not valid JSON (${(err as Error).message}); it was ignored`;
    }
  }
  if (mapping === null) {
    const c = config.agents.repos[repo.root] ?? config.agents.repos[physical(repo.root)];
    if (c) {
      project = c.project ?? null;
      pattern = c.task_pattern ?? pattern;
      mapping = 'config';
    }
  }
  return { root: repo.root, branch, project, task: branch ? taskCodeIn(branch, pattern) : null, mapping, problem };
}
