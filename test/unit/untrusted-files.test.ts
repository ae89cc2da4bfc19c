// Paths and patterns from untrusted places (issue 22, docs/security.md "Untrusted sources"):
// a hook payload's transcript_path, a cloned repository's .git, HEAD and .fragd.json, and
// its branch pattern. Each is opened only as a regular file of this user (or root),
// without blocking and with a size cap; patterns run in linear time; the repository
// search stops where this user's ownership does.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafely } from '../../shared/safety/safe-file.js';
import { placeOf, taskCodeIn } from '../../daemon/app/agents/repo.js';
import { LINE_MAX, readNewLines } from '../../daemon/app/agents/tokens.js';
import { defaultConfig } from '../../daemon/config.js';

const dir = mkdtempSync(join(tmpdir(), 'fr-untrusted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const OTHER = 'fragd-neighbour';

/** A real second OS user (root only): its uid. */
function otherUser(): number {
  const id = () => spawnSync('id', ['-u', OTHER], { encoding: 'utf8' });
  if (id().status !== 0) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OTHER], {
      encoding: 'utf8',
    });
    if (r.status !== 0 && id().status !== 0) throw new Error(`useradd ${OTHER} failed: ${r.stderr}`);
  }
  return Number(id().stdout.trim());
}

/** Runs a shell command as the other user. */
const asOther = (cmd: string) => {
  const r = spawnSync('runuser', ['-u', OTHER, '--', 'sh', '-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runuser failed: ${r.stderr}`);
};

describe('readSafely', () => {
  it('refuses a FIFO at once instead of blocking in open()', () => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const t = Date.now();
    expect(readSafely(fifo, { max: 1024 })).toMatchObject({ ok: false, why: 'kind', reason: /is a FIFO/ });
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('refuses a directory, a device and a symlink (unless followed, and then the target decides)', () => {
    expect(readSafely(dir, { max: 1024 })).toMatchObject({ ok: false, why: 'kind', reason: /is a directory/ });
    expect(readSafely('/dev/zero', { max: 1024 })).toMatchObject({ ok: false, reason: /character device/ });
    const link = join(dir, 'zero-link');
    symlinkSync('/dev/zero', link);
    expect(readSafely(link, { max: 1024 })).toMatchObject({ ok: false, why: 'kind', reason: /symlink/ });
    expect(readSafely(link, { max: 1024, symlinks: 'follow' })).toMatchObject({ ok: false, reason: /device/ });
  });

  it('refuses a file over the cap without reading it, or reads only up to the cap', () => {
    const big = join(dir, 'big');
    writeFileSync(big, '');
    truncateSync(big, 600 * 1024 * 1024);
    expect(readSafely(big, { max: 1024 })).toMatchObject({ ok: false, why: 'size' });
    const r = readSafely(big, { max: 1024, oversize: 'truncate', from: 10 });
    expect(r.ok && r.data.length).toBe(1024);
  });

  it.skipIf(!isRoot)("refuses another user's file (needs root to create the user)", () => {
    const f = join(dir, 'theirs');
    writeFileSync(f, 'x');
    chownSync(f, otherUser(), otherUser());
    expect(readSafely(f, { max: 1024 })).toMatchObject({ ok: false, why: 'owner', reason: /owned by uid/ });
  });
});

describe('transcripts', () => {
  it('a transcript growing without newlines costs each read what it gained, not the whole line again', () => {
    const f = join(dir, 'no-newlines.jsonl');
    writeFileSync(f, '');
    // 40 MiB of one line (sparse: zeros), more than one read's 16 MiB.
    truncateSync(f, 40 * 1024 * 1024);
    let offset = 0;
    for (let i = 0; i < 3; i++) {
      const r = readNewLines(f, offset)!;
      expect(r.lines).toEqual([]);
      expect(r.offset).toBeGreaterThan(offset);
      offset = r.offset;
    }
    expect(offset).toBe(40 * 1024 * 1024);
    // Caught up: nothing more is read.
    expect(readNewLines(f, offset)).toMatchObject({ lines: [], offset });
    // The long line ends; the lines after it are read, the long line's tail is not.
    appendFileSync(f, 'tail-of-the-long-line\n{"a":1}\n');
    expect(readNewLines(f, offset)!.lines).toEqual(['{"a":1}']);
  });

  it('an unfinished line up to LINE_MAX is waited for', () => {
    const f = join(dir, 'partial.jsonl');
    writeFileSync(f, '{"a":1}\n{"b":');
    const r = readNewLines(f, 0)!;
    expect(r.lines).toEqual(['{"a":1}']);
    appendFileSync(f, '2}\n');
    expect(readNewLines(f, r.offset)!.lines).toEqual(['{"b":2}']);
    expect(LINE_MAX).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('a FIFO or a directory is refused as a kind; a missing file is nothing', () => {
    const fifo = join(dir, 'fifo2');
    spawnSync('mkfifo', [fifo]);
    expect(readNewLines(fifo, 0)?.refused).toMatchObject({ kind: true, reason: /FIFO/ });
    expect(readNewLines(dir, 0)?.refused).toMatchObject({ kind: true, reason: /directory/ });
    expect(readNewLines(join(dir, 'missing'), 0)).toBeNull();
  });

  it.skipIf(!isRoot)("another user's world-readable transcript is not read (needs root)", () => {
    const f = join(dir, 'their.jsonl');
    writeFileSync(f, '{"a":1}\n');
    chmodSync(f, 0o644);
    chownSync(f, otherUser(), otherUser());
    expect(readNewLines(f, 0)).toMatchObject({ lines: [], refused: { kind: false, reason: /owned by uid/ } });
  });
});

describe('a cloned repository', () => {
  const repo = (name: string, branch: string) => {
    const root = join(dir, name);
    mkdirSync(join(root, '.git'), { recursive: true });
    writeFileSync(join(root, '.git', 'HEAD'), `ref: refs/heads/${branch}\n`);
    return root;
  };

  it('a branch pattern runs in linear time (^(a+)+$ froze the daemon, doubling with each character)', () => {
    const t = Date.now();
    expect(taskCodeIn(`${'a'.repeat(30)}!`, '^(a+)+$')).toBeNull();
    expect(Date.now() - t).toBeLessThan(500);
    expect(taskCodeIn('feature/VIC-7-x', '(?:^|/)([A-Z]+-\\d+)')).toBe('VIC-7');
  });

  it('a ReDoS pattern from .fragd.json does not hold up placeOf', () => {
    const root = repo('redos', `${'a'.repeat(30)}!`);
    writeFileSync(join(root, '.fragd.json'), JSON.stringify({ project: 'P', task_pattern: '^(a+)+$' }));
    const t = Date.now();
    expect(placeOf(root, defaultConfig())).toMatchObject({ project: 'P', task: null });
    expect(Date.now() - t).toBeLessThan(500);
  });

  it('.fragd.json as a symlink to /dev/zero, a FIFO or a directory is refused, with the reason', () => {
    const zero = repo('zero', 'main');
    symlinkSync('/dev/zero', join(zero, '.fragd.json'));
    expect(placeOf(zero, defaultConfig())).toMatchObject({ mapping: null, problem: /outside .*not followed/ });
    const fifo = repo('fifo-map', 'main');
    spawnSync('mkfifo', [join(fifo, '.fragd.json')]);
    expect(placeOf(fifo, defaultConfig()).problem).toMatch(/is a FIFO/);
    const d = repo('dir-map', 'main');
    mkdirSync(join(d, '.fragd.json'));
    expect(placeOf(d, defaultConfig()).problem).toMatch(/is a directory/);
    const big = repo('big-map', 'main');
    writeFileSync(join(big, '.fragd.json'), `{"project":"P","x":"${'x'.repeat(100_000)}"}`);
    expect(placeOf(big, defaultConfig()).problem).toMatch(/at most 65536/);
    // A symlink inside the repository is followed.
    const inside = repo('inside-link', 'main');
    writeFileSync(join(inside, 'map.json'), '{"project":"IN"}');
    symlinkSync('map.json', join(inside, '.fragd.json'));
    expect(placeOf(inside, defaultConfig())).toMatchObject({ project: 'IN', mapping: 'file' });
  });

  it('a FIFO as HEAD gives no branch instead of a hang', () => {
    const root = join(dir, 'fifo-head');
    mkdirSync(join(root, '.git'), { recursive: true });
    spawnSync('mkfifo', [join(root, '.git', 'HEAD')]);
    expect(placeOf(root, defaultConfig())).toMatchObject({ root, branch: null });
  });

  it.skipIf(!isRoot)(
    "the search stops at another user's .git in a shared sticky directory (real OS user; needs root)",
    () => {
      const uid = otherUser();
      // A /tmp-like shared directory: root's, sticky, writable by all.
      const shared = join(dir, 'shared');
      mkdirSync(shared);
      chmodSync(dir, 0o755);
      chmodSync(shared, 0o1777);
      asOther(`mkdir -p ${shared}/.git && echo 'ref: refs/heads/feature/VIC-7-x' > ${shared}/.git/HEAD`);
      const mine = join(shared, 'mine');
      mkdirSync(mine);
      const p = placeOf(mine, defaultConfig());
      expect(p).toMatchObject({ root: null, branch: null, task: null });
      expect(p.problem).toMatch(new RegExp(`belongs to uid ${uid}`));
      // A directory of theirs is not searched past either.
      asOther(`mkdir -p ${shared}/theirs/sub`);
      expect(placeOf(join(shared, 'theirs', 'sub'), defaultConfig())).toMatchObject({
        root: null,
        problem: /search stopped there/,
      });
    },
  );
});
