// A real fragd on a temporary FRAGMENTS_HOME, and fragctl run as a real process against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FragClient } from '../../client/lib/client.js';
import { resolvePaths, type FragPaths } from '../../shared/paths.js';
import { FRAGD_NODE_FLAGS } from '../../shared/daemon-flags.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = process.env.FRAGD_TEST_DIST ?? join(ROOT, 'dist');
export const FRAGD = join(DIST, 'fragd.js');
export const FRAGCTL = join(DIST, 'fragctl.js');

/** A fresh private directory, short enough for a Unix socket path. */
export function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fr-'));
  chmodSync(dir, 0o700);
  return dir;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end: exit code and everything it wrote; `input` goes to its stdin. */
export function runProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export const runNode = (script: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<RunResult> =>
  runProcess(process.execPath, [script, ...args], env, input);

export class TestDaemon {
  proc: ChildProcess | null = null;
  readonly paths: FragPaths;
  output = '';

  constructor(
    readonly home: string,
    readonly extraEnv: NodeJS.ProcessEnv = {},
  ) {
    this.paths = resolvePaths(this.env);
  }

  get env(): NodeJS.ProcessEnv {
    // Not the shell's session or actor, nor the developer's colour or width settings: output
    // is checked as a pipe gets it unless a test sets them (test/integration/terminal.test.ts).
    const {
      FRAGMENTS_SESSION: _s,
      FRAGMENTS_ACTOR: _a,
      FORCE_COLOR: _f,
      NO_COLOR: _n,
      COLUMNS: _c,
      ...rest
    } = process.env;
    return { ...rest, FRAGMENTS_HOME: this.home, FRAGMENTS_NO_AUTOSTART: '1', FRAGD_BIN: FRAGD, ...this.extraEnv };
  }

  writeConfig(config: Record<string, unknown>): void {
    writeFileSync(this.paths.config, JSON.stringify(config));
  }

  /** Spawns fragd in the foreground and waits until it answers. */
  async start(args: string[] = []): Promise<this> {
    const proc = spawn(process.execPath, [...FRAGD_NODE_FLAGS, FRAGD, '--foreground', ...args], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout.on('data', (d) => (this.output += d));
    proc.stderr.on('data', (d) => (this.output += d));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`fragd exited with ${proc.exitCode}: ${this.output}`);
      if (await canConnect(this.paths.socket)) return this;
      await sleep(20);
    }
    // One that does not answer is killed: made by startDaemon, no test holds it to dispose
    // of, and it outlived the run (six did in one loaded run), loading the files after it.
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
    throw new Error(`fragd did not answer within 10s: ${this.output}`);
  }

  client(): Promise<FragClient> {
    return FragClient.connect({ env: this.env, autoStart: false, clientName: 'test' });
  }

  fragctl(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
    return runNode(FRAGCTL, args, { ...this.env, ...opts.env }, opts.input);
  }

  /** fragctl with --json; parses stdout. */
  async json<T = any>(
    args: string[],
    opts: { env?: NodeJS.ProcessEnv } = {},
  ): Promise<{ code: number; body: T; stderr: string }> {
    const r = await this.fragctl([...args, '--json'], opts);
    let body: T;
    try {
      body = JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`fragctl ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, body, stderr: r.stderr };
  }

  /** SIGTERM and wait for exit. */
  async stop(): Promise<number | null> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    return exited;
  }

  /** kill -9: a crash. */
  async crash(): Promise<void> {
    const proc = this.proc;
    // Already gone: by exit, or by a signal (exitCode stays null then).
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.crash();
    rmSync(this.home, { recursive: true, force: true });
  }
}

export async function startDaemon(
  extraEnv: NodeJS.ProcessEnv = {},
  config?: Record<string, unknown>,
): Promise<TestDaemon> {
  const d = new TestDaemon(tempHome(), extraEnv);
  if (config) d.writeConfig(config);
  try {
    return await d.start();
  } catch (err) {
    // The caller never gets it to dispose of: its home goes here.
    await d.dispose();
    throw err;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function canConnect(path: string): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      r(true);
    });
    s.once('error', () => r(false));
  });
}

/** A raw socket speaking newline-delimited frames, for malformed-input tests. */
export class RawPeer {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buffer += d.toString('utf8');
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }
  static open(path: string): Promise<RawPeer> {
    return new Promise((r, j) => {
      const s = connect(path);
      s.once('connect', () => r(new RawPeer(s)));
      s.once('error', j);
    });
  }
  write(text: string | Buffer): void {
    this.socket.write(text);
  }
  /** The next complete line, parsed. */
  async next(timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl !== -1) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        return JSON.parse(line);
      }
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  async request(message: unknown): Promise<any> {
    this.write(JSON.stringify(message) + '\n');
    return this.next();
  }
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await sleep(10);
    return this.closed;
  }
  close(): void {
    this.socket.destroy();
  }
}
