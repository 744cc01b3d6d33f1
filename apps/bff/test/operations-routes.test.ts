// Who may start, cancel and force operations, and what the routes answer: permissions from the contract
// (`operationPermissions`, `reasonRequired`), refusals audited, bounds checked with clear messages, 404 and 409.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { Operation, OperationList } from '@powerdeck/contracts/operations';
import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  finished,
  keysIn,
  opsApp,
  powerRows,
  prepare,
  SCALE,
  startOperation,
  until,
  vmOf,
} from './operations-support';
import { clearSimStats, signIn, simStats, tokenHeaders, useSimApp, type AuthHeaders } from './support';

const env = useSimApp({ sim: { timeScale: SCALE }, resetSim: true, build: (sim) => opsApp(sim) });

function post(url: string, headers: AuthHeaders, payload?: object) {
  return env.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
}

/** A shut down that stays waiting (a guest that ignores it, force off far away) until cancelled. */
async function longShutdown(
  headers: AuthHeaders,
  extra: object = {},
): Promise<{ op: Operation; key: number }> {
  const [key] = keysIn(env.app, 'running', 1) as [number];
  await prepare(env.app, env.sim, [{ key, status: 'running', ignoresAcpi: true }]);
  const op = await startOperation(
    env.app,
    { action: 'shutdown', vms: [key], timeoutS: 1800, ...extra },
    headers,
  );
  return { op, key };
}

async function displayHeaders(): Promise<AuthHeaders> {
  const admin = await env.app.testStores.users.get('admin');
  const { secret } = await env.app.testStores.displayLinks.create({ name: 'Wall', createdBy: admin!.id });
  const opened = await env.app.inject({
    method: 'POST',
    url: '/api/display-session',
    headers: { [CSRF_HEADER]: '1' },
    payload: { secret },
  });
  const cookie = opened.cookies.find((c) => c.name === 'pd_session')!.value;
  return { cookie: `pd_session=${cookie}`, [CSRF_HEADER]: '1' };
}

describe('starting an operation', () => {
  it('a viewer is refused (403), audited as a denied operation, and nothing is sent', async () => {
    const [key] = keysIn(env.app, 'stopped', 1) as [number];
    await clearSimStats(env.sim);
    const res = await post('/api/operations', await signIn(env.app, 'viewer'), {
      action: 'start',
      vms: [key],
    });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ err: string }>().err).toMatch(/Your role \(viewer\) may not start VMs/);
    const denied = (await powerRows(env.app)).at(-1)!;
    expect(denied).toMatchObject({
      outcome: 'denied',
      actor: 'viewer',
      action: 'operation:start',
      vmKey: key,
      target: 'vm:start',
    });
    expect(actionsOf(await simStats(env.sim)).posts).toBe(0);
  });

  it('helpdesk must give a reason to shut down (400, audited) but not to start', async () => {
    const helpdesk = await signIn(env.app, 'helpdesk');
    const [running] = keysIn(env.app, 'running', 1) as [number];
    const noReason = await post('/api/operations', helpdesk, { action: 'shutdown', vms: [running] });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ code: 'reason_required' });
    expect((await powerRows(env.app)).at(-1)).toMatchObject({
      outcome: 'denied',
      actor: 'helpdesk',
      action: 'operation:shutdown',
    });
    const blank = await post('/api/operations', helpdesk, {
      action: 'reboot',
      vms: [running],
      reason: '   ',
    });
    expect(blank.statusCode).toBe(400);

    const [stopped] = keysIn(env.app, 'stopped', 1) as [number];
    const start = await post('/api/operations', helpdesk, { action: 'start', vms: [stopped] });
    expect(start.statusCode).toBe(201);
    expect(start.json()).toMatchObject({ owner: 'helpdesk', ownerRole: 'helpdesk', reason: null });
    await finished(env.app, start.json<Operation>().id);
  });

  it('helpdesk may not choose the escalation (403: it needs vm:force), nor force off', async () => {
    const helpdesk = await signIn(env.app, 'helpdesk');
    const [key] = keysIn(env.app, 'running', 1) as [number];
    const escalate = await post('/api/operations', helpdesk, {
      action: 'shutdown',
      vms: [key],
      forceAfterS: 60,
      reason: 'ticket 42',
    });
    expect(escalate.statusCode).toBe(403);
    expect(escalate.json<{ err: string }>().err).toMatch(/force off/);
    const kill = await post('/api/operations', helpdesk, { action: 'forceOff', vms: [key], reason: 'x' });
    expect(kill.statusCode).toBe(403);
  });

  it('a script with a helpdesk token may start operations (no CSRF header); its reason is kept', async () => {
    const token = await tokenHeaders(env.app.testStores, 'helpdesk');
    const [key] = keysIn(env.app, 'running', 1) as [number];
    await prepare(env.app, env.sim, [{ key, status: 'running' }]);
    const res = await post('/api/operations', token, { action: 'reboot', vms: [key], reason: ' patching ' });
    expect(res.statusCode).toBe(201);
    const op = res.json<Operation>();
    expect(op).toMatchObject({ owner: 'helpdesk', reason: 'patching', action: 'reboot', timeoutS: 120 });
    await finished(env.app, op.id);
    const requested = (await powerRows(env.app)).find(
      (r) => r.operationId === op.id && r.outcome === 'requested',
    );
    expect(requested).toMatchObject({
      actor: 'helpdesk',
      authKind: 'token',
      reason: 'patching',
      action: 'reset',
    });
  });

  it('checks its numbers: 400 with what is wrong', async () => {
    const [key] = keysIn(env.app, 'running', 1) as [number];
    const cases: [object, RegExp][] = [
      [{ action: 'reboot', forceAfterS: 60 }, /forceAfterS is only valid with action 'shutdown'/],
      [{ action: 'shutdown', timeoutS: 5 }, /timeoutS must be from 10 to 1800 s for shutdown/],
      [{ action: 'start', timeoutS: 601 }, /timeoutS must be from 10 to 600 s for start/],
      [{ action: 'shutdown', forceAfterS: 9 }, /forceAfterS must be from 10 to 1800 s/],
      [{ action: 'shutdown', parallelism: 17 }, /parallelism/],
      [{ action: 'hibernate' }, /action must be one of/],
    ];
    for (const [body, message] of cases) {
      const res = await post('/api/operations', env.app.adminHeaders, { vms: [key], ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ err: string }>().err).toMatch(message);
    }
    const twice = await post('/api/operations', env.app.adminHeaders, { action: 'start', vms: [key, key] });
    expect(twice.statusCode).toBe(400);
    const none = await post('/api/operations', env.app.adminHeaders, { action: 'start', vms: [] });
    expect(none.statusCode).toBe(400);
  });

  it('a wall display may read operations but not start or cancel them', async () => {
    const { op } = await longShutdown(env.app.adminHeaders);
    const wall = await displayHeaders();
    const list = await env.app.inject({ method: 'GET', url: '/api/operations', headers: wall });
    expect(list.statusCode).toBe(200);
    expect(list.json<OperationList>().operations.map((o) => o.id)).toContain(op.id);
    const one = await env.app.inject({ method: 'GET', url: `/api/operations/${op.id}`, headers: wall });
    expect(one.statusCode).toBe(200);
    const [stopped] = keysIn(env.app, 'stopped', 1) as [number];
    expect((await post('/api/operations', wall, { action: 'start', vms: [stopped] })).statusCode).toBe(403);
    expect((await post(`/api/operations/${op.id}/cancel`, wall)).statusCode).toBe(403);
    expect((await post(`/api/operations/${op.id}/cancel`, env.app.adminHeaders)).statusCode).toBe(200);
  });
});

describe('cancelling and forcing', () => {
  it("helpdesk may not cancel an admin's operation (403, audited); an admin may cancel anyone's", async () => {
    const helpdesk = await signIn(env.app, 'helpdesk');
    const { op: adminOp } = await longShutdown(env.app.adminHeaders);
    const refused = await post(`/api/operations/${adminOp.id}/cancel`, helpdesk);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ err: string }>().err).toMatch(/owner \(admin\) or an admin/);
    expect((await powerRows(env.app)).at(-1)).toMatchObject({
      outcome: 'denied',
      actor: 'helpdesk',
      action: 'operation:cancel',
      operationId: adminOp.id,
    });
    expect((await post(`/api/operations/${adminOp.id}/cancel`, env.app.adminHeaders)).statusCode).toBe(200);

    const { op: theirs } = await longShutdown(helpdesk, { reason: 'ticket 7' });
    const byAdmin = await post(`/api/operations/${theirs.id}/cancel`, env.app.adminHeaders);
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json()).toMatchObject({ status: 'cancelled', owner: 'helpdesk', cancelledBy: 'admin' });
  });

  it('the owner may cancel their own; a finished operation cannot be cancelled (409)', async () => {
    const helpdesk = await signIn(env.app, 'helpdesk');
    const { op } = await longShutdown(helpdesk, { reason: 'ticket 8' });
    const res = await post(`/api/operations/${op.id}/cancel`, helpdesk);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', cancelledBy: 'helpdesk' });
    const again = await post(`/api/operations/${op.id}/cancel`, helpdesk);
    expect(again.statusCode).toBe(409);
    expect(again.json<{ err: string }>().err).toMatch(/already cancelled/);
  });

  it('404 for an unknown operation or VM; 409 for forcing a VM that is not in an escalating shut down', async () => {
    const unknown = '7b1f2a55-1111-4222-8333-944445555666';
    expect(
      (
        await env.app.inject({
          method: 'GET',
          url: `/api/operations/${unknown}`,
          headers: env.app.adminHeaders,
        })
      ).statusCode,
    ).toBe(404);
    expect((await post(`/api/operations/${unknown}/cancel`, env.app.adminHeaders)).statusCode).toBe(404);
    expect((await post(`/api/operations/${unknown}/vms/1/force`, env.app.adminHeaders)).statusCode).toBe(404);
    expect(
      (
        await env.app.inject({
          method: 'GET',
          url: '/api/operations/not-an-id',
          headers: env.app.adminHeaders,
        })
      ).statusCode,
    ).toBe(400);

    const { op, key } = await longShutdown(env.app.adminHeaders);
    await until(env.app, op.id, (o) => vmOf(o, key).detail.startsWith('Shutting down'));
    expect((await post(`/api/operations/${op.id}/vms/999999/force`, env.app.adminHeaders)).statusCode).toBe(
      404,
    );
    const force = await post(`/api/operations/${op.id}/vms/${key}/force`, env.app.adminHeaders);
    expect(force.statusCode).toBe(409);
    expect(force.json<{ err: string }>().err).toMatch(/not waiting in an escalating shut down/);
    await post(`/api/operations/${op.id}/cancel`, env.app.adminHeaders);
  });

  it('"Force now" needs vm:force (403 for helpdesk)', async () => {
    const { op, key } = await longShutdown(env.app.adminHeaders, { forceAfterS: 1800 });
    await until(env.app, op.id, (o) => vmOf(o, key).detail.startsWith('Shutting down'));
    const res = await post(`/api/operations/${op.id}/vms/${key}/force`, await signIn(env.app, 'helpdesk'));
    expect(res.statusCode).toBe(403);
    expect(vmOf(await until(env.app, op.id, () => true), key)).toMatchObject({
      step: 'poweroff',
      escalated: false,
    });
    await post(`/api/operations/${op.id}/cancel`, env.app.adminHeaders);
  });
});

describe('listing', () => {
  it('lists running operations first, then the most recent finished ones', async () => {
    const [stopped] = keysIn(env.app, 'stopped', 1) as [number];
    const quick = await startOperation(env.app, { action: 'start', vms: [stopped] });
    await finished(env.app, quick.id);
    const { op: slow } = await longShutdown(env.app.adminHeaders);
    const res = await env.app.inject({
      method: 'GET',
      url: '/api/operations',
      headers: env.app.adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    const ids = res.json<OperationList>().operations.map((o) => o.id);
    expect(ids.slice(0, 2)).toEqual([slow.id, quick.id]);
    await post(`/api/operations/${slow.id}/cancel`, env.app.adminHeaders);
  });
});
