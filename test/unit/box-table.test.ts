// The report's boxed table: columns aligned by terminal width (wide characters count two),
// figures right-aligned, a rule above the total.
import { describe, expect, it } from 'vitest';
import { boxTable } from '../../client/fragctl/box-table.js';
import { displayWidth } from '../../client/fragctl/layout.js';

describe('boxTable', () => {
  it('aligns every line to the same width, wide characters included', () => {
    const out = boxTable(
      ['Task', 'Title', 'Time'],
      [
        ['A-1', 'Zugriff für Ärzte', '1h00m'],
        ['B-22', '日本語のタイトル', '12h05m'],
        ['Total', '', '13h05m'],
      ],
      { right: [2], footer: true },
    ).split('\n');
    expect(new Set(out.map(displayWidth)).size).toBe(1);
    expect(out[1]).toMatch(/^│ Task\s+│ Title\s+│\s+Time │$/);
    expect(out).toContain('│ A-1   │ Zugriff für Ärzte │  1h00m │');
    // a rule above the total, and the box closed
    expect(out.at(-3)).toMatch(/^├─+┼─+┼─+┤$/);
    expect(out.at(-2)).toBe(`│ Total │ ${' '.repeat(17)} │ 13h05m │`);
    expect(out.at(-1)).toMatch(/^└─+┴─+┴─+┘$/);
  });

  it('counts wide and combining characters as a terminal shows them', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
  });
});
