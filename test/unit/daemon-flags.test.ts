// fragd runs with the same V8 flags however it is started: the systemd unit must carry them too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FRAGD_NODE_FLAGS } from '../../shared/daemon-flags.js';

describe('fragd V8 flags', () => {
  it('are in the systemd unit ExecStart', () => {
    const unit = readFileSync(new URL('../../systemd/fragd.service', import.meta.url), 'utf8');
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1].split(/\s+/);
    expect(exec.slice(1, 1 + FRAGD_NODE_FLAGS.length)).toEqual([...FRAGD_NODE_FLAGS]);
  });
});
