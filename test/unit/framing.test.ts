import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../shared/framing.js';

const frames = (d: LineDecoder, ...chunks: (string | Buffer)[]) =>
  chunks.flatMap((c) => d.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));

describe('LineDecoder', () => {
  it('splits on newlines and joins frames split across chunks', () => {
    const d = new LineDecoder();
    expect(frames(d, '{"a":1}\n{"b"', ':2}\n', '\n  \n')).toEqual([
      { kind: 'frame', text: '{"a":1}' },
      { kind: 'frame', text: '{"b":2}' },
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const d = new LineDecoder();
    const bytes = Buffer.from('"héllo ✓"\n');
    expect(frames(d, bytes.subarray(0, 3), bytes.subarray(3, 9), bytes.subarray(9))).toEqual([
      { kind: 'frame', text: '"héllo ✓"' },
    ]);
  });

  it('reports an oversize frame once, drops its rest, and goes on with the next', () => {
    const d = new LineDecoder(10);
    const out = frames(d, '0123456789AB', 'CDEF', 'GH\n', 'ok\n');
    expect(out).toEqual([
      { kind: 'oversize', bytes: 12 },
      { kind: 'frame', text: 'ok' },
    ]);
  });

  it('reports an oversize frame that arrives whole', () => {
    const d = new LineDecoder(4);
    expect(frames(d, '123456\nab\n')).toEqual([
      { kind: 'oversize', bytes: 6 },
      { kind: 'frame', text: 'ab' },
    ]);
  });

  it('tolerates CRLF and counts bytes of an unfinished frame', () => {
    const d = new LineDecoder();
    expect(frames(d, '{}\r\n{"x"')).toEqual([{ kind: 'frame', text: '{}' }]);
    expect(d.buffered).toBe(4);
  });
});
