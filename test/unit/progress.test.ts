// Progress of long work: a line rewritten in place on a terminal, nothing without one.
import { describe, expect, it } from 'vitest';
import { progress } from '../../client/fragctl/progress.js';

const stream = (isTTY: boolean) => {
  const out: string[] = [];
  return { out, s: { isTTY, columns: 30, write: (t: string) => out.push(t) } as unknown as NodeJS.WriteStream };
};

describe('progress', () => {
  it('rewrites one line on a terminal, cut to its width, and clears it at the end', () => {
    const { out, s } = stream(true);
    const p = progress(s);
    p.update('importing intervals 1–2000 of 18250…');
    p.done();
    expect(out).toEqual(['\r\x1b[2Kimporting intervals 1–2000 o…', '\r\x1b[2K']);
  });

  it('says nothing without a terminal', () => {
    const { out, s } = stream(false);
    const p = progress(s);
    p.update('x');
    p.done();
    expect(out).toEqual([]);
  });
});
