// npm run bench: every benchmark in bench/, one after another, each printing its figures
// beside a baseline measured in the same run. `--quick` shortens each.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const quick = process.argv.includes('--quick') ? ['--quick'] : [];
const benches = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.mjs') && !f.endsWith('lib.mjs') && f !== 'run.mjs')
  .sort();
let failed = 0;
for (const f of benches) {
  const r = spawnSync(process.execPath, [new URL(f, import.meta.url).pathname, ...quick], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${f} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
