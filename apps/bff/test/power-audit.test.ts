// Every attempt to act on a VM leaves its record: a `requested` row on disk before the action is
// forwarded, then one outcome row (accepted, conflict, failed, timeout) that points back at it, with
// who, how, from where, what, why, and what VergeOS said. The chain verifies afterwards and names a
// row edited behind the store's back.
import Database from 'better-sqlite3';
import { REASON_HEADER } from '@powerdeck/contracts/roles';
import { describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../src/stores/types';
import { buildTestApp, simStats, startSim, tokenHeaders, useSimApp, type TestApp } from './support';

const env = useSimApp({
  resetSim: true,
  // Actions time out after 1.5 s here (15 s in production; test/proxy.test.ts checks the real figures).
  app: { upstreamTimeouts: { actionTimeoutMs: 1500 } },
  waitForFirstPoll: true,
  clearStats: true,
});

const UA = 'power-audit-test/1.0 (like a browser)';

function act(body: object, headers: Record<string, string> = env.app.adminHeaders, reason?: string) {
  return env.app.inject({
    method: 'POST',
    url: '/api/v4/vm_actions',
    headers: {
      ...headers,
      'user-agent': UA,
      ...(reason ? { [REASON_HEADER]: encodeURIComponent(reason) } : {}),
    },
    payload: body,
  });
}

async function powerRows(target: TestApp = env.app): Promise<AuditRecord[]> {
  return (await target.testStores.audit.query({ kind: 'power', order: 'asc', limit: 1000 })).rows;
}

/** The requested row and its outcome, once the outcome is on record. */
async function pair(target: TestApp = env.app): Promise<[AuditRecord, AuditRecord]> {
  await vi.waitFor(async () => expect(await powerRows(target)).toHaveLength(2), 5000);
  const [requested, outcome] = await powerRows(target);
  return [requested!, outcome!];
}

describe('the audit record of a power action', () => {
  it('accepted: a requested row with everything, then accepted pointing at it with status and latency', async () => {
    const node = env.app.fleet.current().snapshot.nodes[0]!.key;
    const res = await act(
      { vm: 42, action: 'poweron', params: { preferred_node: node } },
      env.app.adminHeaders,
      'Caller #1234 asked',
    );
    expect(res.statusCode).toBe(201);
    const [requested, accepted] = await pair();
    const sent = (await simStats(env.sim)).log.find((e) => e.method === 'POST')!;
    const same = {
      kind: 'power',
      actor: 'admin',
      role: 'admin',
      authKind: 'session',
      source: '127.0.0.1',
      userAgent: UA,
      vmKey: 42,
      vmName: 'test',
      action: 'poweron',
      params: JSON.stringify({ preferred_node: node }),
      reason: 'Caller #1234 asked',
      // The id VergeOS saw in x-request-id: one request, one id, across the BFF log, VergeOS and the audit log.
      requestId: sent.requestId,
    };
    expect(requested).toMatchObject({
      ...same,
      outcome: 'requested',
      refId: null,
      vergeosStatus: null,
      vergeosMessage: null,
      latencyMs: null,
    });
    expect(accepted).toMatchObject({
      ...same,
      outcome: 'accepted',
      refId: requested.id,
      vergeosStatus: 201,
      vergeosMessage: null,
    });
    expect(accepted.latencyMs).toEqual(expect.any(Number));
    expect(accepted.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(accepted.at)).toBeGreaterThanOrEqual(Date.parse(requested.at));
    expect(requested.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('through a token: authKind token, the owner as actor', async () => {
    const script = await tokenHeaders(env.app.testStores, 'helpdesk');
    const res = await act({ vm: 42, action: 'poweron' }, script);
    expect(res.statusCode).toBe(201);
    const [requested, accepted] = await pair();
    expect(requested).toMatchObject({
      actor: 'helpdesk',
      role: 'helpdesk',
      authKind: 'token',
      reason: null,
      params: null,
    });
    expect(accepted).toMatchObject({ outcome: 'accepted', refId: requested.id, authKind: 'token' });
  });

  it("conflict: VergeOS's 409 and its message", async () => {
    const res = await act({ vm: 42, action: 'kill' });
    expect(res.statusCode).toBe(409);
    const [requested, conflict] = await pair();
    expect(requested).toMatchObject({ outcome: 'requested', action: 'kill', vmKey: 42 });
    expect(conflict).toMatchObject({
      outcome: 'conflict',
      refId: requested.id,
      vergeosStatus: 409,
      vergeosMessage: expect.stringMatching(/Machine is not running/),
    });
    expect(conflict.vergeosMessage).toBe(res.json<{ err: string }>().err);
  });

  it('failed: VergeOS answers 503, with its message', async () => {
    env.sim.setScenario('unavailable');
    const res = await act({ vm: 42, action: 'poweron' });
    expect(res.statusCode).toBe(503);
    const [requested, failed] = await pair();
    expect(failed).toMatchObject({
      outcome: 'failed',
      refId: requested.id,
      vergeosStatus: 503,
      vergeosMessage: expect.stringMatching(/Service Unavailable/),
    });
  });

  it('timeout: VergeOS takes the action and never answers', async () => {
    env.sim.setScenario('hang');
    const pending = act({ vm: 42, action: 'poweron' });
    // While VergeOS holds the action, the requested row is already on record, and nothing else.
    await vi.waitFor(async () => {
      expect((await simStats(env.sim)).requests['POST /api/v4/vm_actions']).toBe(1);
    }, 5000);
    expect((await powerRows()).map((r) => r.outcome)).toEqual(['requested']);
    const res = await pending;
    expect(res.statusCode).toBe(504);
    const [requested, timeout] = await pair();
    expect((await simStats(env.sim)).requests['POST /api/v4/vm_actions']).toBe(1);
    expect(timeout).toMatchObject({
      outcome: 'timeout',
      refId: requested.id,
      // Powerdeck answered, not VergeOS.
      vergeosStatus: null,
      vergeosMessage: 'VergeOS did not answer within 2 s; the action may still happen',
    });
    expect(timeout.latencyMs).toBeGreaterThanOrEqual(1400);
  }, 30_000);

  it('failed: VergeOS cannot be reached', async () => {
    const down = await startSim();
    const url = down.url;
    await down.close();
    const lonely = await buildTestApp({
      url,
      auth: { kind: 'apiKey', apiKey: 'k' },
      insecureTls: false,
      demo: false,
    });
    try {
      const res = await lonely.inject({
        method: 'POST',
        url: '/api/v4/vm_actions',
        headers: lonely.adminHeaders,
        payload: { vm: 7, action: 'hibernate' },
      });
      expect(res.statusCode).toBe(502);
      const [requested, failed] = await pair(lonely);
      // No snapshot yet: the name is unknown, the key is not.
      expect(requested).toMatchObject({ outcome: 'requested', vmKey: 7, vmName: null, action: 'hibernate' });
      expect(failed).toMatchObject({
        outcome: 'failed',
        refId: requested.id,
        vergeosStatus: null,
        vergeosMessage: expect.stringMatching(/Cannot connect to VergeOS.*refused/),
      });
    } finally {
      await lonely.close();
    }
  });
});

describe('the chain', () => {
  it('verifies after a run of actions, and names a row edited behind its back', async () => {
    await act({ vm: 42, action: 'poweron' }, env.app.adminHeaders, 'first');
    await act({ vm: 42, action: 'kill' }, await tokenHeaders(env.app.testStores, 'helpdesk'));
    await act({ vm: 42, action: 'poweroff' }, env.app.adminHeaders, 'second');
    await vi.waitFor(
      async () => expect((await powerRows()).filter((r) => r.outcome !== 'requested')).toHaveLength(3),
      5000,
    );
    const all = (await env.app.testStores.audit.query({ order: 'asc', limit: 1000 })).rows;
    expect(await env.app.testStores.audit.verify()).toMatchObject({
      ok: true,
      rows: all.length,
      keyedRows: all.length,
      lastHash: all.at(-1)!.hash,
    });

    // Someone with the database file rewrites a reason, after dropping the trigger that would refuse it.
    const target = (await powerRows()).find((r) => r.reason === 'first')!;
    // A second connection to the same file, as another process would open it.
    const raw = new Database(env.app.testStores.db.name);
    try {
      expect(() =>
        raw.prepare("UPDATE audit_log SET reason = 'routine' WHERE id = ?").run(target.id),
      ).toThrow(/append-only/);
      raw.exec('DROP TRIGGER audit_log_no_update');
      raw.prepare("UPDATE audit_log SET reason = 'routine' WHERE id = ?").run(target.id);
    } finally {
      raw.close();
    }
    expect(await env.app.testStores.audit.verify()).toMatchObject({
      ok: false,
      brokenId: target.id,
      reason: expect.stringMatching(new RegExp(`row ${target.id} does not match its hash`)),
    });
  });
});
