// The agent loop docs/claims.md shows (examples/agent-loop.sh), run as written by two
// agents at once on a small plan with a dependency chain: both stop by themselves (exit 9
// of `next --activate`), every task is completed once, each claimed by one agent, and
// both sessions ended.
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, ROOT, runProcess, startDaemon, type RunResult, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let bin: string;
beforeAll(async () => {
  d = await startDaemon();
  // fragctl on the PATH, as an installed one is.
  bin = join(d.home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'fragctl'), `#!/bin/sh\nexec "${process.execPath}" "${FRAGCTL}" "$@"\n`);
  writeFileSync(
    join(bin, 'work'),
    [
      '#!/bin/sh',
      'echo "read the code around $1 in $FRAGMENTS_SESSION"',
      'echo "changed $1 and ran its tests"',
      'echo "finished $1: changed it, tested it, nothing left over"',
      '',
    ].join('\n'),
  );
  for (const f of ['fragctl', 'work']) chmodSync(join(bin, f), 0o755);
  const plan = {
    project: {
      code: 'LOOP',
      title: 'the documented loop',
      sprints: [
        {
          code: 1,
          title: 'all of it',
          tasks: [
            { code: 'L-1', title: 'one' },
            { code: 'L-2', title: 'two', depends_on: ['L-1'] },
            { code: 'L-3', title: 'three', depends_on: ['L-2'] },
            { code: 'L-4', title: 'four', priority: 'low' },
          ],
        },
      ],
    },
  };
  writeFileSync(join(d.home, 'plan.json'), JSON.stringify(plan));
  const imported = await d.fragctl(['import', join(d.home, 'plan.json')]);
  expect(imported.code, imported.stderr).toBe(0);
});
afterAll(() => d?.dispose());

function loop(actor: string): Promise<RunResult> {
  return runProcess('/bin/sh', [join(ROOT, 'examples/agent-loop.sh'), actor, 'work'], {
    ...d.env,
    PATH: `${bin}:${process.env.PATH}`,
  });
}

describe('examples/agent-loop.sh', () => {
  it('two agents run the documented loop to the end of the plan', async () => {
    const [a, b] = await Promise.all([loop('loop-a'), loop('loop-b')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const db = new Database(d.paths.db, { readonly: true });
    try {
      expect(db.prepare("SELECT code FROM tasks WHERE status <> 'completed'").all()).toEqual([]);
      const claims = db.prepare<[], { task_id: number; n: number }>(
        "SELECT task_id, count(*) AS n FROM claims WHERE role = 'holder' GROUP BY task_id",
      );
      expect(claims.all().map((c) => c.n)).toEqual([1, 1, 1, 1]);
      const sessions = db.prepare<[], { actor: string; status: string }>('SELECT actor, status FROM sessions').all();
      expect(sessions.sort((x, y) => x.actor.localeCompare(y.actor))).toEqual([
        { actor: 'loop-a', status: 'completed' },
        { actor: 'loop-b', status: 'completed' },
      ]);
    } finally {
      db.close();
    }
  }, 120_000);
});
