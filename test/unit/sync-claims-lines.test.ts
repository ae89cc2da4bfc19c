// fragctl sync claims as text: one row per claim, this machine's marked, and names that
// other machines pushed (actors, sessions) kept to one harmless line each.
import { describe, expect, it } from 'vitest';
import { teamClaimsLines } from '../../client/fragctl/commands/sync.js';

const claim = (task: string, machine: string, actor: string, mine: boolean) => ({
  task,
  machine,
  actor,
  session: 'SESSION-001',
  since: '2026-03-10T09:00:00.000Z',
  mine,
});

describe('teamClaimsLines', () => {
  it('prints a row per claim, this machine’s marked (here)', () => {
    const text = teamClaimsLines({
      team: 'acme',
      machine: 'alpha',
      claims: [claim('T-1', 'alpha', 'human', true), claim('T-2', 'beta', 'claude', false)],
    }).join('\n');
    expect(text).toMatch(/^team acme · claims across machines · this machine alpha · from the team store/);
    expect(text).toMatch(/│ T-1\s*│ alpha \(here\)\s*│ human\s*│ SESSION-001 │/);
    expect(text).toMatch(/│ T-2\s*│ beta\s*│ claude\s*│ SESSION-001 │/);
  });

  it('says when nothing is claimed', () => {
    expect(teamClaimsLines({ team: 'acme', machine: 'alpha', claims: [] })[1]).toBe(
      '(no task is claimed on any machine of the team)',
    );
  });

  it('keeps a name pushed by another machine on one line, with no terminal control in it', () => {
    const lines = teamClaimsLines({
      team: 'acme',
      machine: 'alpha',
      claims: [claim('T-1', 'evil\nbox', 'x\u001b]0;pwned\u0007y', false)],
    });
    const text = lines.join('\n');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(lines[1].split('\n')).toHaveLength(5); // top rule, head, rule, one row, bottom rule
  });
});
