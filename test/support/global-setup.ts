// Integration tests run real bundles: build a private copy for this test run, so that
// a build running elsewhere at the same time never hands a test a half-written file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export default function setup(): () => void {
  mkdirSync('.test-dist', { recursive: true });
  const outdir = mkdtempSync(join('.test-dist', 'run-'));
  execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir], { stdio: 'inherit' });
  process.env.FRAGD_TEST_DIST = join(process.cwd(), outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
