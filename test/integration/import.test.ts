// Plans load in one transaction; a bad file names the place and imports nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(() => d.dispose());

const file = (name: string, content: string) => {
  const p = join(d.home, name);
  writeFileSync(p, content);
  return p;
};

describe('fragctl import', () => {
  it('imports the shipped example plan', async () => {
    const r = await d.json(['import', join(ROOT, 'examples/plan.yaml')]);
    expect(r.code).toBe(0);
    expect(r.body).toMatchObject({ projects: 1, sprints: 2, tasks: 4 });
    const t = await d.json(['task', 'show', 'T-01']);
    expect(t.body.task).toMatchObject({
      estimate_minutes: 90,
      sprint: 'SPRINT-1',
      project: 'FRAG',
      subtasks: ['T-01a'],
    });
    const again = await d.json(['import', join(ROOT, 'examples/plan.yaml')]);
    expect(again.body.created).toEqual([]);
    expect(again.body.updated).toHaveLength(7);
  });

  it('imports JSON too', async () => {
    const p = file(
      'plan.json',
      JSON.stringify({
        sprints: [{ code: 'J-1', title: 'json sprint', tasks: [{ code: 'J-T1', title: 'from json', estimate: 15 }] }],
      }),
    );
    const r = await d.json(['import', p]);
    expect(r.body.created).toEqual(['J-1', 'J-T1']);
  });

  it('names line, column and path of a schema error, and imports nothing', async () => {
    const p = file(
      'bad.yaml',
      [
        'project:',
        '  code: BAD',
        '  title: Bad plan',
        '  sprints:',
        '    - code: 9',
        '      title: ok',
        '      tasks:',
        '        - code: B-1',
        '          title: fine',
        '        - code: B-2',
        '          title: broken',
        '          estimate: soon',
        '',
      ].join('\n'),
    );
    const r = await d.json(['import', p]);
    expect(r.code).toBe(6);
    expect(r.body.error.message).toMatch(
      /bad\.yaml:12:\d+ \(project\.sprints\[0\]\.tasks\[1\]\.estimate\): an estimate is minutes/,
    );
    const listed = await d.json(['project', 'list']);
    expect(listed.body.projects.map((x: { code: string }) => x.code)).not.toContain('BAD');
    const task = await d.json(['task', 'show', 'B-1']);
    expect(task.code).toBe(4);
  });

  it('names the place of a YAML syntax error', async () => {
    const p = file('syntax.yaml', 'project:\n  code: S\n  title: [unclosed\n');
    const r = await d.json(['import', p]);
    expect(r.code).toBe(6);
    expect(r.body.error.message).toMatch(/syntax\.yaml:\d+:\d+: /);
  });

  it('refuses a code that appears twice, atomically', async () => {
    const p = file(
      'dup.yaml',
      'sprints:\n  - code: D-1\n    title: d\n    tasks:\n      - {code: DUP, title: a}\n      - {code: DUP, title: b}\n',
    );
    const r = await d.json(['import', p]);
    expect(r.code).toBe(6);
    expect(r.body.error.message).toMatch(/task DUP appears twice/);
    expect((await d.json(['sprint', 'show', 'D-1'])).code).toBe(4);
  });

  it('cannot complete tasks or reopen them: completion goes through the gate', async () => {
    const p = file(
      'closing.yaml',
      'sprints:\n  - code: C-1\n    title: c\n    tasks:\n      - {code: C-T1, title: a, status: completed}\n',
    );
    const r = await d.json(['import', p]);
    expect(r.code).toBe(6);
    expect(r.body.error.message).toMatch(
      /closing\.yaml:5:\d+ .*a plan cannot complete tasks: complete them with fragctl task complete/,
    );
    // A re-import never changes the status of an existing task.
    const ok = file(
      'open.yaml',
      'sprints:\n  - code: C-2\n    title: c\n    tasks:\n      - {code: C-T2, title: a, status: cancelled}\n',
    );
    expect((await d.json(['import', ok])).code).toBe(0);
    const again = file(
      'reopen.yaml',
      'sprints:\n  - code: C-2\n    title: c\n    tasks:\n      - {code: C-T2, title: renamed, status: todo}\n',
    );
    expect((await d.json(['import', again])).code).toBe(0);
    const t = await d.json(['task', 'show', 'C-T2']);
    expect(t.body.task).toMatchObject({ title: 'renamed', status: 'cancelled' });
  });

  it('reports an unreadable file without calling the daemon', async () => {
    const r = await d.fragctl(['import', join(d.home, 'missing.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*missing\.yaml: ENOENT/);
  });
});
