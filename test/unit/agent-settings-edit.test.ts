// The text edits behind fragctl agent install: TOML tables cut and appended without touching
// the rest of the file, JSON edits in the file's own indentation, clear refusals.
import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { formattingOf, parseSettings, setAt, SettingsError } from '../../client/agents/jsonc-edit.js';
import { removeTable, setTable } from '../../client/agents/toml-edit.js';

const FRAGD = ['mcp_servers', 'fragd'];
const server = { command: '/usr/bin/node', args: ['/opt/fragd/dist/fragctl.js', 'mcp'] };

describe('TOML tables', () => {
  it('appends the table and cuts it back to the same bytes', () => {
    for (const original of [
      '',
      'model = "o3"\n',
      'model = "o3"',
      '# only a comment\n\n',
      'a = 1\r\n[x]\r\nb = 2\r\n',
    ]) {
      const added = setTable(original, FRAGD, server, 'config.toml');
      expect(parse(added)).toMatchObject({ mcp_servers: { fragd: server } });
      expect(added.startsWith(original)).toBe(true);
      if (original.includes('\r\n')) expect(added.slice(original.length)).not.toMatch(/[^\r]\n/);
      const back = removeTable(added, FRAGD, 'config.toml');
      // A file without a final newline gets one (the line fragd's table needed).
      expect(back).toBe(original === 'model = "o3"' ? 'model = "o3"\n' : original);
    }
  });

  it('replaces fragd as a key of [mcp_servers] and keeps the other servers and comments', () => {
    const text =
      '[mcp_servers]\n# docs server\ndocs = { command = "npx" }\nfragd = { command = "old" } # old one\n\n[profiles.a]\nx = 1\n';
    const next = setTable(text, FRAGD, server, 'config.toml');
    expect(next).toContain('# docs server\ndocs = { command = "npx" }\n\n[profiles.a]');
    expect(next).not.toContain('old');
    expect(parse(next)).toEqual({
      mcp_servers: { docs: { command: 'npx' }, fragd: server },
      profiles: { a: { x: 1 } },
    });
  });

  it('cuts sub-tables and dotted keys of the table too', () => {
    const text = 'mcp_servers.fragd.command = "x"\n[profiles.a]\nx = 1\n';
    expect(removeTable(text, FRAGD, 'c.toml')).toBe('[profiles.a]\nx = 1\n');
    const env = setTable('', FRAGD, { ...server, env: { FRAGMENTS_HOME: '/h' } }, 'c.toml');
    expect(env).toContain('[mcp_servers.fragd.env]');
    expect(removeTable('top = 1\n\n' + env, FRAGD, 'c.toml')).toBe('top = 1\n');
  });

  it('refuses an inline mcp_servers table and a broken document, naming the file and the line', () => {
    expect(() => setTable('mcp_servers = { docs = { command = "npx" } }\n', FRAGD, server, 'c.toml')).toThrow(
      /c\.toml defines mcp_servers as one inline value/,
    );
    expect(() => setTable('a = 1\nb = = 2\n', FRAGD, server, 'c.toml')).toThrow(SettingsError);
    expect(() => setTable('a = 1\nb = = 2\n', FRAGD, server, 'c.toml')).toThrow(/c\.toml is not valid TOML.*line 2/);
  });
});

describe('JSON settings', () => {
  it("writes in the file's own indentation and line endings", () => {
    expect(formattingOf('{\n\t"a": 1\n}')).toMatchObject({ insertSpaces: false });
    expect(formattingOf('{\n    "a": 1\n}')).toMatchObject({ insertSpaces: true, tabSize: 4 });
    const crlf = setAt('{\r\n  "a": 1\r\n}\r\n', ['b'], { c: [1] });
    expect(crlf).not.toMatch(/[^\r]\n/);
    expect(JSON.parse(crlf)).toEqual({ a: 1, b: { c: [1] } });
  });

  it('reads comments and trailing commas, refuses what is not an object', () => {
    expect(parseSettings('{ // c\n "a": [1,], }', 'x.json')).toEqual({ a: [1] });
    expect(parseSettings('  \n', 'x.json')).toEqual({});
    expect(() => parseSettings('[1]', 'x.json')).toThrow(/x\.json does not hold a JSON object/);
    expect(() => parseSettings('{"a": }', 'x.json')).toThrow(
      /x\.json is not valid JSON \(ValueExpected at line 1, column 7\)/,
    );
  });
});
