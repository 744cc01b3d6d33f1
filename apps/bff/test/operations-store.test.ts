// The operation store on both backends (a real SQLite file, a real PostgreSQL database): an operation and its VMs
// round-trip, a change is one transaction, "about to send" and "sent" are told apart, and lists give the running
// ones and the most recent finished ones. On PostgreSQL, what matters with several servers: another server sees a
// change whole or not at all, an id is taken once, and the round trips an update costs do not grow with its VMs.
import pg from 'pg';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderLease } from '../src/cluster/lease';
import { OperationRecorder } from '../src/operations/recorder';
import { StoreError } from '../src/stores/errors';
import { openSqliteStores } from '../src/stores/sqlite/open';
import type { OperationRecord, OperationVmRecord } from '../src/stores/types';
import { openServer, pgServers, urlOf } from './pg-servers';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';
import { onCleanup } from './support';

function vm(key: number, over: Partial<OperationVmRecord> = {}): OperationVmRecord {
  return {
    key,
    name: `vm-${key}`,
    state: 'pending',
    step: null,
    stepPhase: null,
    stepAt: null,
    deadline: null,
    escalated: false,
    forcedAfterS: null,
    detail: 'Waiting for its turn',
    status: 'running',
    startedBefore: 1_700_000_000,
    moved: false,
    auditId: null,
    tier: null,
    ...over,
  };
}

function operation(id: string, over: Partial<OperationRecord> = {}): OperationRecord {
  return {
    id,
    action: 'shutdown',
    status: 'running',
    owner: 'admin',
    ownerRole: 'admin',
    ownerAuthKind: 'session',
    source: '127.0.0.1',
    userAgent: 'test',
    requestId: 'req-1',
    createdAt: '2026-11-29T09:00:00.000Z',
    finishedAt: null,
    cancelledBy: null,
    forceAfterS: 120,
    timeoutS: 120,
    parallelism: 4,
    reason: 'maintenance',
    vms: [vm(7), vm(3, { state: 'skipped', detail: 'Skipped: already stopped', status: 'stopped' })],
    ...over,
  };
}

describe.each(BACKENDS)('operation store (%s)', (backend) => {
  let stores: TestStores;
  beforeEach(async () => {
    stores = await openTestStores(backend);
  });

  it('the engine’s recorder writes an operation’s changes in the order it made them, even when one is slow', async () => {
    const s = stores;
    await s.operations.create(operation('ordered'));
    // The first write waits on its way to the database (as a busy connection would); the second is made at once.
    let calls = 0;
    const slowFirst = Object.create(s.operations) as typeof s.operations;
    slowFirst.update = async (id, change) => {
      if (calls++ === 0) await new Promise((r) => setTimeout(r, 150));
      return s.operations.update(id, change);
    };
    const quiet = () => undefined;
    const recorder = new OperationRecorder(slowFirst, {
      debug: quiet,
      info: quiet,
      warn: quiet,
      error: quiet,
    });
    const rec = (await s.operations.get('ordered'))!;
    recorder.persist(rec, { vms: [{ key: 7, patch: { state: 'active', status: 'stopping' } }] });
    await recorder.persistNow(rec, { vms: [{ key: 7, patch: { state: 'done', status: 'stopped' } }] });
    await recorder.close();
    const vm7 = (await s.operations.get('ordered'))!.vms.find((v) => v.key === 7)!;
    expect([vm7.state, vm7.status]).toEqual(['done', 'stopped']);
  });

  describe('operations and their VMs', () => {
    it('round-trips an operation with its VMs in the order asked', async () => {
      const s = stores;
      const op = operation('a');
      await s.operations.create(op);
      expect(await s.operations.get('a')).toEqual(op);
      expect(await s.operations.get('nope')).toBeNull();
      await expect(s.operations.create(op)).rejects.toMatchObject({ code: 'exists' });
    });

    it('records "about to send" before "sent", and it is on disk for the next process', async () => {
      const s = stores;
      await s.operations.create(operation('a'));
      await s.operations.update('a', {
        vms: [
          {
            key: 7,
            patch: {
              state: 'active',
              step: 'poweroff',
              stepPhase: 'sending',
              stepAt: '2026-11-29T09:00:01.000Z',
              deadline: '2026-11-29T09:02:01.000Z',
              auditId: 12,
            },
          },
        ],
      });
      // Another connection (a restarted BFF, or another server) reads what was committed.
      const again = s.backend === 'sqlite' ? openSqliteStores(s.dir) : await openServer(urlOf(s), s.dir);
      try {
        const [seen] = (await again.operations.listRunning())[0]!.vms;
        expect(seen).toMatchObject({ state: 'active', step: 'poweroff', stepPhase: 'sending', auditId: 12 });
        expect(seen!.deadline).toBe('2026-11-29T09:02:01.000Z');
      } finally {
        await again.close();
      }
      await s.operations.update('a', { vms: [{ key: 7, patch: { stepPhase: 'sent', escalated: true } }] });
      expect((await s.operations.get('a'))!.vms[0]).toMatchObject({ stepPhase: 'sent', escalated: true });
    });

    it('applies a change in one transaction: a bad part leaves nothing changed', async () => {
      const s = stores;
      await s.operations.create(operation('a'));
      await expect(
        s.operations.update('a', {
          operation: { status: 'cancelled', finishedAt: '2026-11-29T09:01:00.000Z', cancelledBy: 'admin' },
          vms: [
            { key: 7, patch: { state: 'cancelled' } },
            { key: 99, patch: { state: 'cancelled' } },
          ],
        }),
      ).rejects.toBeInstanceOf(StoreError);
      const op = (await s.operations.get('a'))!;
      expect(op.status).toBe('running');
      expect(op.vms[0]!.state).toBe('pending');
      await expect(s.operations.update('zz', { operation: { status: 'finished' } })).rejects.toMatchObject({
        code: 'not_found',
      });
      // A step without a phase (or the other way round) is refused by the schema.
      await expect(
        s.operations.update('a', { vms: [{ key: 7, patch: { step: 'kill' } }] }),
      ).rejects.toThrow();
    });

    it('says what is wrong with a change in the same words, and in the same order, on both backends', async () => {
      const s = stores;
      await s.operations.create(operation('a'));
      const refusal = (change: Parameters<typeof s.operations.update>[1], id = 'a') =>
        s.operations.update(id, change).then(
          () => null,
          (e: unknown) => (e instanceof StoreError ? [e.code, e.message] : e),
        );
      expect(await refusal({ operation: { finishedAt: 'soon' } })).toEqual([
        'invalid',
        'finishedAt is not an ISO 8601 time',
      ]);
      expect(await refusal({ vms: [{ key: 7, patch: { stepAt: 'soon' } }] })).toEqual([
        'invalid',
        'stepAt is not an ISO 8601 time',
      ]);
      expect(await refusal({ vms: [{ key: 7, patch: { colour: 'red' } as never }] })).toEqual([
        'invalid',
        'unknown field colour',
      ]);
      // An unknown operation, or an unknown VM patched before the bad patch, is what is reported.
      expect(await refusal({ vms: [{ key: 7, patch: { stepAt: 'soon' } }] }, 'zz')).toEqual([
        'not_found',
        'no operation zz',
      ]);
      expect(
        await refusal({
          vms: [
            { key: 99, patch: { detail: 'x' } },
            { key: 7, patch: { stepAt: 'soon' } },
          ],
        }),
      ).toEqual(['not_found', 'operation a has no VM 99']);
      expect(await refusal({ operation: {} }, 'zz')).toEqual(['not_found', 'no operation zz']);
      expect(await refusal({ operation: { status: 'finished' } }, 'zz')).toEqual([
        'not_found',
        'no operation zz',
      ]);
      expect(await refusal({ vms: [{ key: 99, patch: { detail: 'x' } }] })).toEqual([
        'not_found',
        'operation a has no VM 99',
      ]);
      // An empty patch changes nothing and asks nothing; a VM patched twice takes both, the later one last.
      expect(await refusal({ vms: [{ key: 99, patch: {} }] })).toBeNull();
      await s.operations.update('a', {
        vms: [
          { key: 7, patch: { detail: 'first', status: 'stopping' } },
          { key: 7, patch: { detail: 'second', moved: true } },
        ],
      });
      expect((await s.operations.get('a'))!.vms[0]).toMatchObject({
        detail: 'second',
        status: 'stopping',
        moved: true,
      });
      const empty = await s.operations.create(operation('b', { vms: [] })).catch((e: unknown) => e);
      expect(empty).toMatchObject({ code: 'invalid', message: 'an operation needs at least one VM' });
      expect(await s.operations.get('a')).toMatchObject({ status: 'running' });
    });

    it('lists running operations oldest first and finished ones newest first', async () => {
      const s = stores;
      await s.operations.create(operation('r2', { createdAt: '2026-11-29T09:00:02.000Z' }));
      await s.operations.create(operation('r1', { createdAt: '2026-11-29T09:00:01.000Z' }));
      for (const [id, at] of [
        ['f1', '2026-11-29T08:00:00.000Z'],
        ['f2', '2026-11-29T08:30:00.000Z'],
      ] as const) {
        await s.operations.create(operation(id, { createdAt: '2026-11-29T07:00:00.000Z' }));
        await s.operations.update(id, { operation: { status: 'finished', finishedAt: at } });
      }
      expect((await s.operations.listRunning()).map((o) => o.id)).toEqual(['r1', 'r2']);
      const recent = await s.operations.listRecent(10);
      expect(recent.map((o) => o.id)).toEqual(['f2', 'f1']);
      expect(recent[0]!.vms.map((v) => v.key)).toEqual([7, 3]);
      expect((await s.operations.listRecent(1)).map((o) => o.id)).toEqual(['f2']);
      await expect(s.operations.listRecent(0)).rejects.toMatchObject({ code: 'invalid' });
    });
  });

  describe('plan runs in the operation store', () => {
    const plan: NonNullable<OperationRecord['plan']> = {
      id: 'plan-1',
      name: 'Site A',
      direction: 'start',
      tiers: [
        {
          name: 'DCs',
          upWhen: 'agent',
          timeoutS: 300,
          delayAfterS: 30,
          onFailure: 'stop',
          escalate: false,
          state: 'active',
          detail: '',
          startedAt: '2026-11-29T09:00:00.000Z',
          endedAt: null,
          nextAt: null,
        },
      ],
    };

    it("round-trips the plan and each VM's tier, rewrites the plan with a change, and lists a plan's runs newest first", async () => {
      const s = stores;
      const first = operation('p1', { action: 'start', plan, vms: [vm(7, { tier: 0 })] });
      await s.operations.create(first);
      expect(await s.operations.get('p1')).toEqual(first);
      const next = structuredClone(plan);
      next.tiers[0]!.state = 'done';
      next.tiers[0]!.nextAt = '2026-11-29T09:05:00.000Z';
      await s.operations.update('p1', {
        operation: { plan: next },
        vms: [{ key: 7, patch: { state: 'done' } }],
      });
      expect((await s.operations.get('p1'))!.plan).toEqual(next);
      await s.operations.create(
        operation('p2', {
          action: 'start',
          plan,
          createdAt: '2026-11-29T10:00:00.000Z',
          vms: [vm(8, { tier: 0 })],
        }),
      );
      await s.operations.create(operation('other', { createdAt: '2026-11-29T11:00:00.000Z' }));
      expect((await s.operations.listByPlan('plan-1', 10)).map((o) => o.id)).toEqual(['p2', 'p1']);
      expect((await s.operations.listByPlan('plan-1', 1)).map((o) => o.id)).toEqual(['p2']);
      expect(await s.operations.listByPlan('plan-2', 10)).toEqual([]);
      await expect(s.operations.listByPlan('plan-1', 0)).rejects.toMatchObject({ code: 'invalid' });
    });
  });

  describe('pruning finished operations', () => {
    it('deletes operations finished or cancelled before the time, with their VMs; running ones stay', async () => {
      const s = stores;
      const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}T10:00:00.000Z`;
      await s.operations.create(
        operation('old-finished', { status: 'finished', createdAt: day(1), finishedAt: day(1) }),
      );
      await s.operations.create(
        operation('old-cancelled', { status: 'cancelled', createdAt: day(2), finishedAt: day(2) }),
      );
      await s.operations.create(operation('old-running', { createdAt: day(1) }));
      await s.operations.create(
        operation('recent', { status: 'finished', createdAt: day(20), finishedAt: day(20) }),
      );

      expect(await s.operations.prune(new Date(day(10)))).toBe(2);
      expect(await s.operations.get('old-finished')).toBeNull();
      expect(await s.operations.get('old-cancelled')).toBeNull();
      expect((await s.operations.get('old-running'))?.vms).toHaveLength(2);
      expect((await s.operations.get('recent'))?.vms).toHaveLength(2);
      // Their VMs went with them.
      const [orphans] = await rows<{ n: number }>(
        s,
        "SELECT count(*) AS n FROM operation_vms WHERE operation_id LIKE 'old-%'",
      );
      expect(orphans!.n).toBe(2);
      expect(await s.operations.prune(new Date(day(10)))).toBe(0);
    });
  });
});

// What only matters with several servers on one PostgreSQL database (each its own pool, as separate processes).
describe('operations on two servers sharing PostgreSQL', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => vm(i + 1));

  it('another server sees a change whole or not at all', async () => {
    const [engine, reader] = await pgServers(2);
    await engine!.operations.create(operation('bulk', { vms: many(200) }));
    for (let round = 1; round <= 10; round += 1) {
      const detail = `Round ${round}`;
      let done = false;
      const change = engine!.operations
        .update('bulk', { vms: many(200).map((v) => ({ key: v.key, patch: { detail } })) })
        .finally(() => (done = true));
      do {
        // Every read while the change is under way: one detail for all 200 VMs, the old one or the new one.
        const details = new Set((await reader!.operations.get('bulk'))!.vms.map((v) => v.detail));
        expect(details.size).toBe(1);
      } while (!done);
      await change;
      expect(new Set((await reader!.operations.get('bulk'))!.vms.map((v) => v.detail))).toEqual(
        new Set([detail]),
      );
    }
  });

  it('two servers creating the same operation at once: one stores it, the other is told it exists', async () => {
    const [a, b] = await pgServers(2);
    for (let round = 0; round < 10; round += 1) {
      const id = `op-${round}`;
      const results = await Promise.allSettled([
        a!.operations.create(operation(id, { vms: many(50), owner: 'alice' })),
        b!.operations.create(operation(id, { vms: many(60), owner: 'bob' })),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({
        code: 'exists',
        message: `an operation with the id ${id} exists`,
      });
      // The winner's operation, whole: its owner and all of its VMs, none of the other's.
      const stored = (await a!.operations.get(id))!;
      expect(stored.vms).toHaveLength(stored.owner === 'alice' ? 50 : 60);
    }
  });

  it('round trips do not grow with the VMs: 1,000 created in one statement, 500 patched in one transaction', async () => {
    const [server] = await pgServers(1);
    const s = server!;
    // Counts what goes to the server: every statement of every pooled connection is a Client#query call.
    const sent: string[] = [];
    const stepAt = '2026-11-29T09:00:01.000Z';
    const query = Reflect.get(pg.Client.prototype, 'query') as (
      this: pg.Client,
      ...args: unknown[]
    ) => unknown;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      sent.push(String(args[0]).trim().split(/\s+/)[0]!.toUpperCase());
      return query.apply(this, args) as never;
    });
    try {
      const vms = many(1000);
      await s.operations.create(operation('bulk', { vms }));
      expect(sent).toEqual(['WITH']);
      sent.length = 0;
      await s.operations.update('bulk', {
        operation: { plan: { id: 'p', name: 'P', direction: 'start', tiers: [] } },
        vms: vms.slice(0, 500).map((v, i) => ({
          key: v.key,
          // Patches of different shapes share the statement.
          patch:
            i % 2 === 0
              ? { state: 'active', step: 'poweroff', stepPhase: 'sending', stepAt, auditId: i + 1 }
              : { detail: `Shutting down ${v.name}`, escalated: true },
        })),
      });
      expect(sent).toEqual(['BEGIN', 'WITH', 'COMMIT']);
      sent.length = 0;
      await s.operations.update('bulk', { operation: { status: 'finished', finishedAt: stepAt } });
      expect(sent).toEqual(['UPDATE']);
    } finally {
      spy.mockRestore();
    }
    const stored = (await s.operations.get('bulk'))!;
    expect(stored.vms.map((v) => v.key)).toEqual(many(1000).map((v) => v.key));
    expect(stored.vms[0]).toMatchObject({
      state: 'active',
      stepPhase: 'sending',
      stepAt,
      auditId: 1,
      detail: 'Waiting for its turn',
    });
    expect(stored.vms[1]).toMatchObject({
      state: 'pending',
      step: null,
      detail: 'Shutting down vm-2',
      escalated: true,
    });
    expect(stored.vms[500]).toEqual(vm(501));
    expect(stored).toMatchObject({ status: 'finished', finishedAt: stepAt, plan: { id: 'p' } });
  });
});

describe('operation store fenced by the leader lease (postgres)', () => {
  it("refuses a deposed leader's writes, the step it was about to mark sending included, and records nothing", async () => {
    const stores = await openTestStores('postgres');
    if (stores.backend !== 'postgres') throw new Error('a PostgreSQL store was asked for');
    const quiet = { info: () => undefined, warn: () => undefined };
    const a = new LeaderLease({ pool: stores.pool, name: 'pd-a', leaseMs: 600, renewMs: 200, log: quiet });
    const b = new LeaderLease({ pool: stores.pool, name: 'pd-b', leaseMs: 600, renewMs: 200, log: quiet });
    onCleanup(() => Promise.all([a.stop(), b.stop()]));
    await a.start();
    const epochA = a.epoch()!;
    // Server A's store believes A leads with its epoch (as a paused leader would on waking).
    const store = stores.operations;
    store.fenceWith(() => epochA);
    await store.create(operation('op-1'));
    await store.update('op-1', { vms: [{ key: 7, patch: { state: 'active', detail: 'Shutting down' } }] });

    await a.stop();
    await b.start();
    expect(b.epoch()).toBe(epochA + 1);
    const sending = {
      state: 'active' as const,
      step: 'poweroff' as const,
      stepPhase: 'sending' as const,
      stepAt: '2026-11-29T09:01:00.000Z',
    };
    const err = await store.update('op-1', { vms: [{ key: 7, patch: sending }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('conflict');
    await expect(store.create(operation('op-2'))).rejects.toMatchObject({ code: 'conflict' });
    const stored = (await store.get('op-1'))!;
    expect(stored.vms.find((v) => v.key === 7)).toMatchObject({
      step: null,
      stepPhase: null,
      detail: 'Shutting down',
    });
    expect(await store.get('op-2')).toBeNull();

    // The new leader's epoch passes.
    store.fenceWith(() => b.epoch());
    await store.update('op-1', { vms: [{ key: 7, patch: sending }] });
    expect((await store.get('op-1'))!.vms.find((v) => v.key === 7)?.stepPhase).toBe('sending');
  });
});
