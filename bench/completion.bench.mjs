// Completion benchmarks (issue 4), against the real daemon bundle, with a database seeded
// straight into SQLite (5,000 tasks, 200,000 activities, 20,000 intervals):
//   1. task.validate of a task with 1,000 updates and 50 subtasks;
//   2. task.complete (gate + write + pop) of ready tasks, one after another;
//   3. session.start, whose answer carries the resume suggestions (in-progress tasks by
//      last activity, active sprints' progress) and instructions (the next candidate).
// Baseline: daemon.hello round trips in the same run. Usage: node bench/completion.bench.mjs
// [--no-build] [--quick]. Prints figures; asserts nothing.
import Database from 'better-sqlite3';
import { BenchDaemon, RawClient, ensureBuilt, fmt, latencies, median, percentile, row } from './lib.mjs';

if (!process.argv.includes('--no-build')) ensureBuilt();
const quick = process.argv.includes('--quick');

const d = new BenchDaemon();
await d.start();
await d.stop();

const now = Date.now();
const db = new Database(d.db);
const TASKS = 5000;
const ACTIVITIES = quick ? 50_000 : 200_000;
db.transaction(() => {
  db.prepare(
    "INSERT INTO sprints (code, title, status, created_at, updated_at) VALUES ('SPRINT-1', 'Bench', 'active', ?, ?)",
  ).run(now, now);
  const insT = db.prepare(
    "INSERT INTO tasks (code, sprint_id, parent_id, title, status, summary, created_at, updated_at) VALUES (?, 1, ?, ?, ?, 'a summary long enough to pass the gate', ?, ?)",
  );
  for (let i = 1; i <= TASKS; i++) {
    // task 1 is the big one; 2..51 its subtasks; every 10th task in progress
    insT.run(
      `B-${i}`,
      i >= 2 && i <= 51 ? 1 : null,
      `bench task ${i}`,
      i % 10 === 0 || i === 1 ? 'in_progress' : i <= 51 ? 'completed' : 'todo',
      now,
      now,
    );
  }
  db.prepare(
    "INSERT INTO sessions (key, actor, os_user, source, type, status, started_at, ended_at, last_activity_at) VALUES ('SESSION-001', 'seed', 'bench', 'cli', 'work', 'completed', ?, ?, ?)",
  ).run(now - 86_400_000, now - 3_600_000, now - 3_600_000);
  db.prepare("UPDATE meta SET value = '1' WHERE key = 'session_seq'").run();
  const insA = db.prepare(
    "INSERT INTO activities (session_id, kind, message, sprint_id, task_id, at) VALUES (1, 'update', 'bench', 1, ?, ?)",
  );
  for (let i = 0; i < ACTIVITIES; i++) insA.run(i < 1000 ? 1 : 1 + (i % TASKS), now - 86_400_000 + i);
  const insI = db.prepare(
    'INSERT INTO intervals (session_id, actor, sprint_id, task_id, started_at, checkpoint_at, ended_at) VALUES (1, ?, 1, ?, ?, ?, ?)',
  );
  for (let i = 0; i < 20_000; i++) {
    const at = now - 86_400_000 + i * 1000;
    insI.run('seed', 1 + (i % TASKS), at, at + 500, at + 500);
  }
})();
db.close();

await d.start();
const c = await RawClient.open(d.socket);
await c.call('daemon.hello', { protocol: 1 });
const hello = await latencies(() => c.call('daemon.hello', { protocol: 1 }), 300);

const validate = await latencies(() => c.call('task.validate', { code: 'B-1' }), quick ? 50 : 200);
const v = await c.call('task.validate', { code: 'B-1' });
if (v.validation.details.updates < 1000) throw new Error(`seeding failed: ${v.validation.details.updates} updates`);

const start = [];
for (let i = 0; i < (quick ? 10 : 30); i++) {
  const t = performance.now();
  const s = await c.call('session.start', { actor: `bench-${i}` });
  start.push(performance.now() - t);
  if (s.suggestions.tasks.length === 0) throw new Error('no suggestions');
  await c.call('session.end', { session: s.session.key });
}
start.sort((a, b) => a - b);

// Ready tasks: in progress, summary, 2 updates, tracked time (all seeded above for every 10th).
const s = await c.call('session.start', { actor: 'bench-complete' });
const ready = [];
for (let i = 60; i <= TASKS && ready.length < (quick ? 50 : 200); i += 10) ready.push(`B-${i}`);
const complete = await latencies(
  (i) => c.call('task.complete', { code: ready[i], session: s.session.key }),
  ready.length,
);
c.close();
await d.dispose();

const h = median(hello);
console.log(`\n# completion (${TASKS} tasks, ${ACTIVITIES.toLocaleString('en')} activities, 20,000 intervals)`);
row('daemon.hello round trip (baseline), median', `${fmt(h, 3)} ms`);
row(
  'task.validate, 1,000 updates + 50 subtasks, median / p95',
  `${fmt(median(validate))} / ${fmt(percentile(validate, 95))} ms`,
);
row(
  'task.complete (gate + write + commit), median / p95',
  `${fmt(median(complete))} / ${fmt(percentile(complete, 95))} ms`,
);
row('session.start with suggestions, median / p95', `${fmt(median(start))} / ${fmt(percentile(start, 95))} ms`);
