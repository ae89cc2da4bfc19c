// The HTTP API over real HTTP against a real daemon: every endpoint, the guards (token,
// Host, Origin, body size, JSON) and the error → status mapping.
import { request } from 'node:http';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, tempHome, TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let port: number;
let token: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** node:http rather than fetch, because fetch will not send a forged Host header. */
function http(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer; auth?: boolean } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {
    ...(opts.auth === false ? {} : { Authorization: `Bearer ${token}` }),
    ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : null }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const post = (path: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  http('POST', path, { body: JSON.stringify(body), headers });

beforeAll(async () => {
  d = await startDaemon({}, { http: { enabled: true, port: 0 } });
  port = Number(readFileSync(`${d.home}/http-port`, 'utf8'));
  token = readFileSync(d.paths.httpToken, 'utf8').trim();
  await d.json(['project', 'create', 'WEB', 'Web']);
  await d.json(['sprint', 'create', '1', 'First', '--project', 'WEB']);
  await d.json(['task', 'create', 'T-1', 'Login', '--sprint', '1']);
});
afterAll(() => d.dispose());

describe('discovery and the token file', () => {
  it('picks a free port for port 0 and shows it in daemon.status', async () => {
    expect(port).toBeGreaterThan(0);
    const st = await d.json(['daemon', 'status']);
    expect(st.body.http).toMatchObject({ enabled: true, port, url: `http://127.0.0.1:${port}` });
    expect((await d.fragctl(['daemon', 'status'])).stdout).toContain(`http     http://127.0.0.1:${port}`);
  });

  it('creates the token file 0600 with a long random token', () => {
    expect(statSync(d.paths.httpToken).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('guards', () => {
  it('refuses a missing token with 401', async () => {
    const r = await http('GET', '/api/sessions/SESSION-001', { auth: false });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/Bearer/);
    expect(r.body.error).toMatchObject({ code: -32009, data: { error: 'unauthorized', reason: 'missing_token' } });
  });

  it('refuses a wrong token with 401', async () => {
    const r = await http('GET', '/api/sessions/SESSION-001', {
      headers: { Authorization: `Bearer ${'0'.repeat(64)}` },
    });
    expect(r.status).toBe(401);
    expect(r.body.error.data.reason).toBe('wrong_token');
    const short = await http('GET', '/api/sessions/SESSION-001', { headers: { Authorization: 'Bearer x' } });
    expect(short.status).toBe(401);
    const basic = await http('GET', '/api/sessions/SESSION-001', { headers: { Authorization: `Basic ${token}` } });
    expect(basic.status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) even with the right token', async () => {
    const r = await http('GET', '/api/sessions/SESSION-001', { headers: { Host: `evil.example:${port}` } });
    expect(r.status).toBe(421);
    expect(r.body.error.data.reason).toBe('foreign_host');
    const otherPort = await http('GET', '/api/sessions/SESSION-001', { headers: { Host: `127.0.0.1:${port + 1}` } });
    expect(otherPort.status).toBe(421);
    const byName = await post(
      '/rpc',
      { jsonrpc: '2.0', id: 1, method: 'daemon.hello', params: { protocol: 1 } },
      { Host: `localhost:${port}` },
    );
    expect(byName.status).toBe(200);
  });

  it('refuses a foreign Origin (CSRF) and accepts a loopback one', async () => {
    const r = await post('/api/sessions/start', {}, { Origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body.error.data.reason).toBe('foreign_origin');
    expect((await post('/api/sessions/start', {}, { Origin: 'null' })).status).toBe(403);
    const ok = await post(
      '/rpc',
      { jsonrpc: '2.0', id: 1, method: 'session.list' },
      { Origin: `http://localhost:${port}` },
    );
    expect(ok.status).toBe(200);
  });

  it('refuses a body over 1 MiB with 413 and stays up', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(1024 * 1024 + 10) });
    const r = await http('POST', '/api/tasks/update', { body: big });
    expect(r.status).toBe(413);
    expect(r.body.error.data).toMatchObject({ error: 'frame_too_large', limit_bytes: 1024 * 1024 });
    expect((await post('/rpc', { jsonrpc: '2.0', id: 1, method: 'session.list' })).status).toBe(200);
  });

  it('refuses a chunked body (no Content-Length) once it passes 1 MiB', async () => {
    const r = await new Promise<Reply>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/rpc',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            'Transfer-Encoding': 'chunked',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 20; i++) req.write(chunk);
      req.end();
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe(-32007);
  });

  it('answers bad JSON with 400 (REST) and a JSON-RPC parse error (rpc)', async () => {
    const rest = await http('POST', '/api/sessions/start', { body: '{"actor": ' });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ code: -32700, data: { error: 'parse_error' } });
    const rpc = await http('POST', '/rpc', { body: '[{"jsonrpc"' });
    expect(rpc.status).toBe(400);
    expect(rpc.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    const arr = await http('POST', '/api/sessions/start', { body: '[1,2]' });
    expect(arr.status).toBe(400);
    expect(arr.body.error.code).toBe(-32602);
  });

  it('wants JSON as the content type (a plain form cannot post)', async () => {
    const r = await http('POST', '/api/sessions/start', {
      body: 'actor=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(415);
  });

  it('answers unknown paths 404 and wrong verbs 405', async () => {
    const r = await http('GET', '/api/nothing');
    expect(r.status).toBe(404);
    expect(r.body.error.data.endpoints).toEqual(
      expect.arrayContaining(['POST /rpc', 'GET /api/sessions/{key}', 'POST /api/sessions/{key}/pause']),
    );
    expect((await http('GET', '/api/sessions/%E0%A4%A')).status).toBe(400);
    const verb = await http('GET', '/api/sessions/start');
    expect(verb.status).toBe(405);
    expect(verb.headers.allow).toBe('POST');
    const put = await http('PUT', '/api/tasks/update', { body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('POST');
    expect((await http('GET', '/rpc')).status).toBe(405);
  });
});

describe('endpoints', () => {
  let key: string;

  it('POST /api/sessions/start → 201 with instructions; a second start → 409', async () => {
    const r = await post('/api/sessions/start', { actor: 'webby' });
    expect(r.status).toBe(201);
    key = r.body.session.key;
    expect(r.body.session).toMatchObject({ actor: 'webby', source: 'api', status: 'active' });
    expect(r.body.instructions.next_actions.length).toBeGreaterThan(0);
    const again = await post('/api/sessions/start', { actor: 'webby' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: -32006, data: { error: 'conflict' } });
  });

  it('POST /api/tasks/update logs on the task of the session named by X-Session-Key, source from X-Source', async () => {
    await post(
      '/rpc',
      { jsonrpc: '2.0', id: 1, method: 'task.activate', params: { code: 'T-1' } },
      { 'X-Session-Key': key },
    );
    const r = await post(
      '/api/tasks/update',
      { message: 'form renders' },
      { 'X-Session-Key': key, 'X-Source': 'editor' },
    );
    expect(r.status).toBe(200);
    expect(r.body.activity).toMatchObject({
      session: key,
      kind: 'update',
      source: 'editor',
      context: { task: 'T-1', sprint: 'SPRINT-1' },
    });
    expect(r.body.instructions.context_reminder).toContain('T-1');
  });

  it('POST /api/tasks/update without a session for the actor → 409 no_active_session', async () => {
    const r = await post('/api/tasks/update', { message: 'nobody here' }, { 'X-Actor': 'ghost' });
    expect(r.status).toBe(409);
    expect(r.body.error.data.error).toBe('no_active_session');
  });

  it('GET /api/sessions/{key} → the status; unknown key → 404; bad key → 400', async () => {
    const r = await http('GET', `/api/sessions/${key}`);
    expect(r.status).toBe(200);
    expect(r.body.session).toMatchObject({ key, status: 'active', active: { task: 'T-1' } });
    expect(r.body.recent[0].message).toBe('form renders');
    expect((await http('GET', '/api/sessions/SESSION-999')).status).toBe(404);
    const bad = await http('GET', '/api/sessions/nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe(-32602);
  });

  it('POST /api/sessions/{key}/pause and /resume; pausing twice → 409', async () => {
    const p = await post(`/api/sessions/${key}/pause`, { reason: 'lunch' });
    expect(p.status).toBe(200);
    expect(p.body.session).toMatchObject({ status: 'paused', pause_reason: 'lunch' });
    const twice = await post(`/api/sessions/${key}/pause`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.data.error).toBe('invalid_state');
    const r = await http('POST', `/api/sessions/${key}/resume`);
    expect(r.status).toBe(200);
    expect(r.body.session.status).toBe('active');
    expect(typeof r.body.interrupted_seconds).toBe('number');
  });

  it('invalid params → 400 with the issues', async () => {
    const r = await post('/api/tasks/update', { message: '' }, { 'X-Session-Key': key });
    expect(r.status).toBe(400);
    expect(r.body.error.data.issues[0].path).toBe('message');
    const src = await post('/api/tasks/update', { message: 'x' }, { 'X-Session-Key': key, 'X-Source': 'telepathy' });
    expect(src.status).toBe(400);
  });

  it('POST /rpc: single calls, batches, notifications, the same dispatcher as the socket', async () => {
    const one = await post('/rpc', { jsonrpc: '2.0', id: 7, method: 'session.status' }, { 'X-Session-Key': key });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ jsonrpc: '2.0', id: 7, result: { session: { key } } });

    const batch = await post(
      '/rpc',
      [
        { jsonrpc: '2.0', id: 1, method: 'activity.note', params: { message: 'a note over http' } },
        { jsonrpc: '2.0', id: 2, method: 'no.such' },
        { jsonrpc: '2.0', method: 'activity.log', params: { message: 'a notification' } },
      ],
      { 'X-Session-Key': key },
    );
    expect(batch.status).toBe(200);
    expect(batch.body).toHaveLength(2);
    expect(batch.body[0].result.activity).toMatchObject({ kind: 'note', source: 'api', session: key });
    expect(batch.body[1].error.code).toBe(-32601);

    const failed = await post(
      '/rpc',
      { jsonrpc: '2.0', id: 3, method: 'task.activate', params: { code: 'NOPE' } },
      { 'X-Session-Key': key },
    );
    expect(failed.status).toBe(404);
    expect(failed.body).toMatchObject({ id: 3, error: { code: -32002, data: { error: 'not_found' } } });

    for (const method of ['toString', '__proto__', 'constructor']) {
      const odd = await post('/rpc', { jsonrpc: '2.0', id: 8, method, params: {} });
      expect(odd.status, method).toBe(404);
      expect(odd.body.error.code).toBe(-32601);
    }

    const sub = await post('/rpc', { jsonrpc: '2.0', id: 4, method: 'events.subscribe' });
    expect(sub.status).toBe(400);
    expect(sub.body.error.message).toMatch(/fragctl watch/);
    const mixed = await post(
      '/rpc',
      [
        { jsonrpc: '2.0', id: 5, method: 'events.subscribe' },
        { jsonrpc: '2.0', id: 6, method: 'session.status' },
      ],
      { 'X-Session-Key': key },
    );
    expect(mixed.body.map((r: any) => [r.id, r.error?.code ?? 'ok'])).toEqual([
      [5, -32600],
      [6, 'ok'],
    ]);

    const note = await post(
      '/rpc',
      { jsonrpc: '2.0', method: 'activity.log', params: { message: 'fire and forget' } },
      { 'X-Session-Key': key },
    );
    expect(note.status).toBe(204);

    // What HTTP wrote, the socket sees.
    const hist = await d.json(['session', 'history', '--session', key]);
    const messages = hist.body.activities.map((a: any) => a.message);
    expect(messages).toEqual(expect.arrayContaining(['a note over http', 'a notification', 'fire and forget']));
  });

  it('works with fetch too, and POST /api/sessions/end ends the session', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/sessions/end`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'X-Session-Key': key },
      body: JSON.stringify({ summary: 'login form done' }),
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.session).toMatchObject({ key, status: 'completed', summary: 'login form done' });
    const again = await post('/api/sessions/end', {}, { 'X-Session-Key': key });
    expect(again.status).toBe(409);
  });
});

describe('configuration', () => {
  it('is off unless enabled', async () => {
    const off = await startDaemon();
    try {
      const st = await off.json(['daemon', 'status']);
      expect(st.body.http).toEqual({ enabled: false });
    } finally {
      await off.dispose();
    }
  });

  it('keeps an existing token, tightening a file others could read to 0600', async () => {
    const home = new TestDaemon(tempHome());
    writeFileSync(home.paths.httpToken, 'my-own-token\n', { mode: 0o644 });
    home.writeConfig({ http: { enabled: true, port: 0 } });
    await home.start();
    try {
      expect(statSync(home.paths.httpToken).mode & 0o777).toBe(0o600);
      const url = (await home.json(['daemon', 'status'])).body.http.url;
      const ok = await fetch(`${url}/rpc`, {
        method: 'POST',
        headers: { Authorization: 'Bearer my-own-token', 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.list' }),
      });
      expect(ok.status).toBe(200);
    } finally {
      await home.dispose();
    }
  });

  it('a port in use is reported in daemon.status, the daemon stays up', async () => {
    const busy = await startDaemon({}, { http: { enabled: true, port } });
    try {
      const st = await busy.json(['daemon', 'status']);
      expect(st.code).toBe(0);
      expect(st.body.http.enabled).toBe(true);
      expect(st.body.http.error).toMatch(/in use/);
    } finally {
      await busy.dispose();
    }
  });
});
