// The team store's connection string: where it comes from, and that no text fragd shows
// carries its password.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../daemon/config.js';
import { redact, redactUrl, resolveSyncTarget } from '../../daemon/sync/connection.js';

const URL_ = 'postgres://fragd:s3cret-pass@db.example.com:5432/team?sslmode=verify-full';
const cfg = (sync: Record<string, unknown>) => configSchema.parse({ sync });

describe('redact', () => {
  it('removes the password of any postgres URL, password= keywords and the secret itself', () => {
    expect(redactUrl(URL_)).toBe('postgres://fragd:***@db.example.com:5432/team?sslmode=verify-full');
    expect(redact(`cannot connect to ${URL_}`)).not.toContain('s3cret-pass');
    expect(redact('host=db password=hunter22 user=x')).toBe('host=db password=*** user=x');
    expect(redact('auth failed near "s3cret-pass"', URL_)).toBe('auth failed near "***"');
    expect(redact('postgresql://u:p%40ss@h/db')).toBe('postgresql://u:***@h/db');
  });
});

describe('resolveSyncTarget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fr-sync-'));
  const config = join(dir, 'config.json');

  it('is null while sync is off', () => {
    expect(resolveSyncTarget(cfg({}), config, { FRAGD_PG_URL: URL_ })).toBeNull();
  });

  it('takes FRAGD_PG_URL first, then the url file', () => {
    const file = join(dir, 'pg-url');
    writeFileSync(file, `${URL_}\n`, { mode: 0o600 });
    const on = cfg({ enabled: true, team: 'acme', machine: 'm1', url_file: 'pg-url' });
    expect(resolveSyncTarget(on, config, { FRAGD_PG_URL: 'postgres://a@b/c' })).toMatchObject({
      url: 'postgres://a@b/c',
      from: 'FRAGD_PG_URL',
    });
    expect(resolveSyncTarget(on, config, {})).toEqual({ team: 'acme', machine: 'm1', url: URL_, from: file });
  });

  it('refuses a url file others can read, with the chmod that fixes it', () => {
    const file = join(dir, 'open url');
    writeFileSync(file, URL_);
    chmodSync(file, 0o640);
    const on = cfg({ enabled: true, team: 'acme', url_file: file });
    expect(() => resolveSyncTarget(on, config, {})).toThrow(
      `readable by others (mode 640); it holds a password, so fragd refuses it. Fix: chmod 600 '${file}'`,
    );
  });

  it('asks for a team and a connection string', () => {
    expect(() => resolveSyncTarget(cfg({ enabled: true }), config, {})).toThrow(/sync.team is not set/);
    expect(() => resolveSyncTarget(cfg({ enabled: true, team: 'acme' }), config, {})).toThrow(
      /set FRAGD_PG_URL, or sync.url_file/,
    );
  });
});
