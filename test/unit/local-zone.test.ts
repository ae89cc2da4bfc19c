// The reader's zone as `fragctl report` sends it: Intl's answer, remembered in fragd's
// private runtime directory under a key of everything that answer depends on, and trusted
// only from a regular file of ours there.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localZone, ZONE_FILE, zoneKey } from '../../client/lib/local-zone.js';

const intl = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
const dirs: string[] = [];
function privateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fz-'));
  chmodSync(d, 0o700);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the local zone for reports', () => {
  it("is Intl's answer, remembered under the current key and read back from it", () => {
    const dir = privateDir();
    expect(localZone(dir)).toBe(intl());
    const text = readFileSync(join(dir, ZONE_FILE), 'utf8');
    expect(text).toBe(`${zoneKey(process.env)}\n${intl()}\n`);
    // What is remembered under the current key is what answers (no Intl call).
    writeFileSync(join(dir, ZONE_FILE), `${zoneKey(process.env)}\nPacific/Chatham\n`, { mode: 0o600 });
    expect(localZone(dir)).toBe('Pacific/Chatham');
  });

  it('asks Intl again when anything in the key changed (here TZ), and remembers the new key', () => {
    const dir = privateDir();
    writeFileSync(join(dir, ZONE_FILE), `${zoneKey({ ...process.env, TZ: 'Asia/Tokyo' })}\nAsia/Tokyo\n`, {
      mode: 0o600,
    });
    const env = { ...process.env, TZ: process.env.TZ };
    expect(zoneKey({ ...process.env, TZ: 'Asia/Tokyo' })).not.toBe(zoneKey(env));
    expect(localZone(dir, env)).toBe(intl());
    expect(readFileSync(join(dir, ZONE_FILE), 'utf8')).toBe(`${zoneKey(env)}\n${intl()}\n`);
  });

  it('ignores what is not a zone name, a symlink, and a directory others can enter', () => {
    const dir = privateDir();
    writeFileSync(join(dir, ZONE_FILE), `${zoneKey(process.env)}\n\u001b]0;title\u0007\n`, { mode: 0o600 });
    expect(localZone(dir)).toBe(intl());

    const other = privateDir();
    const target = join(privateDir(), 'elsewhere');
    writeFileSync(target, `${zoneKey(process.env)}\nPacific/Chatham\n`);
    symlinkSync(target, join(other, ZONE_FILE));
    expect(localZone(other)).toBe(intl());

    const open = privateDir();
    writeFileSync(join(open, ZONE_FILE), `${zoneKey(process.env)}\nPacific/Chatham\n`, { mode: 0o600 });
    chmodSync(open, 0o755);
    expect(localZone(open)).toBe(intl());

    // No runtime directory yet (no daemon ran): Intl answers, nothing is written.
    const absent = join(privateDir(), 'not-yet');
    expect(localZone(absent)).toBe(intl());
    expect(existsSync(absent)).toBe(false);
  });
});
