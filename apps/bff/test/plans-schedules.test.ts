// Schedules that target a power plan (the real app, real SQLite, the simulator over HTTP, a clock the test moves):
// refused with 400 for an action other than start or shut down, an escalation of their own, or an unknown plan; the
// plan lists the schedules that target it and is not deleted while one does (409 naming it); preview and next
// actions resolve the plan's VMs; at its time the scheduler starts the plan's run in the owner's name, audited with
// the plan, the schedule and the operation; an owner the plan does not allow, a plan with no VM in the fleet, or a
// start that does not fit are recorded as such and start nothing.
import type { Plan } from '@powerdeck/contracts/plans';
import type { Preview, Schedule } from '@powerdeck/contracts/schedules';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keysIn, SCALE } from './operations-support';
import { callAs, createPlan, planBody, squeezeNodes, tierBody } from './plans-support';
import { body, createSchedule, MONDAY_0600_BERLIN, runsOf, scheduleApp, TestTime } from './schedules-support';
import { clearSimStats, signIn, simStats, startSim, type TestApp } from './support';

const MIN = 60_000;
/** Monday 07:00 in Berlin: when `body()`'s schedules run. */
const AT_0700 = MONDAY_0600_BERLIN + 60 * MIN;

let sim: Simulator;
let app: TestApp;
let time: TestTime;
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
  time = new TestTime();
  app = await scheduleApp(sim, time);
  return callAs(app);
}

const err = (res: { json: <T>() => T }) => res.json<{ err: string }>().err;
const target = (p: Plan) => ({ kind: 'plan', plan: p.id });

describe('schedules of a plan', () => {
  it('are checked; the plan lists them and is not deleted while one targets it; preview and next actions resolve it', async () => {
    const call = await fresh();
    const [a, b] = keysIn(app, 'running', 2) as [number, number];
    const p = await createPlan(app, planBody({ tiers: [tierBody('DC', [a]), tierBody('Web', [b, a])] }));
    const cases: [Record<string, unknown>, string][] = [
      [
        { action: 'reboot', targets: target(p) },
        "A schedule of a plan starts it or shuts it down, not 'reboot'",
      ],
      [
        { action: 'forceOff', targets: target(p) },
        "A schedule of a plan starts it or shuts it down, not 'forceOff'",
      ],
      [{ targets: target(p), forceAfterS: 120 }, 'forceAfterS does not apply to a plan'],
      [{ targets: { kind: 'plan', plan: 'nope' } }, 'Targets: there is no plan nope'],
    ];
    for (const [over, words] of cases) {
      const res = await call('POST', '/api/schedules', body(over));
      expect(`${res.statusCode} ${err(res)}`).toContain(`400 ${words}`);
    }
    expect(await app.testStores.schedules.count()).toBe(0);

    const s = await createSchedule(app, body({ name: 'Night off', targets: target(p) }));
    // What a run would free: the plan's VMs, each once.
    expect(s.capacity).toMatchObject({ vms: 2, applies: 2 });
    expect((await call('GET', `/api/plans/${p.id}`)).json<Plan>().schedules).toEqual([
      { id: s.id, name: 'Night off' },
    ]);
    expect((await call('GET', '/api/plans')).json<{ plans: Plan[] }>().plans[0]!.schedules).toEqual([
      { id: s.id, name: 'Night off' },
    ]);
    const refused = await call('DELETE', `/api/plans/${p.id}`);
    expect(`${refused.statusCode} ${err(refused)}`).toBe(
      '409 The schedule "Night off" targets the plan: change or delete them before deleting the plan',
    );

    const preview = await call('POST', '/api/schedules/preview', {
      action: 'shutdown',
      targets: target(p),
      when: { kind: 'daily', time: '07:00' },
    });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json<Preview>().vms).toEqual([a, b]);
    const bad = await call('POST', '/api/schedules/preview', {
      action: 'reboot',
      targets: target(p),
      when: { kind: 'daily', time: '07:00' },
    });
    expect(bad.statusCode).toBe(400);
    const next = (await call('GET', '/api/schedules/next-actions')).json<{ actions: { vm: number }[] }>();
    expect(next.actions.map((x) => x.vm).sort((x, y) => x - y)).toEqual([a, b].sort((x, y) => x - y));

    expect((await call('DELETE', `/api/schedules/${s.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/plans/${p.id}`)).statusCode).toBe(204);
  });

  it("at its time the scheduler starts the plan's run in the owner's name, audited with the plan and the schedule", async () => {
    await fresh();
    const [a, b] = keysIn(app, 'stopped', 2) as [number, number];
    const p = await createPlan(app, planBody({ tiers: [tierBody('DC', [a]), tierBody('Web', [b])] }));
    const s = await createSchedule(app, body({ name: 'Morning', action: 'start', targets: target(p) }));
    await time.advance(app, AT_0700);
    await app.scheduler.poke();
    const runs = await runsOf(app, s.id);
    expect(runs.map((r) => [r.outcome, r.detail])).toEqual([
      ['started', 'Started the plan "Site back": 2 VMs in 2 tiers'],
    ]);
    const op = await app.operations.get(runs[0]!.operationId!);
    expect(op).toMatchObject({
      action: 'start',
      owner: 'admin',
      reason: `Schedule "Morning" (run for ${new Date(AT_0700).toISOString()})`,
      schedule: { id: s.id, name: 'Morning' },
    });
    expect(op!.vms.map((v) => v.key)).toEqual([a, b]);
    const rows = (await app.testStores.audit.query({ kind: 'plan', action: 'plan:start' })).rows;
    expect(rows.map((r) => [r.actor, r.authKind, r.target, r.operationId, r.scheduleId, r.outcome])).toEqual([
      ['admin', 'schedule', `plan:${p.id}`, op!.id, s.id, 'accepted'],
    ]);
  });

  it('an owner the plan does not allow, a plan with no VM in the fleet, a start that does not fit: recorded, nothing started', async () => {
    await fresh();
    const stopped = keysIn(app, 'stopped', 3);
    const gone = await createPlan(app, planBody({ name: 'Gone', tiers: [tierBody('All', [999_999])] }));
    const notForHelpdesk = await createPlan(
      app,
      planBody({ name: 'Admins only', helpdesk: 'start', tiers: [tierBody('All', stopped)] }),
    );
    const big = await createPlan(app, planBody({ name: 'Big', tiers: [tierBody('All', stopped)] }));
    // The second schedule's owner is an admin who became help desk since: the plan lets help desk start it only.
    await app.testStores.users.create({ username: 'ada', role: 'admin', password: 'a long enough password' });
    const ada = await signIn(app, 'ada', 'a long enough password');
    const schedules: Schedule[] = [
      await createSchedule(app, body({ name: 'Empty', action: 'start', targets: target(gone) })),
      await createSchedule(
        app,
        body({ name: 'Helpdesk', action: 'shutdown', targets: target(notForHelpdesk) }),
        ada,
      ),
      await createSchedule(app, body({ name: 'Short', action: 'start', targets: target(big) })),
    ];
    await app.testStores.users.setRole('ada', 'helpdesk');
    await squeezeNodes(app, sim, 512);
    await clearSimStats(sim);

    await time.advance(app, AT_0700);
    await app.scheduler.poke();
    const outcomes = await Promise.all(schedules.map(async (s) => (await runsOf(app, s.id))[0]));
    expect(outcomes.map((r) => [r?.outcome, r?.detail])).toEqual([
      ['empty', 'No VM of the plan "Gone" is in the fleet now'],
      ['failed', 'Its owner ada (helpdesk) may not shut down the plan "Admins only"'],
      ['failed', expect.stringMatching(/^The VMs to start do not fit now: needs .* more RAM than /)],
    ]);
    expect((await simStats(sim)).requests['POST /api/v4/vm_actions'] ?? 0).toBe(0);
  });
});
