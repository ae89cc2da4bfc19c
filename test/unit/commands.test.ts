// Every command fragd prints or suggests is built by shared/command.ts from an argv: no
// source file may splice a value into a command string by hand (DESIGN.md §6, §9).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/daemon.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

// fragctl's commands, as a command line starts ("fragctl task …"); prose such as
// "fragctl and fragd 0.1.0" is not one.
const COMMANDS =
  'session|status|context|sprint|task|tasks|project|update|note|log|import|validate|done|artifact|report|heartbeat|hooks|commits|watch|mcp|daemon|completion|agent|setup|doctor';
const COMMAND_WITH_HOLE = new RegExp(`\\bfragctl (?:${COMMANDS})\\b[^'"]*\\$\\{|\\bfragctl (?:${COMMANDS})\\$\\{`);

// Lines where "fragctl <word>" is a program name before a message, not a command.
const PROSE = [/`fragctl watch: \$\{/, /`fragctl mcp: \$\{/, /error: fragctl mcp needs \$\{/];

describe('commands are built from an argv', () => {
  it('no source line interpolates a value into a fragctl command string', () => {
    const offenders: string[] = [];
    for (const file of ['daemon', 'client', 'shared'].flatMap((d) => sources(join(ROOT, d)))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
          // "fragctl task activate ${code}", "fragctl update${flag}": a command with a hole.
          if (COMMAND_WITH_HOLE.test(line))
            if (!PROSE.some((p) => p.test(line))) offenders.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
