// The content gate (issue 26): an update or summary must say something about the work.
// The lists live in a fixture so new real-world examples are one line each.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyContent } from '../../daemon/app/work/canned.js';

const lists = JSON.parse(readFileSync(new URL('../fixtures/gates/updates.json', import.meta.url), 'utf8')) as {
  pass: string[];
  refuse: { text: string; kind: string }[];
};

describe('texts that say something about the work', () => {
  it.each(lists.pass)('passes %j', (text) => {
    expect(emptyContent(text)).toBeNull();
  });
});

describe('texts that say nothing', () => {
  it.each(lists.refuse)('refuses $text as $kind', ({ text, kind }) => {
    const r = emptyContent(text);
    expect(r?.kind).toBe(kind);
    expect(r!.why.length).toBeGreaterThan(10);
  });

  it('names the stock phrase and the repeated word in its reason, and never calls them suggestions', () => {
    expect(emptyContent('wip')!.why).toBe('"wip" is a stock phrase that says nothing about the work');
    expect(emptyContent('done done done done done done')!.why).toMatch(
      /repeats "done" instead of saying what was done/,
    );
    expect(emptyContent('fixed some stuff')!.why).toMatch(/filler words \(fixed, some, stuff\)/);
    for (const t of ['wip', 'done', 'progress update']) expect(emptyContent(t)!.why).not.toMatch(/suggested command/);
  });
});
