// fragctl's reading of `timew export` (issue 20, item 6): line by line when the file is laid
// out as Timewarrior writes it, batch by batch as the batches are sent; otherwise parsed and
// checked whole first. Either way the same rows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  IMPORT_BATCH_BYTES,
  importTimewarrior,
  TimewFile,
  timewSeconds,
  type ImportBatch,
} from '../../client/fragctl/commands/timewarrior.js';
import type { FragClient } from '../../client/lib/client.js';
import type { ImportResult } from '../../shared/protocol/intervals.js';

const dir = mkdtempSync(join(tmpdir(), 'timew-file-'));
let n = 0;
const fileOf = (text: string) => {
  const f = join(dir, `${n++}.json`);
  writeFileSync(f, text);
  return f;
};
const intervals = [
  { id: 3, start: '20251101T100000Z', end: '20251101T110000Z', tags: ['a b', 'c"d', 'x'], annotation: 'note "q"' },
  { id: 2, start: '20251102T100000Z', end: '20251102T110000Z' },
  { id: 4, start: '20251103T100000Z', end: '20251103T110000Z', tags: ['a b', 'c"d', 'x'] },
  { id: 1, start: '20251104T100000Z', tags: ['run', 'é'] },
];
/** As `timew export` writes it: one interval per line. */
const asTimew = (xs: unknown[]) => `[\n${xs.map((x) => JSON.stringify(x)).join(',\n')}\n]\n`;

/** Every batch of a file, its rows with their tag lists spelled out. */
function readAll(file: TimewFile, first?: number) {
  const out: { batches: number; rows: unknown[] } = { batches: 0, rows: [] };
  for (let b: ImportBatch | null; (b = file.next(out.batches ? undefined : first)); out.batches++)
    for (const [id, start, end, set, annotation] of b.rows)
      out.rows.push([id, start, end, b.tag_sets[set], annotation ?? null]);
  return out;
}

const expected = [
  [
    'timew:20251101T100000Z',
    Date.UTC(2025, 10, 1, 10) / 1000,
    Date.UTC(2025, 10, 1, 11) / 1000,
    ['a b', 'c"d', 'x'],
    'note "q"',
  ],
  ['timew:20251102T100000Z', Date.UTC(2025, 10, 2, 10) / 1000, Date.UTC(2025, 10, 2, 11) / 1000, [], null],
  [
    'timew:20251103T100000Z',
    Date.UTC(2025, 10, 3, 10) / 1000,
    Date.UTC(2025, 10, 3, 11) / 1000,
    ['a b', 'c"d', 'x'],
    null,
  ],
  ['timew:20251104T100000Z', Date.UTC(2025, 10, 4, 10) / 1000, null, ['run', 'é'], null],
];

describe('reading timew export', () => {
  it('reads the same rows whatever the layout', () => {
    for (const text of [
      asTimew(intervals),
      JSON.stringify(intervals),
      JSON.stringify(intervals, null, 2),
      asTimew(intervals).replace(/\n/g, '\r\n'),
      // The layout changes midway: the rest is parsed whole, from that interval on.
      `[\n${JSON.stringify(intervals[0])},\n${JSON.stringify(intervals[1])},\n${JSON.stringify(intervals.slice(2), null, 1).slice(1)}\n`,
    ]) {
      const f = new TimewFile(fileOf(text));
      expect(readAll(f, 1).rows).toEqual(expected);
      expect(f.read).toBe(4);
    }
  });

  it('makes one empty batch of an empty file, and batches within the row and byte limits', () => {
    expect(readAll(new TimewFile(fileOf('[\n]\n')))).toEqual({ batches: 1, rows: [] });
    expect(readAll(new TimewFile(fileOf('[]')))).toEqual({ batches: 1, rows: [] });
    const many = Array.from({ length: 6000 }, (_, i) => ({
      id: i,
      start: `2025${String(1 + (i % 12)).padStart(2, '0')}01T${String(i % 24).padStart(2, '0')}0000Z`,
      tags: [`t${i % 3}`],
      annotation: 'x'.repeat(i % 5 === 0 ? 2000 : 0),
    }));
    const f = new TimewFile(fileOf(asTimew(many)));
    const sizes: number[] = [];
    for (let b: ImportBatch | null; (b = f.next(sizes.length ? undefined : 500));) {
      sizes.push(b.rows.length);
      expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(IMPORT_BATCH_BYTES + 200_000);
      expect(b.tag_sets.length).toBeLessThanOrEqual(3);
    }
    expect(sizes[0]).toBe(500);
    expect(sizes.reduce((a, b) => a + b)).toBe(6000);
    expect(Math.max(...sizes)).toBeLessThan(2500); // the annotations' bytes close batches first
  });

  it('refuses what is not timew export, and a time that does not exist', () => {
    expect(() => new TimewFile(fileOf('[\n{"id":1,"start":"20250101T000000Z"},\n]\n'))).toThrow(/cannot read .* JSON/);
    expect(() => new TimewFile(fileOf('{"start":"20250101T000000Z"}'))).toThrow(/not timew export JSON/);
    expect(() => new TimewFile(fileOf('[{"id":1}]'))).toThrow(/interval 1 has no start/);
    expect(() => new TimewFile(fileOf('[{"id":1,"start":"20250230T000000Z"}]'))).toThrow(/no such date/);
    expect(() => timewSeconds('20250101T240000Z')).toThrow(/no such date or time/);
    expect(() => timewSeconds('2025-01-01T00:00:00Z')).toThrow(/not a Timewarrior time/);
    expect(timewSeconds('20240229T235959Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59) / 1000);
    // Laid out as timew writes it, a bad interval is found when its batch is read.
    const f = new TimewFile(fileOf(asTimew([intervals[0], { id: 9, start: '20251301T000000Z' }])));
    expect(() => readAll(f)).toThrow(/"20251301T000000Z" is not a Timewarrior time/);
  });

  it('sends batch by batch, sums the answers in order, and says what was sent before a bad interval', async () => {
    const many = Array.from({ length: 3200 }, (_, i) => ({
      id: i,
      start: `2025${String(1 + (Math.floor(i / 28 / 24) % 12)).padStart(2, '0')}${String(1 + (Math.floor(i / 24) % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}0000Z`,
      tags: ['t'],
    }));
    const calls: number[] = [];
    const client = {
      call: async (_m: string, p: { rows: unknown[] }) => {
        calls.push(p.rows.length);
        await new Promise((r) => setTimeout(r, calls.length % 2 ? 5 : 0)); // answers out of order
        return {
          actor: 'human',
          session: 'S',
          received: p.rows.length,
          added: p.rows.length,
          unchanged: 0,
          skipped: [],
          tasks_created: [],
        } satisfies ImportResult;
      },
    } as unknown as FragClient;
    const ok = await importTimewarrior(client, { file: new TimewFile(fileOf(asTimew(many))), map: {} });
    expect(ok).toMatchObject({ received: 3200, added: 3200 });
    expect(calls[0]).toBe(500);
    calls.length = 0;
    const bad = [...many.slice(0, 3100), { id: 1, start: 'soon' }, ...many.slice(3100)];
    await expect(importTimewarrior(client, { file: new TimewFile(fileOf(asTimew(bad))), map: {} })).rejects.toThrow(
      /"soon" is not a Timewarrior time \(20260329T093000Z\); the 3000 intervals before it were sent \(3000 added\)/,
    );
  });
});
