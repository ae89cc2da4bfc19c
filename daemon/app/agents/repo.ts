// Which project and task an agent's work belongs to, from where it runs: the repository of
// its working directory chooses the project (a .fragd.json at the repository's root, else
// the config's agents.repos), and a task code in the branch name chooses the task. Read
// from the files git keeps (.git, HEAD), never by running git, since this runs inside a
// write transaction.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { FragConfig } from '../../config.js';

export const MAPPING_FILE = '.fragd.json';

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

/** The top of the repository holding `dir` and its git directory (a worktree's .git is a file naming it). */
export function findRepo(dir: string): { root: string; gitDir: string } | null {
  let at = physical(resolve(dir));
  for (;;) {
    const dotGit = join(at, '.git');
    try {
      const st = statSync(dotGit);
      if (st.isDirectory()) return { root: at, gitDir: dotGit };
      if (st.isFile()) {
        const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
        if (m) {
          const gitDir = isAbsolute(m[1].trim()) ? m[1].trim() : resolve(at, m[1].trim());
          return { root: at, gitDir };
        }
      }
    } catch {
      /* not here: go up */
    }
    const up = dirname(at);
    if (up === at) return null;
    at = up;
  }
}

export function branchOf(gitDir: string): string | null {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    const m = /^ref:\s*refs\/heads\/(.+)$/.exec(head);
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** The task code in a branch name: the pattern's first group, else its whole match. */
export function taskCodeIn(branch: string, pattern: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    return null;
  }
  const m = re.exec(branch);
  if (!m) return null;
  return (m[1] ?? m[0]) || null;
}

interface MappingFile {
  project?: unknown;
  task_pattern?: unknown;
}

export function placeOf(cwd: string | null, config: FragConfig): RepoPlace {
  const none: RepoPlace = { root: null, branch: null, project: null, task: null, mapping: null, problem: null };
  if (!cwd || !isAbsolute(cwd) || !existsSync(cwd)) return none;
  const repo = findRepo(cwd);
  if (!repo) return none;
  const branch = branchOf(repo.gitDir);
  let project: string | null = null;
  let pattern = config.agents.task_pattern;
  let mapping: RepoPlace['mapping'] = null;
  let problem: string | null = null;
  const file = join(repo.root, MAPPING_FILE);
  if (existsSync(file)) {
    try {
      const m = JSON.parse(readFileSync(file, 'utf8')) as MappingFile;
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
