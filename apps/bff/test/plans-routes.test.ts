// The plans routes as the contract words them (the real app, real SQLite, the simulator over HTTP): a plan is
// created with its defaults, read, listed, edited and deleted, every change audited as kind `plan`; what people type
// wrong is refused with 400 in words and nothing is stored; unknown ids are 404; only admins change plans; a plan's
// help-desk mark decides whether help desk may start it or also shut it down (with a reason), every refusal
// audited; the dry run lists tiers in run order with each VM's outcome; a start that does not fit is named in the
// dry run and refused (422) with nothing sent to VergeOS, unless started anyway.
import type { Operation } from '@powerdeck/contracts/operations';
import type { DryRun, Plan } from '@powerdeck/contracts/plans';
import { ramWords } from '@powerdeck/contracts/schedule-capacity';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fleetVms, keysIn, opsApp, SCALE } from './operations-support';
import { callAs, createPlan, planBody, squeezeNodes, tierBody } from './plans-support';
import { clearSimStats, signIn, simStats, startSim, type TestApp } from './support';

let sim: Simulator;
let app: TestApp;
beforeAll(async () => {
  sim = await startSim({ timeScale: SCALE });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await app.close();
  sim.reset();
});

async function fresh(): Promise<ReturnType<typeof callAs>> {
  app = await opsApp(sim);
  return callAs(app);
}

const err = (res: { json: <T>() => T }) => res.json<{ err: string }>().err;
const actionsSent = async () => (await simStats(sim)).requests['POST /api/v4/vm_actions'] ?? 0;

describe('plans over HTTP', () => {
  it('creates (defaults applied), reads, lists, edits and deletes a plan; every change is audited', async () => {
    const call = await fresh();
    const [a, b] = keysIn(app, 'running', 2) as [number, number];
    const p = await createPlan(
      app,
      planBody({
        name: '  Site back  ',
        tiers: [
          tierBody(' Domain controllers ', [a], { upWhen: 'agent', delayAfterS: 30 }),
          { name: 'Web', targets: { kind: 'filter', filter: ' web ' } },
        ],
      }),
    );
    expect(p).toMatchObject({
      name: 'Site back',
      helpdesk: 'none',
      parallelism: 4,
      owner: 'admin',
      lastRun: null,
      schedules: [],
      tiers: [
        {
          name: 'Domain controllers',
          targets: { kind: 'vms', vms: [a] },
          upWhen: 'agent',
          timeoutS: 180,
          delayAfterS: 30,
          onFailure: 'stop',
          escalate: false,
        },
        {
          name: 'Web',
          targets: { kind: 'filter', filter: 'web' },
          upWhen: 'running',
          timeoutS: 180,
          delayAfterS: 0,
          onFailure: 'stop',
          escalate: false,
        },
      ],
    });
    expect((await call('GET', `/api/plans/${p.id}`)).json<Plan>()).toEqual(p);
    expect((await call('GET', '/api/plans')).json<{ plans: Plan[] }>().plans).toEqual([p]);

    const edited = await call(
      'PUT',
      `/api/plans/${p.id}`,
      planBody({
        name: 'Site back (new)',
        helpdesk: 'start',
        parallelism: 2,
        tiers: [tierBody('All', [a, b], { onFailure: 'continue', escalate: true, timeoutS: 60 })],
      }),
    );
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json<Plan>()).toMatchObject({
      id: p.id,
      name: 'Site back (new)',
      helpdesk: 'start',
      parallelism: 2,
      createdAt: p.createdAt,
      tiers: [{ name: 'All', onFailure: 'continue', escalate: true, timeoutS: 60 }],
    });
    expect((await call('DELETE', `/api/plans/${p.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/plans/${p.id}`)).statusCode).toBe(404);
    expect((await call('GET', '/api/plans')).json<{ plans: Plan[] }>().plans).toEqual([]);

    const rows = (await app.testStores.audit.query({ kind: 'plan', order: 'asc' })).rows;
    expect(rows.map((r) => [r.action, r.actor, r.target, r.outcome])).toEqual([
      ['plan:create', 'admin', `plan:${p.id}`, 'accepted'],
      ['plan:edit', 'admin', `plan:${p.id}`, 'accepted'],
      ['plan:delete', 'admin', `plan:${p.id}`, 'accepted'],
    ]);
    expect(JSON.parse(rows[0]!.params!)).toMatchObject({ plan: 'Site back', helpdesk: 'none' });
    expect(JSON.parse(rows[2]!.params!)).toEqual({ plan: 'Site back (new)' });
  });

  it('refuses what people type wrong with 400 in words, and stores nothing', async () => {
    const call = await fresh();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '   ' }, 'Give the plan a name'],
      [
        { tiers: [tierBody('Web', [1]), tierBody('web ', [2])] },
        'Tiers 1 and 2 are both named "web": each tier needs its own name',
      ],
      [{ tiers: [tierBody(' ', [1])] }, 'Tier 1: give the tier a name'],
      [
        {
          tiers: [
            tierBody('DC', [1]),
            { name: 'Web', targets: { kind: 'filter', filter: 'status:nonsense' } },
          ],
        },
        "Tier 2 (Web): the filter 'status:nonsense' restricts nothing",
      ],
      // A tier that names no VM.
      [{ tiers: [tierBody('DC', [])] }, 'Invalid request: body.tiers.0.targets.vms'],
      [{ tiers: [] }, 'Invalid request: body.tiers'],
      [{ tiers: [tierBody('DC', [1], { timeoutS: 5 })] }, 'Invalid request: body.tiers.0.timeoutS'],
      [{ tiers: [tierBody('DC', [1], { upWhen: 'ping' })] }, 'Invalid request: body.tiers.0.upWhen'],
      [{ helpdesk: 'always' }, 'Invalid request: body.helpdesk'],
      [{ parallelism: 17 }, 'Invalid request: body.parallelism'],
      [{ owner: 'eve' }, "Invalid request: body has an unknown field 'owner'"],
    ];
    for (const [over, words] of cases) {
      const res = await call('POST', '/api/plans', planBody(over));
      expect(`${res.statusCode} ${err(res)}`).toContain(`400 ${words}`);
    }
    expect(await app.testStores.plans.count()).toBe(0);
  });

  it('unknown ids are 404 on every route', async () => {
    const call = await fresh();
    expect((await call('GET', '/api/plans/nope')).statusCode).toBe(404);
    expect((await call('PUT', '/api/plans/nope', planBody())).statusCode).toBe(404);
    expect((await call('DELETE', '/api/plans/nope')).statusCode).toBe(404);
    expect((await call('POST', '/api/plans/nope/dry-run', { direction: 'start' })).statusCode).toBe(404);
    expect((await call('POST', '/api/plans/nope/run', { direction: 'start' })).statusCode).toBe(404);
    expect((await call('GET', '/api/plans/nope/runs')).statusCode).toBe(404);
  });

  it('only admins change plans; viewers and help desk read them, their dry runs and their runs', async () => {
    const admin = await fresh();
    const p = await createPlan(app, planBody());
    for (const role of ['viewer', 'helpdesk'] as const) {
      const call = callAs(app, await signIn(app, role));
      expect((await call('GET', '/api/plans')).statusCode).toBe(200);
      expect((await call('GET', `/api/plans/${p.id}`)).statusCode).toBe(200);
      expect((await call('POST', `/api/plans/${p.id}/dry-run`, { direction: 'start' })).statusCode).toBe(200);
      expect((await call('GET', `/api/plans/${p.id}/runs`)).statusCode).toBe(200);
      for (const res of [
        await call('POST', '/api/plans', planBody()),
        await call('PUT', `/api/plans/${p.id}`, planBody({ name: 'Mine now' })),
        await call('DELETE', `/api/plans/${p.id}`),
      ]) {
        expect(res.statusCode).toBe(403);
        expect(err(res)).toBe(
          `Your role (${role}) may not create, edit and delete power plans: that needs admin`,
        );
      }
    }
    expect((await admin('GET', `/api/plans/${p.id}`)).json<Plan>().name).toBe('Site back');
    expect(await app.testStores.plans.count()).toBe(1);
  });

  it('help desk runs a plan as its mark allows (a shut down with a reason); viewers never; refusals audited', async () => {
    await fresh();
    // VMs already where each run takes them: the runs are real operations, and nothing needs sending.
    const up = keysIn(app, 'running', 2);
    const down = keysIn(app, 'stopped', 2);
    const plan = async (helpdesk: string, vms: number[]) =>
      createPlan(app, planBody({ name: `Marked ${helpdesk}`, helpdesk, tiers: [tierBody('All', vms)] }));
    const none = await plan('none', up);
    const start = await plan('start', up);
    const both = await plan('startAndShutdown', down);
    const helpdesk = callAs(app, await signIn(app, 'helpdesk'));
    const viewer = callAs(app, await signIn(app, 'viewer'));
    await clearSimStats(sim);

    const refusals: [ReturnType<typeof callAs>, Plan, Record<string, unknown>, number, string][] = [
      [
        helpdesk,
        none,
        { direction: 'start' },
        403,
        'This plan is not marked "help desk may run": only an admin may start it',
      ],
      [
        helpdesk,
        start,
        { direction: 'shutdown', reason: 'night' },
        403,
        'This plan is marked "help desk may start" only: only an admin may shut it down',
      ],
      [helpdesk, both, { direction: 'shutdown' }, 400, 'Give a reason to shut down the plan (reason)'],
      [
        helpdesk,
        both,
        { direction: 'shutdown', reason: '   ' },
        400,
        'Give a reason to shut down the plan (reason)',
      ],
      [
        viewer,
        both,
        { direction: 'start' },
        403,
        'Your role (viewer) may not run power plans: that needs admin, or help desk on a plan marked for them',
      ],
    ];
    for (const [call, p, payload, status, words] of refusals) {
      const res = await call('POST', `/api/plans/${p.id}/run`, payload);
      expect(`${res.statusCode} ${err(res)}`).toBe(`${status} ${words}`);
    }
    const denied = (await app.testStores.audit.query({ kind: 'plan', outcome: 'denied', order: 'asc' })).rows;
    expect(denied.map((r) => [r.actor, r.action, r.target, r.vergeosMessage])).toEqual(
      refusals.map(([, p, payload, , words], i) => [
        i === 4 ? 'viewer' : 'helpdesk',
        `plan:${payload.direction as string}`,
        `plan:${p.id}`,
        words,
      ]),
    );

    const started = await helpdesk('POST', `/api/plans/${start.id}/run`, { direction: 'start' });
    expect(started.statusCode, started.body).toBe(201);
    const shut = await helpdesk('POST', `/api/plans/${both.id}/run`, {
      direction: 'shutdown',
      reason: 'night',
    });
    expect(shut.statusCode, shut.body).toBe(201);
    const ops = [started.json<Operation>(), shut.json<Operation>()];
    expect(ops.map((o) => [o.owner, o.reason, o.vms.map((v) => v.key)])).toEqual([
      ['helpdesk', null, up],
      ['helpdesk', 'night', down],
    ]);
    const accepted = (await app.testStores.audit.query({ kind: 'plan', outcome: 'accepted', order: 'asc' }))
      .rows;
    expect(
      accepted
        .filter((r) => r.actor === 'helpdesk')
        .map((r) => [r.action, r.target, r.operationId, r.reason]),
    ).toEqual([
      ['plan:start', `plan:${start.id}`, ops[0]!.id, null],
      ['plan:shutdown', `plan:${both.id}`, ops[1]!.id, 'night'],
    ]);
    // Every VM was already there: nothing was sent.
    expect(await actionsSent()).toBe(0);
  });

  it('a dry run lists the tiers in run order, each VM with what would happen to it, and sends nothing', async () => {
    const call = await fresh();
    const [u1, u2] = keysIn(app, 'running', 2) as [number, number];
    const [s1, s2] = keysIn(app, 'stopped', 2) as [number, number];
    const name = (key: number) => fleetVms(app).find((v) => v.key === key)!.name;
    const p = await createPlan(
      app,
      planBody({
        tiers: [
          tierBody('Domain controllers', [s1, u1], { delayAfterS: 30 }),
          tierBody('Databases', [s2, 999_999, s1]),
          tierBody('Web', [u2]),
        ],
      }),
    );
    await clearSimStats(sim);
    const start = await call('POST', `/api/plans/${p.id}/dry-run`, { direction: 'start' });
    expect(start.statusCode, start.body).toBe(200);
    const d = start.json<DryRun>();
    expect(d.tiers.map((t) => [t.index, t.name, t.acts])).toEqual([
      [0, 'Domain controllers', 1],
      [1, 'Databases', 1],
      [2, 'Web', 0],
    ]);
    expect(d.tiers.flatMap((t) => t.vms.map((v) => [v.key, v.name, v.outcome, v.detail]))).toEqual([
      [s1, name(s1), 'act', 'Would be started'],
      [u1, name(u1), 'already', 'Already running'],
      [s2, name(s2), 'act', 'Would be started'],
      [999_999, 'VM 999999', 'missing', 'Not in the fleet'],
      [s1, name(s1), 'duplicate', 'Already in tier 1 (Domain controllers)'],
      [u2, name(u2), 'already', 'Already running'],
    ]);
    expect(d).toMatchObject({ direction: 'start', acts: 2, fits: true, shortfall: null });
    expect(d.fleetAt).toBe(app.fleet.current().snapshot.fetchedAt);

    const shutdown = (
      await call('POST', `/api/plans/${p.id}/dry-run`, { direction: 'shutdown' })
    ).json<DryRun>();
    expect(shutdown.tiers.map((t) => [t.name, t.acts])).toEqual([
      ['Web', 1],
      ['Databases', 0],
      ['Domain controllers', 1],
    ]);
    expect(shutdown).toMatchObject({ acts: 2, fits: null });
    expect(await actionsSent()).toBe(0);
  });

  it('a start that does not fit: the dry run names the shortfall, the run is refused (422) and nothing is sent', async () => {
    const call = await fresh();
    const stopped = fleetVms(app).filter((v) => v.status === 'stopped');
    expect(stopped.length).toBeGreaterThan(2);
    await squeezeNodes(app, sim, 1024);
    const p = await createPlan(
      app,
      planBody({
        tiers: [
          tierBody(
            'All stopped',
            stopped.map((v) => v.key),
          ),
        ],
      }),
    );
    const nodes = app.fleet.current().snapshot.nodes;
    const needMb = stopped.reduce((s, v) => s + v.ram, 0);
    const names = nodes.map((n) => n.name);
    const words = `Needs ${ramWords(needMb - 1024 * nodes.length)} more RAM than ${names.slice(0, -1).join(', ')} and ${names.at(-1)} have free`;
    await clearSimStats(sim);

    const dry = (await call('POST', `/api/plans/${p.id}/dry-run`, { direction: 'start' })).json<DryRun>();
    expect(dry).toMatchObject({ fits: false, shortfall: words, ramMb: needMb, acts: stopped.length });
    const run = await call('POST', `/api/plans/${p.id}/run`, { direction: 'start' });
    expect(run.statusCode).toBe(422);
    expect(run.json()).toMatchObject({
      code: 'does_not_fit',
      err: `The VMs to start do not fit now: ${words.charAt(0).toLowerCase()}${words.slice(1)}`,
    });
    expect(await actionsSent()).toBe(0);
    expect((await simStats(sim)).log.filter((e) => e.method !== 'GET')).toEqual([]);
    const [row] = (await app.testStores.audit.query({ kind: 'plan', outcome: 'denied' })).rows;
    expect(row).toMatchObject({ action: 'plan:start', target: `plan:${p.id}`, operationId: null });

    // Started anyway: the run is an operation, audited so.
    const anyway = await call('POST', `/api/plans/${p.id}/run`, { direction: 'start', evenIfShort: true });
    expect(anyway.statusCode, anyway.body).toBe(201);
    const [ok] = (
      await app.testStores.audit.query({ kind: 'plan', outcome: 'accepted', action: 'plan:start' })
    ).rows;
    expect(ok).toMatchObject({ operationId: anyway.json<Operation>().id });
    expect(JSON.parse(ok!.params!)).toMatchObject({ evenIfShort: true, direction: 'start' });
  });

  it('a run of a plan none of whose VMs is in the fleet is refused (409), saying so', async () => {
    const call = await fresh();
    const p = await createPlan(app, planBody({ tiers: [tierBody('Gone', [999_998, 999_999])] }));
    const res = await call('POST', `/api/plans/${p.id}/run`, { direction: 'start' });
    expect(`${res.statusCode} ${err(res)}`).toBe('409 No VM of the plan "Site back" is in the fleet now');
  });
});
