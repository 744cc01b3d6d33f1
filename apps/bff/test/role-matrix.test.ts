// The whole role-by-action matrix over HTTP, for browser sessions of each role, wall displays and
// personal access tokens: every power action is either forwarded to VergeOS (which answers 201 or
// 409: either way it got there, as /__sim/stats shows) or refused with 403 naming what the role
// lacks, audited as a denied power action. The expectations come from the table, written
// out here by hand, never from the code's own permission map (a test built from that could not fail).
import { REASON_HEADER, type Role } from '@powerdeck/contracts/roles';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI_ACTOR, setUserRole } from '../src/stores/admin';
import type { AuditRecord } from '../src/stores/types';
import {
  buildTestApp,
  displayHeaders,
  signIn,
  simStats,
  startSim,
  tokenHeaders,
  upstreamFor,
  type AuthHeaders,
  type TestApp,
} from './support';

// ---------------------------------------------------------------------------------------------
// The table ("Roles, enforced by the server on every route"):
//   viewer   | see the fleet and VM details
//   helpdesk | also start, shut down gracefully, reboot gracefully; a reason is required to shut down or reboot
//   admin    | also force off, hard reset, hibernate; ...
// Choosing the node a VM starts on is the admins' (the UI contract gives only admins `Start on node…`).

type Can = 'start' | 'shutdown' | 'reboot' | 'force' | 'place';

const MAY: Record<Role, readonly Can[]> = {
  viewer: [],
  helpdesk: ['start', 'shutdown', 'reboot'],
  admin: ['start', 'shutdown', 'reboot', 'force', 'place'],
};

/** How the 403 names what is lacking, and who has it. */
const WORDS: Record<Can, string> = {
  start: 'start VMs',
  shutdown: 'shut down VMs',
  reboot: 'reboot VMs',
  force: 'force off, reset or hibernate VMs',
  place: 'choose the node a VM starts on',
};

function whoMay(can: Can): string {
  const roles = (['viewer', 'helpdesk', 'admin'] as const).filter((r) => MAY[r].includes(can));
  return roles.join(' or ');
}

interface ActionCase {
  name: string;
  body: (node: number) => { vm: number; action: string; params?: Record<string, unknown> };
  /** What the action needs, in the order the server checks it. */
  needs: Can[];
}

const VM = 42;

const ACTIONS: ActionCase[] = [
  { name: 'poweron', body: () => ({ vm: VM, action: 'poweron' }), needs: ['start'] },
  {
    name: 'poweron on a chosen node',
    body: (node) => ({ vm: VM, action: 'poweron', params: { preferred_node: node } }),
    needs: ['start', 'place'],
  },
  {
    name: 'poweroff (graceful shut down)',
    body: () => ({ vm: VM, action: 'poweroff' }),
    needs: ['shutdown'],
  },
  {
    name: 'reset graceful (reboot)',
    body: () => ({ vm: VM, action: 'reset', params: { graceful: true } }),
    needs: ['reboot'],
  },
  { name: 'reset (hard)', body: () => ({ vm: VM, action: 'reset' }), needs: ['force'] },
  { name: 'kill (force off)', body: () => ({ vm: VM, action: 'kill' }), needs: ['force'] },
  { name: 'hibernate', body: () => ({ vm: VM, action: 'hibernate' }), needs: ['force'] },
];

// ---------------------------------------------------------------------------------------------

let sim: Simulator;
let app: TestApp;
let node: number;

interface Who {
  name: string;
  /** The role the table applies to this principal. */
  role: Role;
  authKind: 'session' | 'display' | 'token';
  actor: string;
  headers: AuthHeaders;
}

const principals = new Map<string, Who>();

beforeAll(async () => {
  sim = await startSim();
  app = await buildTestApp(upstreamFor(sim));
  await vi.waitFor(() => {
    if (app.fleet.lastSuccessAt() === null) throw new Error('no poll yet');
  }, 5000);
  node = app.fleet.current().snapshot.nodes[0]!.key;
  const stores = app.testStores;
  for (const role of ['viewer', 'helpdesk', 'admin'] as const) {
    principals.set(`${role} session`, {
      name: `${role} session`,
      role,
      authKind: 'session',
      actor: role,
      headers: await signIn(app, role),
    });
    principals.set(`${role} token`, {
      name: `${role} token`,
      role,
      authKind: 'token',
      actor: role,
      headers: await tokenHeaders(stores, role),
    });
  }
  principals.set('admin token with role viewer', {
    name: 'admin token with role viewer',
    role: 'viewer',
    authKind: 'token',
    actor: 'admin',
    headers: await tokenHeaders(stores, 'admin', 'viewer'),
  });
  principals.set('helpdesk token with role viewer', {
    name: 'helpdesk token with role viewer',
    role: 'viewer',
    authKind: 'token',
    actor: 'helpdesk',
    headers: await tokenHeaders(stores, 'helpdesk', 'viewer'),
  });
  principals.set('display', {
    name: 'display',
    role: 'viewer',
    authKind: 'display',
    actor: 'display:NOC wall',
    headers: await displayHeaders(app),
  });
});
afterAll(async () => {
  await app.close();
  await sim.close();
});

async function forwardedCount(): Promise<number> {
  return (await simStats(sim)).requests['POST /api/v4/vm_actions'] ?? 0;
}

async function lastAudit(): Promise<AuditRecord> {
  return (await app.testStores.audit.query({ limit: 1 })).rows[0]!;
}

async function rowsOfRequest(requestId: string): Promise<AuditRecord[]> {
  const rows = (await app.testStores.audit.query({ kind: 'power', order: 'asc', limit: 1000 })).rows;
  return rows.filter((r) => r.requestId === requestId);
}

function postAction(headers: AuthHeaders, body: object, reason?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v4/vm_actions',
    headers: { ...headers, ...(reason !== undefined ? { [REASON_HEADER]: reason } : {}) },
    payload: body,
  });
}

const PRINCIPALS = [
  'viewer session',
  'helpdesk session',
  'admin session',
  'display',
  'viewer token',
  'helpdesk token',
  'admin token',
  'admin token with role viewer',
  'helpdesk token with role viewer',
];

const MATRIX = PRINCIPALS.flatMap((p) => ACTIONS.map((a) => [p, a.name] as const));

describe('power actions', () => {
  it.each(MATRIX)('%s: %s', async (who, actionName) => {
    const p = principals.get(who)!;
    const action = ACTIONS.find((a) => a.name === actionName)!;
    const body = action.body(node);
    const lacking = action.needs.find((c) => !MAY[p.role].includes(c));
    const before = await forwardedCount();
    const res = await postAction(p.headers, body, encodeURIComponent('role matrix'));

    if (lacking === undefined) {
      expect([201, 409], res.body).toContain(res.statusCode);
      expect(await forwardedCount()).toBe(before + 1);
      const sent = (await simStats(sim)).log.filter((e) => e.method === 'POST').at(-1)!;
      const rows = await rowsOfRequest(sent.requestId!);
      expect(rows.map((r) => r.outcome)).toEqual([
        'requested',
        res.statusCode === 201 ? 'accepted' : 'conflict',
      ]);
      expect(rows[0]).toMatchObject({
        actor: p.actor,
        role: p.role,
        authKind: p.authKind,
        vmKey: VM,
        action: body.action,
        reason: 'role matrix',
      });
      return;
    }

    expect(res.statusCode).toBe(403);
    const message =
      p.authKind === 'display'
        ? `A wall display may only see the fleet, not ${WORDS[lacking]}`
        : `Your role (${p.role}) may not ${WORDS[lacking]}: that needs ${whoMay(lacking)}`;
    expect(res.json()).toEqual({ err: message, error: message, statusCode: 403, code: 'forbidden' });
    expect(await forwardedCount()).toBe(before);
    expect(await lastAudit()).toMatchObject({
      kind: 'power',
      outcome: 'denied',
      actor: p.actor,
      role: p.role,
      authKind: p.authKind,
      vmKey: VM,
      action: body.action,
      reason: 'role matrix',
      vergeosMessage: message,
      vergeosStatus: null,
    });
  });
});

describe('reads', () => {
  const READS = [
    '/api/fleet',
    '/api/v4/vms?fields=name',
    `/api/v4/vms/${VM}?fields=name`,
    '/api/v4/machine_status?fields=status',
    '/api/v4/machine_status/54?fields=status',
    '/api/meta',
  ];
  it.each(PRINCIPALS)('%s may see the fleet and VM details, and is told who it is', async (who) => {
    const p = principals.get(who)!;
    for (const url of READS) {
      const res = await app.inject({ url, headers: p.headers });
      expect(res.statusCode, url).toBe(200);
    }
    const me = await app.inject({ url: '/api/session', headers: p.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ authKind: p.authKind, role: p.role });
  });

  it('nobody may read anything but /api/meta without signing in', async () => {
    for (const url of READS) {
      expect((await app.inject({ url })).statusCode, url).toBe(url === '/api/meta' ? 200 : 401);
    }
  });
});

describe('reasons', () => {
  const SHUTDOWN = { vm: VM, action: 'poweroff' };
  const REBOOT = { vm: VM, action: 'reset', params: { graceful: true } };

  it.each([
    ['helpdesk session', SHUTDOWN, 'shut down'],
    ['helpdesk session', REBOOT, 'reboot'],
    ['helpdesk token', SHUTDOWN, 'shut down'],
  ] as const)(
    '%s must give a reason to %j (%s): 400 reason_required, audited, nothing forwarded',
    async (who, body, words) => {
      const p = principals.get(who)!;
      for (const reason of [undefined, '', encodeURIComponent('   ')]) {
        const before = await forwardedCount();
        const res = await postAction(p.headers, body, reason);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'reason_required',
          err: expect.stringContaining(`Give a reason to ${words} a VM`),
        });
        expect(await forwardedCount()).toBe(before);
        expect(await lastAudit()).toMatchObject({
          kind: 'power',
          outcome: 'denied',
          actor: p.actor,
          role: 'helpdesk',
          action: body.action,
          reason: null,
          vergeosMessage: expect.stringContaining(REASON_HEADER),
        });
      }
    },
  );

  it('an admin needs no reason (and may still give one)', async () => {
    const p = principals.get('admin session')!;
    const before = await forwardedCount();
    const res = await postAction(p.headers, SHUTDOWN);
    expect([201, 409]).toContain(res.statusCode);
    expect(await forwardedCount()).toBe(before + 1);
  });

  it('forwards with a URI-encoded reason in any script, and records it decoded', async () => {
    const p = principals.get('helpdesk session')!;
    const reason = 'Anrufer #4711: „Server hängt“ — bitte neu starten ✓ 再起動';
    for (const body of [SHUTDOWN, REBOOT]) {
      const before = await forwardedCount();
      const res = await postAction(p.headers, body, encodeURIComponent(reason));
      expect([201, 409]).toContain(res.statusCode);
      expect(await forwardedCount()).toBe(before + 1);
      const sent = (await simStats(sim)).log.filter((e) => e.method === 'POST').at(-1)!;
      const rows = await rowsOfRequest(sent.requestId!);
      expect(rows.map((r) => r.reason)).toEqual([reason, reason]);
      expect(rows[0]).toMatchObject({ outcome: 'requested', actor: 'helpdesk', action: body.action });
    }
  });

  it('takes a reason of 500 characters, and refuses 501 or a badly encoded one with 400', async () => {
    const p = principals.get('helpdesk session')!;
    const before = await forwardedCount();
    const ok = await postAction(p.headers, SHUTDOWN, encodeURIComponent('ä'.repeat(500)));
    expect([201, 409]).toContain(ok.statusCode);
    expect(await forwardedCount()).toBe(before + 1);

    const tooLong = await postAction(p.headers, SHUTDOWN, encodeURIComponent('ä'.repeat(501)));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({
      code: 'invalid_reason',
      err: expect.stringMatching(/at most 500 characters/),
    });
    for (const bad of ['%E0%A4%A', 'caller%2', '%FF%FE']) {
      const res = await postAction(p.headers, SHUTDOWN, bad);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'invalid_reason',
        err: expect.stringContaining(REASON_HEADER),
      });
    }
    expect(await forwardedCount()).toBe(before + 1);
  });
});

describe("a token's role is capped by its owner's current role", () => {
  it('loses power when the owner is demoted, and gets it back on promotion', async () => {
    const stores = app.testStores;
    await stores.users.create({ username: 'ada', role: 'admin', password: 'ada has a long password' });
    const ada = await stores.users.get('ada');
    const { token } = await stores.tokens.create({
      userId: ada!.id,
      name: 'ada script',
      role: 'admin',
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const script = { authorization: `Bearer ${token}` };
    const kill = { vm: VM, action: 'kill' };
    const start = { vm: VM, action: 'poweron' };

    let before = await forwardedCount();
    expect([201, 409]).toContain((await postAction(script, kill)).statusCode);
    expect(await forwardedCount()).toBe(before + 1);

    await setUserRole(stores, CLI_ACTOR, 'ada', 'helpdesk');
    const refused = await postAction(script, kill);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      err: 'Your role (helpdesk) may not force off, reset or hibernate VMs: that needs admin',
    });
    expect(await lastAudit()).toMatchObject({
      outcome: 'denied',
      actor: 'ada',
      role: 'helpdesk',
      authKind: 'token',
    });
    before = await forwardedCount();
    expect([201, 409]).toContain((await postAction(script, start)).statusCode);
    expect(await forwardedCount()).toBe(before + 1);

    await setUserRole(stores, CLI_ACTOR, 'ada', 'viewer');
    expect((await postAction(script, start)).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/session', headers: script })).json()).toMatchObject({
      authKind: 'token',
      role: 'viewer',
      username: 'ada',
    });

    await setUserRole(stores, CLI_ACTOR, 'ada', 'admin');
    before = await forwardedCount();
    expect([201, 409]).toContain((await postAction(script, kill)).statusCode);
    expect(await forwardedCount()).toBe(before + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// Schedules (issue 15): everyone who can see the fleet reads them; help-desk and admins skip or pause a run with a
// reason; admins create, edit and delete. Written out per principal by hand.

const SCHEDULES: Readonly<Record<string, { manage: boolean; skip: boolean }>> = {
  'viewer session': { manage: false, skip: false },
  'helpdesk session': { manage: false, skip: true },
  'admin session': { manage: true, skip: true },
  display: { manage: false, skip: false },
  'viewer token': { manage: false, skip: false },
  'helpdesk token': { manage: false, skip: true },
  'admin token': { manage: true, skip: true },
  'admin token with role viewer': { manage: false, skip: false },
  'helpdesk token with role viewer': { manage: false, skip: false },
};

const SCHEDULE = {
  name: 'Matrix',
  enabled: true,
  action: 'shutdown',
  targets: { kind: 'vms', vms: [VM] },
  when: { kind: 'daily', time: '19:00' },
  timeZone: 'UTC',
};

describe('schedules', () => {
  it.each(PRINCIPALS)('%s: reads, and creates, pauses and deletes as its role allows', async (who) => {
    const p = principals.get(who)!;
    const may = SCHEDULES[who]!;
    const list = await app.inject({ method: 'GET', url: '/api/schedules', headers: p.headers });
    expect(list.statusCode).toBe(200);
    const runs = await app.inject({ method: 'GET', url: '/api/schedules/runs', headers: p.headers });
    expect(runs.statusCode).toBe(200);
    const next = await app.inject({ method: 'GET', url: '/api/schedules/next-actions', headers: p.headers });
    expect(next.statusCode).toBe(200);

    const created = await app.inject({
      method: 'POST',
      url: '/api/schedules',
      headers: p.headers,
      payload: SCHEDULE,
    });
    expect(created.statusCode).toBe(may.manage ? 201 : 403);
    if (!may.manage) {
      expect(created.json<{ err: string }>().err).toContain('create, edit and delete schedules');
      expect(await lastAudit()).toMatchObject({ kind: 'access', outcome: 'denied', actor: p.actor });
    }
    const id = may.manage
      ? created.json<{ id: string }>().id
      : (
          await app.inject({
            method: 'POST',
            url: '/api/schedules',
            headers: principals.get('admin session')!.headers,
            payload: SCHEDULE,
          })
        ).json<{ id: string }>().id;

    const paused = await app.inject({
      method: 'POST',
      url: `/api/schedules/${id}/pause`,
      headers: p.headers,
      payload: { reason: 'role matrix' },
    });
    expect(paused.statusCode).toBe(may.skip ? 200 : 403);
    if (!may.skip)
      expect(await lastAudit()).toMatchObject({ kind: 'access', outcome: 'denied', actor: p.actor });

    const deleted = await app.inject({ method: 'DELETE', url: `/api/schedules/${id}`, headers: p.headers });
    expect(deleted.statusCode).toBe(may.manage ? 204 : 403);
  });
});
