// Real git repositories in temporary directories, with a private global config (so the
// user's own config, hooks path or templates never leak into a test).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class TestRepo {
  constructor(
    readonly dir: string,
    /** Environment every git command runs with (FRAGMENTS_HOME of the test daemon, a private config). */
    public env: NodeJS.ProcessEnv,
  ) {}

  static create(env: NodeJS.ProcessEnv): TestRepo {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'fr-git-')));
    const config = join(base, 'gitconfig');
    writeFileSync(
      config,
      '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n',
    );
    const repo = new TestRepo(join(base, 'repo'), { ...env, GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1' });
    execFileSync('git', ['init', '-q', repo.dir], { env: repo.env });
    return repo;
  }

  /** Runs git; returns its exit code and output (never throws). */
  run(args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): GitResult {
    const r = spawnSync('git', args, { cwd: this.dir, env: { ...this.env, ...extraEnv }, encoding: 'utf8', input });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs git and fails the test when git fails. */
  git(args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
    const r = this.run(args, extraEnv);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  }

  write(file: string, content: string): void {
    writeFileSync(join(this.dir, file), content);
  }

  commit(file: string, content: string, message: string, extraEnv: NodeJS.ProcessEnv = {}): string {
    this.write(file, content);
    this.git(['add', file], extraEnv);
    this.git(['commit', '-q', '-m', message], extraEnv);
    return this.head();
  }

  head(): string {
    return this.git(['rev-parse', 'HEAD']);
  }
}
