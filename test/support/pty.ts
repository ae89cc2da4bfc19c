// Drives a program through a REAL pseudo-terminal (python's pty, test/support/pty_drive.py):
// it sees a TTY on stdin and stdout; each step waits for text or sends keys.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FRAGCTL, ROOT, type TestDaemon } from './daemon.js';

const DRIVER = join(ROOT, 'test/support/pty_drive.py');

export type PtyStep = { expect: string } | { send: string };

/** Runs `argv` in a pseudo-terminal; its exit code and everything it wrote. */
export function inPty(
  argv: string[],
  steps: PtyStep[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [DRIVER, JSON.stringify(steps), '--', ...argv], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** `fragctl ARGS` of a test daemon in a pseudo-terminal. */
export const fragctlInPty = (d: TestDaemon, steps: PtyStep[], args: string[]) =>
  inPty([process.execPath, FRAGCTL, ...args], steps, d.env);
