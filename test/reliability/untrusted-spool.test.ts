// Hook payloads and spool records are untrusted (issue 22, docs/security.md): a FIFO as
// transcript_path hung fragd in open() (every call, `daemon stop`, and the restart on the
// same record), a directory there jammed the spool, a 600 MB record was re-read forever and
// 0-byte records (a full disk) stayed. Each is now set aside with a logged reason, and
// fragd keeps answering.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDaemon, until, type TestDaemon } from '../support/daemon.js';
import { fixture } from '../support/agents.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(() => d?.dispose());

const rejected = () => {
  try {
    return readdirSync(join(d.paths.spoolDir, 'rejected'));
  } catch {
    return [];
  }
};
const log = () => d.output + (existsSync(d.paths.log) ? readFileSync(d.paths.log, 'utf8') : '');

let n = 0;
/** Drops an agent record as client/agents/fragd-agent-hook.sh writes it. */
function spoolAgent(payload: Record<string, unknown>): string {
  const name = `agent-${Date.now()}-${process.pid}-${++n}.rec`;
  mkdirSync(d.paths.spoolDir, { recursive: true });
  writeFileSync(
    join(d.paths.spoolDir, name),
    `fragd-agent 1\nagent claude\nevent PreToolUse\ntime ${Date.now()}\npayload\n${JSON.stringify(payload)}\nend\n`,
  );
  return name;
}

/** fragd answers a call within a second. */
async function answers(): Promise<void> {
  const t = Date.now();
  const r = await d.fragctl(['daemon', 'status']);
  expect(r.code).toBe(0);
  expect(Date.now() - t).toBeLessThan(5000);
}

it('a FIFO as transcript_path is refused (the record set aside, the reason logged) and fragd answers', async () => {
  const fifo = join(d.home, 'transcript.fifo');
  spawnSync('mkfifo', [fifo]);
  const name = spoolAgent({
    ...fixture('claude', 'PreToolUse'),
    session_id: 'fifo-1',
    cwd: d.home,
    transcript_path: fifo,
  });
  await until('the FIFO record set aside', () => rejected().includes(name), 10_000);
  // The log is written asynchronously: wait for the line rather than read it at once.
  await until('the reason logged', () => /transcript .*is a FIFO, not a regular file/.test(log()), 10_000);
  await answers();
});

it('a directory as transcript_path is set aside, not retried every 2 s', async () => {
  const name = spoolAgent({
    ...fixture('claude', 'PreToolUse'),
    session_id: 'dir-1',
    cwd: d.home,
    transcript_path: d.home,
  });
  await until('the directory record set aside', () => rejected().includes(name), 10_000);
  expect(log()).toMatch(/is a directory, not a regular file/);
});

it('a 600 MB record is rejected without being read, with a log line', async () => {
  const name = 'agent-600mb.rec';
  const path = join(d.paths.spoolDir, name);
  writeFileSync(path, 'fragd-agent 1\nagent claude\nevent PreToolUse\npayload\n');
  truncateSync(path, 600 * 1024 * 1024); // sparse: no disk used
  await until('the 600 MB record set aside', () => rejected().includes(name), 10_000);
  expect(log()).toMatch(/agent-600mb\.rec.*at most 16777216|at most 16777216.*agent-600mb/s);
  await answers();
});

it('an empty record older than a minute is deleted (a hook that could not write)', async () => {
  const name = 'agent-empty.rec';
  const path = join(d.paths.spoolDir, name);
  writeFileSync(path, '');
  const old = (Date.now() - 5 * 60_000) / 1000;
  utimesSync(path, old, old);
  await until('the empty record deleted', () => !existsSync(path), 10_000);
  expect(rejected()).not.toContain(name);
  expect(log()).toMatch(/empty record/);
});
