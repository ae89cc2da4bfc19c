// JSON-RPC 2.0 to the letter (jsonrpc.org/specification), over the Unix socket and over
// HTTP /rpc: every example of the specification's section 7, with its methods (subtract,
// sum, update, foobar…) replaced by real fragd methods where a real one is needed, and the
// rules of section 4 for request objects (jsonrpc, method, params, id: types and presence),
// section 5 for responses (an id answered exactly as sent), and fragd's promise that every
// error carries data.error.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, until, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let port: number;
let token: string;
let session: string;

/** A raw line-oriented connection: what was answered, as text. */
class Line {
  private buffer = '';
  private waiters: (() => void)[] = [];
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer += chunk.toString('utf8');
      this.waiters.splice(0).forEach((w) => w());
    });
  }
  static open(path: string): Promise<Line> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(new Line(s)));
      s.once('error', reject);
    });
  }
  async next(): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl !== -1) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        return line;
      }
      if (Date.now() > deadline) throw new Error('no answer within 10 s');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  /**
   * Sends a frame and returns its answer's text, or null when it has none: a request
   * that only reads follows it, and its answer arriving first proves there is none.
   */
  async send(text: string): Promise<string | null> {
    this.socket.write(text + '\n');
    this.socket.write('{"jsonrpc":"2.0","method":"daemon.hello","params":{"protocol":1},"id":"after"}\n');
    const first = await this.next();
    if (first.includes('"id":"after"')) return null;
    const second = await this.next();
    expect(second).toContain('"id":"after"');
    return first;
  }
  close(): void {
    this.socket.destroy();
  }
}

type Transport = (text: string) => Promise<string | null>;

function overHttp(text: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/rpc',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(res.statusCode === 204 ? null : body));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

let line: Line;
const transports: [string, () => Transport][] = [
  ['the Unix socket', () => (text) => line.send(text)],
  ['HTTP /rpc', () => overHttp],
];

beforeAll(async () => {
  d = await startDaemon({}, { http: { enabled: true, port: 0 } });
  port = Number(readFileSync(`${d.home}/http-port`, 'utf8'));
  token = readFileSync(d.paths.httpToken, 'utf8').trim();
  const c = await d.client();
  session = (await c.call('session.start', { actor: 'spec' })).session.key;
  c.close();
  line = await Line.open(d.paths.socket);
});
afterAll(async () => {
  line?.close();
  await d.dispose();
});

/** Every error object names its error in data.error (docs/protocol.md, docs/errors.md). */
function expectErrors(answer: unknown): void {
  for (const r of Array.isArray(answer) ? answer : [answer]) {
    const e = (r as { error?: { data?: { error?: unknown } } }).error;
    if (e) expect(typeof e.data?.error, JSON.stringify(r)).toBe('string');
  }
}

const parse = (text: string | null): any => {
  expect(text).not.toBeNull();
  const v = JSON.parse(text!);
  expectErrors(v);
  return v;
};

describe.each(transports)('JSON-RPC 2.0 section 7 examples over %s', (_name, transport) => {
  const send = (text: string) => transport()(text);

  it('rpc call with positional parameters (an empty array is no params; others are -32602 with data)', async () => {
    const ok = parse(await send('{"jsonrpc": "2.0", "method": "daemon.status", "params": [], "id": 1}'));
    expect(ok).toMatchObject({ jsonrpc: '2.0', id: 1, result: { pid: expect.any(Number) } });
    const positional = parse(await send('{"jsonrpc": "2.0", "method": "activity.note", "params": [42, 23], "id": 2}'));
    expect(positional).toMatchObject({ jsonrpc: '2.0', id: 2, error: { code: -32602 } });
  });

  it('rpc call with named parameters', async () => {
    const a = parse(await send('{"jsonrpc": "2.0", "method": "daemon.hello", "params": {"protocol": 1}, "id": 3}'));
    expect(a).toMatchObject({ jsonrpc: '2.0', id: 3, result: { compatible: true } });
    const b = parse(
      await send('{"jsonrpc": "2.0", "method": "daemon.hello", "params": {"client": "spec", "protocol": 1}, "id": 4}'),
    );
    expect(b).toMatchObject({ jsonrpc: '2.0', id: 4, result: { compatible: true } });
  });

  it('a notification is never answered, and runs', async () => {
    const marker = `notified ${Math.random()}`;
    expect(
      await send(JSON.stringify({ jsonrpc: '2.0', method: 'activity.note', params: { session, message: marker } })),
    ).toBeNull();
    expect(await send('{"jsonrpc": "2.0", "method": "foobar"}')).toBeNull();
    // Not even an error for bad params: the caller asked for no answer.
    expect(await send('{"jsonrpc": "2.0", "method": "activity.note", "params": [1,2,3,4,5]}')).toBeNull();
    const c = await d.client();
    await until('the notified note', async () =>
      (await c.call('session.history', { session })).activities.some((a) => a.message === marker),
    );
    c.close();
  });

  it('rpc call of a non-existent method', async () => {
    const a = parse(await send('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}'));
    expect(a).toMatchObject({ jsonrpc: '2.0', id: '1', error: { code: -32601, data: { error: 'method_not_found' } } });
    // Names of Object.prototype are no methods either.
    for (const name of ['constructor', '__proto__', 'toString', 'rpc.discover']) {
      const b = parse(await send(JSON.stringify({ jsonrpc: '2.0', method: name, id: 7 })));
      expect(b).toMatchObject({ id: 7, error: { code: -32601 } });
    }
  });

  it('rpc call with invalid JSON', async () => {
    const a = parse(await send('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]'));
    expect(a).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, data: { error: 'parse_error' } } });
  });

  it('rpc call with invalid Request object', async () => {
    const a = parse(await send('{"jsonrpc": "2.0", "method": 1, "params": "bar"}'));
    expect(a).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, data: { error: 'invalid_request' } } });
  });

  it('rpc call Batch, invalid JSON', async () => {
    const a = parse(
      await send('[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method" ]'),
    );
    expect(Array.isArray(a)).toBe(false);
    expect(a).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('rpc call with an empty Array', async () => {
    const a = parse(await send('[]'));
    expect(Array.isArray(a)).toBe(false);
    expect(a).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
  });

  it('rpc call with an invalid Batch (but not empty)', async () => {
    const a = parse(await send('[1]'));
    expect(a).toEqual([
      { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32600, data: expect.any(Object) }) },
    ]);
  });

  it('rpc call with invalid Batch', async () => {
    const a = parse(await send('[1,2,3]'));
    expect(a).toHaveLength(3);
    for (const r of a) expect(r).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
  });

  it('rpc call Batch: results and errors in one array, notifications left out', async () => {
    const a = parse(
      await send(
        JSON.stringify([
          { jsonrpc: '2.0', method: 'daemon.hello', params: { protocol: 1 }, id: '1' },
          { jsonrpc: '2.0', method: 'daemon.hello', params: { protocol: 7 } },
          { jsonrpc: '2.0', method: 'daemon.status', params: {}, id: '2' },
          { foo: 'boo' },
          { jsonrpc: '2.0', method: 'foo.get', params: { name: 'myself' }, id: '5' },
          { jsonrpc: '2.0', method: 'session.list', id: '9' },
        ]),
      ),
    );
    // The specification lets a batch's answers come in any order; match them by id.
    expect(a).toHaveLength(5);
    const byId = new Map<unknown, any>(a.filter((r: any) => r.id !== null).map((r: any) => [r.id, r]));
    expect(byId.get('1')).toMatchObject({ result: { protocol: expect.any(Number) } });
    expect(byId.get('2')).toMatchObject({ result: { pid: expect.any(Number) } });
    expect(byId.get('5')).toMatchObject({ error: { code: -32601, data: { error: 'method_not_found' } } });
    expect(byId.get('9')).toMatchObject({ result: { sessions: expect.any(Array) } });
    expect(a.filter((r: any) => r.id === null)).toEqual([
      { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32600 }) },
    ]);
  });

  it('rpc call Batch (all notifications): nothing at all is answered', async () => {
    expect(
      await send(
        '[{"jsonrpc": "2.0", "method": "daemon.hello", "params": {"protocol": 1}}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]',
      ),
    ).toBeNull();
  });
});

describe.each(transports)('JSON-RPC 2.0 section 4, request objects, over %s', (_name, transport) => {
  const send = (text: string) => transport()(text);
  const expectInvalid = async (text: string, reason: string, id: unknown = null) => {
    const a = parse(await send(text));
    expect(a, text).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32600, data: { error: 'invalid_request' } } });
    expect(a.error.data.reason, text).toBe(reason);
  };

  it('"jsonrpc" must be exactly the string "2.0"', async () => {
    await expectInvalid('{"method": "daemon.status", "id": 1}', 'jsonrpc_version', 1);
    await expectInvalid('{"jsonrpc": 2.0, "method": "daemon.status", "id": 1}', 'jsonrpc_version', 1);
    await expectInvalid('{"jsonrpc": "2", "method": "daemon.status", "id": 1}', 'jsonrpc_version', 1);
    await expectInvalid('{"jsonrpc": "1.0", "method": "daemon.status", "id": 1}', 'jsonrpc_version', 1);
  });

  it('"method" must be a string', async () => {
    for (const m of ['1', 'null', '{}', '["daemon.status"]', 'true'])
      await expectInvalid(`{"jsonrpc": "2.0", "method": ${m}, "id": 2}`, 'method_type', 2);
    await expectInvalid('{"jsonrpc": "2.0", "id": 2}', 'method_type', 2);
  });

  it('"params", when present, must be an object or an array', async () => {
    for (const p of ['"bar"', '1', 'true', 'null'])
      await expectInvalid(`{"jsonrpc": "2.0", "method": "daemon.status", "params": ${p}, "id": 3}`, 'params_type', 3);
  });

  it('"id" must be a string, a number or null; otherwise the answer has id null', async () => {
    for (const id of ['{}', '[]', 'true', '[1]'])
      await expectInvalid(`{"jsonrpc": "2.0", "method": "daemon.status", "id": ${id}}`, 'id_type', null);
  });

  it('an id is answered exactly as sent: big and fractional numbers, numeric strings, null', async () => {
    const ids = [
      '12345678901234567890',
      '-9007199254740993',
      '1.5',
      '1.0',
      '1e3',
      '-0',
      '0',
      '"12345678901234567890"',
      '"007"',
      '""',
      'null',
    ];
    for (const id of ids) {
      const text = await send(`{"jsonrpc":"2.0","method":"daemon.hello","params":{"protocol":1},"id":${id}}`);
      expect(text, id).toContain(`"id":${id}`);
      expect(parse(text)).toHaveProperty('result');
    }
    // Also in a batch, and in an error answer.
    const batch = await send(
      '[{"jsonrpc":"2.0","method":"daemon.hello","params":{"protocol":1},"id":98765432109876543210},{"jsonrpc":"2.0","method":"nope","id":2.50}]',
    );
    expect(batch).toContain('"id":98765432109876543210');
    expect(batch).toContain('"id":2.50');
  });

  it('a method that takes no params accepts them left out, or as {} or []', async () => {
    for (const params of ['', ',"params":{}', ',"params":[]']) {
      const a = parse(await send(`{"jsonrpc":"2.0","method":"daemon.status"${params},"id":"p"}`));
      expect(a).toMatchObject({ id: 'p', result: { pid: expect.any(Number) } });
    }
  });

  it('every error carries data.error, invalid params included', async () => {
    const a = parse(await send('{"jsonrpc":"2.0","method":"session.status","params":{"session":"nope"},"id":1}'));
    expect(a).toMatchObject({ error: { code: -32602, data: { error: 'invalid_params' } } });
    const b = parse(
      await send('{"jsonrpc":"2.0","method":"session.status","params":{"session":"SESSION-999"},"id":1}'),
    );
    expect(b.error.data.error).toBe('not_found');
  });
});
