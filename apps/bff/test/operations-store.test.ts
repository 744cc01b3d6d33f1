// The operation store on real SQLite: an operation and its VMs round-trip, a change is one transaction, "about to
// send" and "sent" are told apart, and lists give the running ones and the most recent finished ones.
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../src/stores/errors';
import { openSqliteStores } from '../src/stores/sqlite/open';
import type { OperationRecord, OperationVmRecord } from '../src/stores/types';
import { openTestStores } from './support';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

async function stores() {
  const s = await openTestStores();
  cleanups.push(() => s.close());
  return s;
}

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

describe('SqliteOperationStore', () => {
  it('round-trips an operation with its VMs in the order asked', async () => {
    const s = await stores();
    const op = operation('a');
    await s.operations.create(op);
    expect(await s.operations.get('a')).toEqual(op);
    expect(await s.operations.get('nope')).toBeNull();
    await expect(s.operations.create(op)).rejects.toMatchObject({ code: 'exists' });
  });

  it('records "about to send" before "sent", and it is on disk for the next process', async () => {
    const s = await stores();
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
    // Another connection (a restarted BFF) reads what was committed.
    const again = openSqliteStores(s.dir);
    try {
      const [seen] = (await again.operations.listRunning())[0]!.vms;
      expect(seen).toMatchObject({ state: 'active', step: 'poweroff', stepPhase: 'sending', auditId: 12 });
      expect(seen!.deadline).toBe('2026-11-29T09:02:01.000Z');
    } finally {
      again.close();
    }
    await s.operations.update('a', { vms: [{ key: 7, patch: { stepPhase: 'sent', escalated: true } }] });
    expect((await s.operations.get('a'))!.vms[0]).toMatchObject({ stepPhase: 'sent', escalated: true });
  });

  it('applies a change in one transaction: a bad part leaves nothing changed', async () => {
    const s = await stores();
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
    await expect(s.operations.update('a', { vms: [{ key: 7, patch: { step: 'kill' } }] })).rejects.toThrow();
  });

  it('lists running operations oldest first and finished ones newest first', async () => {
    const s = await stores();
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
    const s = await stores();
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
    const s = await stores();
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
    const orphans = s.db
      .prepare('SELECT count(*) AS n FROM operation_vms WHERE operation_id LIKE ?')
      .get('old-%') as {
      n: number;
    };
    expect(orphans.n).toBe(2);
    expect(await s.operations.prune(new Date(day(10)))).toBe(0);
  });
});
