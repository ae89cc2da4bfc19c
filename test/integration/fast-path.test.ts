// fragctl's fast path (util.parseArgs, no yargs) must answer exactly as the full CLI does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
const full = { FRAGCTL_NO_FAST_PATH: '1' };
beforeAll(async () => {
  d = await startDaemon();
  await d.json(['session', 'start']);
});
afterAll(() => d.dispose());

const strip = (s: string) => s.replace(/\d+s active|\b\d+s\b/g, 'Ns');

describe('fragctl fast path', () => {
  it('status: same text, same JSON shape as the full CLI', async () => {
    const a = await d.fragctl(['status']);
    const b = await d.fragctl(['status'], { env: full });
    expect(a.code).toBe(0);
    expect(strip(a.stdout)).toBe(strip(b.stdout));
    const short = await d.fragctl(['status', '--short']);
    expect(strip(short.stdout)).toBe(strip((await d.fragctl(['status', '--short'], { env: full })).stdout));
    const ja = await d.json(['status']);
    const jb = await d.json(['status'], { env: full });
    expect(Object.keys(ja.body)).toEqual(Object.keys(jb.body));
  });

  it('update, note and log: same answers, idempotent event ids on both paths', async () => {
    const a = await d.json(['update', 'fast path update', '--event-id', 'e-1']);
    const b = await d.json(['update', 'fast path update', '--event-id', 'e-1'], { env: full });
    expect(a.body.activity.id).toBe(b.body.activity.id);
    expect(b.body.duplicate).toBe(true);
    const log = await d.json(['log', 'built', '--kind', 'build', '--level', 'warn']);
    expect(log.body.activity).toMatchObject({ kind: 'build', data: { level: 'warn' } });
    const note = await d.fragctl(['note', 'a note']);
    expect(note.stdout).toMatch(/^note added/);
  });

  it('heartbeat: same answer on both paths, coalesced', async () => {
    const a = await d.json(['heartbeat', '--file', 'src/a.ts', '--editor', 'vim']);
    const b = await d.json(['heartbeat', '--file', 'src/a.ts', '--editor', 'vim'], { env: full });
    expect(a.code).toBe(0);
    expect(Object.keys(a.body).sort()).toEqual(Object.keys(b.body).sort());
    expect(b.body.coalesced).toBe(true);
    // A heartbeat changes state (last activity), so it carries instructions too.
    expect(a.body.instructions.context_reminder).toMatch(/^SESSION-\d+ \(active\)/);
  });

  it('report: same table, CSV and JSON as the full CLI; an unknown --by is left to yargs', async () => {
    const args = ['report', '--since', '2026-01-01', '--until', '2026-01-07', '--tz', 'UTC'];
    for (const extra of [[], ['--by', 'task'], ['--csv']]) {
      const a = await d.fragctl([...args, ...extra]);
      const b = await d.fragctl([...args, ...extra], { env: full });
      expect(a.code).toBe(0);
      expect(a.stdout).toBe(b.stdout);
    }
    const ja = await d.json([...args, '--by', 'actor']);
    expect(ja.body).toEqual((await d.json([...args, '--by', 'actor'], { env: full })).body);
    const bad = await d.fragctl(['report', '--by', 'fortnight']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid values|Choices/);
  });

  it("report without --tz: the reader's zone, remembered beside the socket, as the full CLI sends it", async () => {
    const args = ['report', '--since', '2026-01-01', '--until', '2026-01-07'];
    const ny = { TZ: 'America/New_York' };
    const first = await d.json(args, { env: ny });
    expect(first.body.tz).toBe('America/New_York');
    expect(readFileSync(join(d.paths.runtimeDir, 'local-zone'), 'utf8')).toMatch(/\nAmerica\/New_York\n$/);
    expect((await d.json(args, { env: ny })).body).toEqual(first.body);
    expect((await d.json(args, { env: { ...ny, ...full } })).body).toEqual(first.body);
    // Another TZ is another key: asked again, not read from what was remembered.
    expect((await d.json(args, { env: { TZ: 'Asia/Tokyo' } })).body.tz).toBe('Asia/Tokyo');
    expect((await d.json(args, { env: { TZ: 'Asia/Tokyo', ...full } })).body.tz).toBe('Asia/Tokyo');
  });

  it('hands anything unusual to the full CLI with its messages and exit codes', async () => {
    const bad = await d.fragctl(['status', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown argument: bogus/);
    const missing = await d.fragctl(['update']);
    expect(missing.code).toBe(2);
    const level = await d.fragctl(['log', 'x', '--level', 'loud']);
    expect(level.code).toBe(2);
    const help = await d.fragctl(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--short/);
  });
});
