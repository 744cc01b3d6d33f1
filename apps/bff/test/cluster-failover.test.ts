// Three real Powerdeck servers behind a real nginx on one PostgreSQL database, against the simulator (issue 17's
// "Tests and figures"; cluster-harness.ts starts them). What a person would notice is asserted:
// - the leader killed in the middle of a bulk shut down with escalation: another server takes over within the lease
//   and one renewal, every VM ends stopped, VergeOS got each step at most once per VM, every action that reached it
//   has its audit rows, and the audit chain verifies (npm run audit -- verify);
// - a leader paused (SIGSTOP) past its lease while steps are still to be sent: after it wakes it sends nothing;
// - a session made through nginx holds on every server, and signing out ends it on every server;
// - a wall display polling through nginx while the leader is killed: its data is never older than the lease and
//   three poll intervals, it never gets an error, and it is fresh again by itself.
// The figures (takeover time, how old the wall's data got) are printed, and bounded by the issue's terms.
import type { SessionInfo } from '@powerdeck/contracts/auth';
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { DATA_AGE_HEADER } from '@powerdeck/contracts/fleet-terms';
import type { Operation } from '@powerdeck/contracts/operations';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { RequestLogEntry, Simulator } from '@powerdeck/vergeos-sim';
import { describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../src/stores/types';
import { startCluster, type ClusterServer, type PowerdeckCluster } from './cluster-harness';
import { putVm } from './operations-support';
import { freshDatabase } from './pg-support';
import { onCleanup, startTestSim } from './support';

/** The simulator's time scale: a guest's 30 s shut down lasts 0.3 s. */
const SCALE = 0.01;
const WAIT = { timeout: 20_000, interval: 50 };
/** The shortest force-off moment an operation may ask for (STEP_TIMEOUTS_S.shutdown.min), in real seconds. */
const FORCE_AFTER_S = 10;

async function cluster(sim: Simulator): Promise<PowerdeckCluster> {
  const c = await startCluster({ sim, databaseUrl: await freshDatabase() });
  onCleanup(() => c.stop());
  await vi.waitFor(async () => expect(await c.leader()).not.toBeNull(), WAIT);
  return c;
}

type Headers = Record<string, string>;

async function fleet(c: PowerdeckCluster, headers: Headers): Promise<FleetSnapshot> {
  const a = await c.request('/api/fleet', { headers });
  expect(a.status, a.text).toBe(200);
  return a.json<FleetSnapshot>();
}

/**
 * Puts `keys` running in the simulator (a guest that shuts down in `shutdownS` simulated seconds, 0.3 s by default,
 * or one that ignores the shut down) and waits until the fleet through nginx shows them running.
 */
async function runningGuests(
  c: PowerdeckCluster,
  sim: Simulator,
  headers: Headers,
  keys: readonly number[],
  ignoring: ReadonlySet<number>,
  shutdownS = 30,
): Promise<void> {
  for (const key of keys) {
    await putVm(sim, key, {
      status: 'running',
      ignores_acpi: ignoring.has(key),
      shutdown_seconds: shutdownS,
    });
  }
  await vi.waitFor(async () => {
    const byKey = new Map((await fleet(c, headers)).vms.map((v) => [v.key, v.status]));
    expect(keys.filter((k) => byKey.get(k) !== 'running')).toEqual([]);
  }, WAIT);
}

async function operation(c: PowerdeckCluster, headers: Headers, id: string): Promise<Operation> {
  const a = await c.request(`/api/operations/${id}`, { headers });
  expect(a.status, a.text).toBe(200);
  return a.json<Operation>();
}

async function finished(c: PowerdeckCluster, headers: Headers, id: string): Promise<Operation> {
  let op: Operation | undefined;
  await vi.waitFor(
    async () => {
      op = await operation(c, headers, id);
      expect(op.status).not.toBe('running');
    },
    { timeout: 45_000, interval: 200 },
  );
  return op!;
}

/** VergeOS's own view of each VM's machine status. */
async function simStatus(sim: Simulator, key: number): Promise<string> {
  const res = await fetch(`${sim.url}/__sim/vms/${key}`);
  return ((await res.json()) as { machine_status: { status: string } }).machine_status.status;
}

/** How many of each action VergeOS got per VM: `${vm} ${action}` -> count, for those sent more than once. */
function repeated(actions: readonly RequestLogEntry[]): string[] {
  const count = new Map<string, number>();
  for (const e of actions) count.set(`${e.vm} ${e.action}`, (count.get(`${e.vm} ${e.action}`) ?? 0) + 1);
  return [...count].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
}

/**
 * Power actions VergeOS got without their audit rows: each must have a `requested` row of its own (same request
 * id, VM and action; a row answers for one action) with an outcome that says it went out, or may have (not a
 * "failed" with no answer from VergeOS: a step refused before sending). The rule of e2e/fixtures.ts's
 * expectActionsAudited, matched by VM and action too.
 */
function unaudited(actions: readonly RequestLogEntry[], rows: readonly AuditRecord[]): string[] {
  const notSent = (r: AuditRecord) => r.outcome === 'failed' && r.vergeosStatus === null;
  const outcomes = new Set(rows.filter((r) => r.refId !== null && !notSent(r)).map((r) => r.refId));
  const open = new Map<string, number>();
  for (const r of rows) {
    if (r.outcome !== 'requested' || !outcomes.has(r.id)) continue;
    const k = `${r.requestId} ${r.vmKey} ${r.action}`;
    open.set(k, (open.get(k) ?? 0) + 1);
  }
  return actions
    .filter((e) => {
      const k = `${e.requestId} ${e.vm} ${e.action}`;
      const left = open.get(k) ?? 0;
      if (left === 0) return true;
      open.set(k, left - 1);
      return false;
    })
    .map((e) => `${e.action} VM ${e.vm} (request ${e.requestId ?? 'without an id'})`);
}

const figures = (name: string, values: Record<string, number | string>) =>
  console.info(
    `[figures] ${name}: ${Object.entries(values)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );

describe('three servers behind nginx', () => {
  it('the leader killed during a bulk shut down with escalation: another takes over, every VM stops, each step once, nothing unaudited', async () => {
    const sim = await startTestSim({ timeScale: SCALE, vms: 60 });
    const c = await cluster(sim);
    const admin = await c.signIn('admin');
    const keys = (await fleet(c, admin)).vms.map((v) => v.key).slice(0, 50);
    expect(keys).toHaveLength(50);
    // One guest in five ignores the shut down: it is forced off FORCE_AFTER_S after it.
    const ignoring = new Set(keys.filter((_, i) => i % 5 === 2));
    await runningGuests(c, sim, admin, keys, ignoring);
    await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });

    const created = await c.request('/api/operations', {
      method: 'POST',
      headers: admin,
      body: { action: 'shutdown', vms: keys, forceAfterS: FORCE_AFTER_S, parallelism: 16 },
    });
    expect(created.status, created.text).toBe(201);
    const opId = created.json<Operation>().id;

    // Mid-way: some guests stopped, the ones that ignore it waiting for their force off, others not yet asked.
    await vi.waitFor(() => expect(sim.stats().actionLog.length).toBeGreaterThanOrEqual(25), WAIT);
    const first = await c.leader();
    expect(first).not.toBeNull();
    const before = await c.lease();
    const killedAt = Date.now();
    await c.kill(first!, 'SIGKILL');
    const sentBefore = c.actionsSent().filter((r) => r.server === first!.name).length;

    // Another server takes over within the lease and one renewal (the database's record of when).
    let next: ClusterServer | null = null;
    await vi.waitFor(async () => {
      next = await c.leader();
      expect(next).not.toBeNull();
    }, WAIT);
    const after = await c.lease();
    expect(after.epoch).toBe(before.epoch + 1);
    expect(after.holder).toMatch(new RegExp(`^${next!.name}#`));
    const takeoverMs = after.acquiredAt! - killedAt;
    // Not before the old lease ran out (renewed at most renewMs before the kill)...
    expect(takeoverMs).toBeGreaterThanOrEqual(c.leaseMs - c.renewMs - 50);
    // ...and at the first attempt after it did (one renewal period), give or take one query.
    expect(takeoverMs).toBeLessThanOrEqual(c.leaseMs + c.renewMs + 150);

    const done = await finished(c, admin, opId);
    expect(done.status).toBe('finished');
    expect(done.vms.filter((v) => v.state !== 'done' || v.status !== 'stopped')).toEqual([]);
    for (const key of keys) expect(`${key} ${await simStatus(sim, key)}`).toBe(`${key} stopped`);

    // VergeOS got each step at most once per VM: one shut down at most, one force off at most (each guest that
    // ignored the shut down exactly one: nothing else stops it); and the dead leader's share was real.
    const actions = sim.stats().actionLog;
    expect(repeated(actions)).toEqual([]);
    expect(actions.filter((e) => e.action !== 'poweroff' && e.action !== 'kill')).toEqual([]);
    expect(actions.filter((e) => e.action === 'kill').map((e) => e.vm)).toEqual(
      expect.arrayContaining([...ignoring]),
    );
    expect(sentBefore).toBeGreaterThan(0);
    expect(c.actionsSent().filter((r) => r.server !== first!.name).length).toBeGreaterThan(0);

    // No audit row lost: every action VergeOS got has its `requested` row and an outcome; the chain verifies with
    // every server's anchors (the dead leader's included).
    expect(unaudited(actions, await c.auditRows({ kind: 'power' }))).toEqual([]);
    const verified = await Promise.all(c.servers.map((s) => c.auditVerify(s)));
    for (const v of verified) expect(v.code, v.output).toBe(0);
    expect(verified[0]!.output).toMatch(/^audit log intact/m);

    figures('failover', {
      'takeover ms': takeoverMs,
      'actions by the killed leader': sentBefore,
      'actions by the others': actions.length - sentBefore,
    });
  }, 90_000);

  it('a leader paused past its lease while steps are still to send: another takes over, and once awake the old one sends nothing', async () => {
    const sim = await startTestSim({ timeScale: SCALE, vms: 30 });
    const c = await cluster(sim);
    const admin = await c.signIn('admin');
    const keys = (await fleet(c, admin)).vms.map((v) => v.key).slice(0, 18);
    // Six guests that ignore the shut down take the six slots first; twelve slow ones (2 s) wait for a slot.
    const ignoring = new Set(keys.slice(0, 6));
    await runningGuests(c, sim, admin, keys, ignoring, 200);
    await fetch(`${sim.url}/__sim/stats`, { method: 'DELETE' });
    const created = await c.request('/api/operations', {
      method: 'POST',
      headers: admin,
      body: { action: 'shutdown', vms: keys, forceAfterS: FORCE_AFTER_S, parallelism: 6 },
    });
    expect(created.status, created.text).toBe(201);
    const opId = created.json<Operation>().id;
    await vi.waitFor(() => expect(sim.stats().actionLog).toHaveLength(6), WAIT);
    const leader = (await c.leader())!;
    expect(leader).not.toBeNull();
    const forceAt = Math.min(...c.actionsSent().map((r) => r.at)) + FORCE_AFTER_S * 1000;

    // It is paused while its force offs are on their way: at the force-off moments it goes to send them, and each
    // waits for the audit log's lock (held here for the moment, as another server's append would), before being
    // marked `sending`. Paused for longer than the lease, it wakes after another server took over (which forces
    // those guests off too, once the lock is free), and only then are its own steps let through: they must be
    // refused before anything leaves.
    await new Promise((r) => setTimeout(r, Math.max(0, forceAt - 1500 - Date.now())));
    const lock = await c.holdAuditLock();
    onCleanup(() => lock.release());
    const forcing = () =>
      leader.logLines().filter((l) => l.msg === 'the guest did not stop in time: forcing off');
    await vi.waitFor(() => expect(forcing()).toHaveLength(6), WAIT);
    const before = await c.lease();
    const stoppedAt = Date.now();
    await c.kill(leader, 'SIGSTOP');
    // (Who leads is read from the database: with every audit row waiting, the servers' pools are busy and their
    // /readyz slow.)
    await vi.waitFor(async () => {
      const now = await c.lease();
      expect(now.epoch).toBe(before.epoch + 1);
      expect(now.holder).not.toMatch(new RegExp(`^${leader.name}#`));
    }, WAIT);
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + c.leaseMs + 500 - Date.now())));
    const wokeAt = Date.now();
    await c.kill(leader, 'SIGCONT');
    // Awake, it knows it no longer leads (its log says so); then the audit lock is let go.
    await vi.waitFor(() => {
      const stepDown = leader
        .logLines()
        .find((l) => l.msg === 'this server is no longer the leader' && l.time >= wokeAt);
      expect(stepDown).toBeDefined();
    }, WAIT);
    await lock.release();

    const done = await finished(c, admin, opId);
    expect(done.status).toBe('finished');
    expect(done.vms.filter((v) => v.state !== 'done' || v.status !== 'stopped')).toEqual([]);
    for (const key of keys) expect(`${key} ${await simStatus(sim, key)}`).toBe(`${key} stopped`);
    // The server that woke follows, and shows the operation as it ended.
    expect((await c.direct(leader, '/readyz')).json()).toMatchObject({
      server: leader.name,
      role: 'follower',
    });
    const seen = await c.direct(leader, `/api/operations/${opId}`, { headers: admin });
    expect(seen.json<Operation>().status).toBe('finished');

    // It sent nothing after it woke, while the new leader went on (every action from then on came from another
    // server); VergeOS got each step at most once per VM, and each guest that ignored the shut down was forced off
    // once, by the new leader.
    const sent = c.actionsSent();
    expect(sent.filter((r) => r.server === leader.name && r.at >= wokeAt)).toEqual([]);
    expect(sent.filter((r) => r.at >= wokeAt).length).toBeGreaterThan(0);
    const actions = sim.stats().actionLog;
    expect(repeated(actions)).toEqual([]);
    const kills = sent.filter((r) => r.action === 'kill');
    expect(kills.map((r) => r.vm).sort()).toEqual([...ignoring].sort());
    expect(kills.filter((r) => r.server === leader.name)).toEqual([]);
    expect(unaudited(actions, await c.auditRows({ kind: 'power' }))).toEqual([]);
    // Not for want of trying: its six force offs went on once the lock was free, and were refused before anything
    // was sent (the step is marked `sending` only under a current epoch).
    const refused = leader
      .logLines()
      .filter((l) => l.time >= wokeAt && l.msg === 'recording a step before sending it failed');
    expect(refused).toHaveLength(6);

    figures('paused leader', {
      'paused ms': wokeAt - stoppedAt,
      'steps it tried after waking (refused)': refused.length,
      'actions after it woke (all by others)': sent.filter((r) => r.at >= wokeAt).length,
      'actions by it before the pause': sent.filter((r) => r.server === leader.name).length,
    });
  }, 90_000);

  it('a session made through nginx holds on every server, and signing out ends it on every server', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const c = await cluster(sim);
    const headers = await c.signIn('admin');

    const answeredBy = new Map<string, number>();
    for (let i = 0; i < 30; i += 1) {
      const a = await c.request('/api/session', { headers });
      expect(a.status, a.text).toBe(200);
      expect(a.json<SessionInfo>()).toMatchObject({ username: 'admin', role: 'admin' });
      answeredBy.set(a.server ?? '(none)', (answeredBy.get(a.server ?? '(none)') ?? 0) + 1);
    }
    expect([...answeredBy.keys()].sort()).toEqual(['pd-1', 'pd-2', 'pd-3']);

    const out = await c.request('/api/session', { method: 'DELETE', headers });
    expect(out.status).toBe(204);
    for (const s of c.servers) {
      expect((await c.direct(s, '/api/session', { headers })).status).toBe(401);
    }
    const again = await Promise.all([1, 2, 3, 4, 5, 6].map(() => c.request('/api/fleet', { headers })));
    expect(again.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);

    // All the while, VergeOS was read by the leader alone: three servers, one poller.
    const leader = (await c.leader())!;
    const readers = new Set(
      c
        .upstream()
        .filter((r) => r.method === 'GET')
        .map((r) => r.server),
    );
    expect([...readers]).toEqual([leader.name]);
  }, 60_000);

  it('a wall display through nginx while the leader is killed: never older than the lease and three polls, no error, fresh again by itself', async () => {
    const sim = await startTestSim({ timeScale: SCALE });
    const c = await cluster(sim);
    const admin = await c.signIn('admin');
    // The wall signs in with a display link an admin made.
    const link = await c.request('/api/display-links', {
      method: 'POST',
      headers: admin,
      body: { name: 'NOC wall' },
    });
    expect(link.status, link.text).toBe(201);
    const session = await c.request('/api/display-session', {
      method: 'POST',
      headers: { [CSRF_HEADER]: '1' },
      body: { secret: link.json<{ secret: string }>().secret },
    });
    expect(session.status, session.text).toBe(200);
    const wall = {
      cookie: /^pd_session=[^;]+/.exec(session.headers['set-cookie']?.[0] ?? '')![0],
      [CSRF_HEADER]: '1',
    };
    const watched = (await fleet(c, admin)).vms.find((v) => v.status === 'running')!.key;

    // The wall polls the fleet through nginx, as the page does (If-None-Match; the data's age in a header).
    interface Sample {
      at: number;
      status: number;
      ageMs: number | null;
      stale: boolean;
      watched: string | undefined;
    }
    const samples: Sample[] = [];
    let polling = true;
    const wallLoop = (async () => {
      let etag: string | undefined;
      let snapshot: FleetSnapshot | undefined;
      while (polling) {
        const at = Date.now();
        const a = await c
          .request('/api/fleet', { headers: { ...wall, ...(etag ? { 'if-none-match': etag } : {}) } })
          .catch(() => null);
        if (a?.status === 200) {
          snapshot = a.json<FleetSnapshot>();
          etag = a.headers.etag;
        }
        const age = a?.headers[DATA_AGE_HEADER];
        samples.push({
          at,
          status: a?.status ?? 0,
          ageMs: typeof age === 'string' ? Number(age) : null,
          stale: snapshot?.stale ?? true,
          watched: snapshot?.vms.find((v) => v.key === watched)?.status,
        });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    onCleanup(() => {
      polling = false;
      return wallLoop;
    });
    const bound = c.leaseMs + 3 * c.poll.intervalMs;
    await vi.waitFor(() => {
      expect(samples.filter((s) => s.status === 200 || s.status === 304).length).toBeGreaterThan(10);
    }, WAIT);

    const leader = (await c.leader())!;
    const killedAt = Date.now();
    await c.kill(leader, 'SIGKILL');
    // VergeOS changes while nobody polls it: the wall shows it once a new leader does.
    await putVm(sim, watched, { status: 'stopped' });
    await vi.waitFor(() => {
      const last = samples.at(-1)!;
      expect(last).toMatchObject({ stale: false, watched: 'stopped' });
      expect(last.ageMs!).toBeLessThanOrEqual(3 * c.poll.intervalMs);
    }, WAIT);
    const recoveredAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    polling = false;
    await wallLoop;

    // Every answer was the fleet (nginx passed the dead server's share on): no error on the wall.
    expect(samples.filter((s) => s.status !== 200 && s.status !== 304)).toEqual([]);
    // How old the wall's data got: past what one leader's renewals allow (so the outage was seen), never past the
    // lease and three poll intervals.
    const during = samples.filter((s) => s.at >= killedAt);
    const maxAge = Math.max(...during.map((s) => s.ageMs ?? Infinity));
    expect(maxAge).toBeGreaterThanOrEqual(c.leaseMs - c.renewMs);
    expect(maxAge).toBeLessThanOrEqual(bound);
    // The snapshot said "stale" for no longer than that either, and not at all by the end.
    let longest = 0;
    let since: number | null = null;
    for (const s of during) {
      if (s.stale && since === null) since = s.at;
      if (!s.stale && since !== null) {
        longest = Math.max(longest, s.at - since);
        since = null;
      }
    }
    expect(since).toBeNull();
    expect(longest).toBeLessThanOrEqual(bound);
    expect(samples.filter((s) => s.at >= recoveredAt).every((s) => !s.stale)).toBe(true);

    figures('wall', {
      'bound ms': bound,
      'oldest data ms': maxAge,
      'stale for ms': longest,
      'fresh again after ms': recoveredAt - killedAt,
      polls: during.length,
    });
  }, 60_000);
});
