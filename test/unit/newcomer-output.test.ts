// How answers read for a person (issue 27): fixes before the retry, no empty code block,
// columns that stay aligned past 12-character codes.
import { describe, expect, it } from 'vitest';
import { instructionLines } from '../../client/fragctl/output.js';
import { reportLines } from '../../client/fragctl/commands/completion.js';
import type { Instructions } from '../../shared/protocol/views.js';

const update = {
  template: ['fragctl', 'update', '{update}'],
  holes: { update: 'what you did' },
  rendered: 'fragctl update <update>',
};

describe('instructions as text and Markdown', () => {
  it('shows the fixes written in your own words before the retry they lead to', () => {
    const i: Instructions = {
      next_actions: ['T-1 cannot be completed yet'],
      suggested_commands: ['fragctl task activate T-1', 'fragctl task complete T-1 --summary done'],
      templates: [{ ...update, before: 1 }],
      context_reminder: 'SESSION-001',
    };
    const lines = instructionLines(i, 'text').filter((l) => l.startsWith('  $'));
    expect(lines).toEqual([
      '  $ fragctl task activate T-1',
      '  $ fragctl update <update>    # <update>: what you did',
      '  $ fragctl task complete T-1 --summary done',
    ]);
  });

  it('prints no empty code block when there is nothing to run', () => {
    const i: Instructions = {
      next_actions: ['Keep going.'],
      suggested_commands: [],
      templates: [update],
      context_reminder: 'SESSION-001',
    };
    const md = instructionLines(i, 'md').join('\n');
    expect(md).not.toContain('```');
    expect(md).not.toContain('### Commands');
    expect(md).toContain('### In your own words');
  });
});

describe('the end-of-session report', () => {
  it('keeps the completed list aligned whatever the length of the codes', () => {
    const lines = reportLines({
      session: 'SESSION-001',
      started_at: '',
      ended_at: null,
      duration_seconds: 60,
      active_seconds: 60,
      tasks_completed: [
        { code: 'T-1', title: 'short', seconds: 5, forced: false },
        { code: 'T-SESS-02-CONTEXT', title: 'long', seconds: 3600, forced: false },
      ],
      tasks_worked: [],
      updates: 0,
      notes: 0,
      artifacts: [],
      tokens: {
        input: 0,
        output: 0,
        cache_creation: 0,
        cache_read: 0,
        cost: { currency: 'USD', usd: '0.00', exact_usd: '0', unpriced_tokens: 0, unpriced_models: [] },
        by_task: [],
      },
      warnings: [],
    });
    const rows = lines.filter((l) => l.startsWith('  ✓'));
    expect(rows).toHaveLength(2);
    expect(rows[0].indexOf('short')).toBe(rows[1].indexOf('long'));
  });
});
