// The web app must never offer what the server would refuse (issue 14). For every kind of principal (sessions of
// each role, tokens of each role, a token whose role is lower than its owner's, a wall display), the web's
// decisions, made from what GET /api/session gives the browser (its permissions and username) with the web's own
// functions (apps/web/src/features/power/lib/predicates.ts, apps/web/src/features/operations/lib/bulk.ts), are
// compared with the server's answers on the real routes of the real app against the simulator:
// - every power button of a VM card: `POST /api/v4/vm_actions` refused (403) or let through to VergeOS;
// - every bulk action (and the escalating shut down): `POST /api/operations` refused (403) or created;
// - every status × operation action: which VMs the engine admits (the server's `admit`, with VMs in all 21 statuses:
//   the simulator has only 7) against which ones the bulk plan and the card's buttons act on;
// - Cancel and "Force now" of running operations: the routes' 200 / 403 / 409 against mayCancel and mayForceNow.
// No expectation is computed here from the rules under test: each side answers on its own and they must agree.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Operation } from '@powerdeck/contracts/operations';
import { OPERATION_ACTIONS, type OperationAction } from '@powerdeck/contracts/operation-terms';
import { POWER_STATUSES } from '@powerdeck/contracts/power-terms';
import type { SessionInfo } from '@powerdeck/contracts/auth';
import { REASON_HEADER } from '@powerdeck/contracts/roles';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bulkActions,
  mayCancel,
  mayEscalate,
  mayForceNow,
  planBulk,
  type Viewer,
} from '../../web/src/features/operations/lib/bulk';
import { actionBody, type ActionId } from '../../web/src/features/power/lib/actions';
import { canPowerOnNode, PREDICATES } from '../../web/src/features/power/lib/predicates';
import { admit } from '../src/operations/admission';
import { CLI_ACTOR, setUserRole } from '../src/stores/admin';
import { finished, keysIn, opsApp, prepare, SCALE, startOperation, until, vmOf } from './operations-support';
import { displayHeaders, signIn, startSim, tokenHeaders, type AuthHeaders, type TestApp } from './support';

let sim: Simulator;
let app: TestApp;

interface Who {
  name: string;
  headers: AuthHeaders;
  /** What the browser would know: GET /api/session as this principal. */
  session: SessionInfo;
}
const principals: Who[] = [];

const viewerOf = (who: Who): Viewer => ({
  username: who.session.username,
  role: who.session.role,
  permissions: who.session.permissions,
});

async function sessionOf(headers: AuthHeaders): Promise<SessionInfo> {
  const res = await app.inject({ method: 'GET', url: '/api/session', headers });
  expect(res.statusCode).toBe(200);
  return res.json<SessionInfo>();
}

beforeAll(async () => {
  sim = await startSim({ timeScale: SCALE });
  app = await opsApp(sim);
  const add = async (name: string, headers: AuthHeaders) => {
    principals.push({ name, headers, session: await sessionOf(headers) });
  };
  for (const role of ['viewer', 'helpdesk', 'admin'] as const) {
    await add(`${role} session`, await signIn(app, role));
    await add(`${role} token`, await tokenHeaders(app.testStores, role));
  }
  await add('admin token with role helpdesk', await tokenHeaders(app.testStores, 'admin', 'helpdesk'));
  await add('helpdesk token with role viewer', await tokenHeaders(app.testStores, 'helpdesk', 'viewer'));
  await add('display', await displayHeaders(app));
}, 60_000);

afterAll(async () => {
  await app?.close();
  await sim?.close();
});

/** Counts the verdicts both sides agreed on, so that a comparison that only ever says "no" shows. */
function tally(verdicts: boolean[]): { yes: number; no: number } {
  return { yes: verdicts.filter(Boolean).length, no: verdicts.filter((v) => !v).length };
}

describe("a VM card's power buttons: shown exactly when the server lets the action through", () => {
  it('every principal × button: the web offers it (in a status it applies to) ⇔ vm_actions is not refused', async () => {
    const [running] = keysIn(app, 'running', 1) as [number];
    const [stopped] = keysIn(app, 'stopped', 1) as [number];
    const node = app.fleet.current().snapshot.nodes[0]!.key;
    // Each action goes to a VM in a status VergeOS refuses it in (409), so nothing changes in the fleet; a status the
    // button applies to is where the web is asked.
    const cases: { name: string; id: ActionId; onNode: boolean; vm: number; offeredIn: FleetVm['status'] }[] =
      [
        { name: 'Start', id: 'start', onNode: false, vm: running, offeredIn: 'stopped' },
        { name: 'Start on node…', id: 'start', onNode: true, vm: running, offeredIn: 'stopped' },
        { name: 'Shut down', id: 'shutdown', onNode: false, vm: stopped, offeredIn: 'running' },
        { name: 'Reboot', id: 'reboot', onNode: false, vm: stopped, offeredIn: 'running' },
        { name: 'Force off', id: 'forceOff', onNode: false, vm: stopped, offeredIn: 'running' },
        { name: 'Reset', id: 'reset', onNode: false, vm: stopped, offeredIn: 'running' },
        { name: 'Hibernate', id: 'hibernate', onNode: false, vm: stopped, offeredIn: 'running' },
      ];
    const verdicts: boolean[] = [];
    const disagreements: string[] = [];
    for (const who of principals) {
      for (const c of cases) {
        const held = who.session.permissions;
        const web = c.onNode ? canPowerOnNode(c.offeredIn, held) : PREDICATES[c.id](c.offeredIn, held);
        const res = await app.inject({
          method: 'POST',
          url: '/api/v4/vm_actions',
          headers: { ...who.headers, [REASON_HEADER]: 'cross-check' },
          payload: actionBody(c.id, { key: c.vm }, c.onNode ? { preferredNode: node } : {}),
        });
        expect([201, 403, 409]).toContain(res.statusCode);
        const server = res.statusCode !== 403;
        verdicts.push(server);
        if (web !== server)
          disagreements.push(`${who.name} / ${c.name}: web ${web}, server ${res.statusCode}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(tally(verdicts).yes).toBeGreaterThan(0);
    expect(tally(verdicts).no).toBeGreaterThan(0);
  });
});

describe('bulk actions: offered exactly when the server starts the operation', () => {
  it('every principal × operation action (and the escalating shut down) ⇔ POST /api/operations not refused', async () => {
    const [running] = keysIn(app, 'running', 1) as [number];
    const [stopped] = keysIn(app, 'stopped', 1) as [number];
    const verdicts: boolean[] = [];
    const disagreements: string[] = [];
    for (const who of principals) {
      const cases: { action: OperationAction; escalates: boolean }[] = [
        ...OPERATION_ACTIONS.map((action) => ({ action, escalates: false })),
        { action: 'shutdown', escalates: true },
      ];
      for (const { action, escalates } of cases) {
        const web = escalates
          ? mayEscalate(who.session.permissions)
          : bulkActions(who.session.permissions).includes(action);
        // A VM the action does not apply to: an operation that is made ends at once, and nothing is sent.
        const res = await app.inject({
          method: 'POST',
          url: '/api/operations',
          headers: who.headers,
          payload: {
            action,
            vms: [action === 'start' ? running : stopped],
            reason: 'cross-check',
            ...(escalates ? { forceAfterS: 120 } : {}),
          },
        });
        expect([201, 403]).toContain(res.statusCode);
        if (res.statusCode === 201) expect(res.json<Operation>().status).toBe('finished');
        const server = res.statusCode === 201;
        verdicts.push(server);
        if (web !== server) {
          disagreements.push(
            `${who.name} / ${action}${escalates ? ' escalating' : ''}: web ${web}, server ${res.statusCode}`,
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(tally(verdicts).yes).toBeGreaterThan(0);
    expect(tally(verdicts).no).toBeGreaterThan(0);
  });

  it('every status × operation action: the engine admits exactly the VMs the bulk plan and the card act on', () => {
    const base = app.fleet.current().snapshot.vms[0]!;
    const vms: FleetVm[] = POWER_STATUSES.map((status, i) => ({
      ...base,
      key: i + 1,
      name: `vm-${status}`,
      status,
    }));
    const byKey = new Map(vms.map((v) => [v.key, v]));
    const admin = principals.find((p) => p.name === 'admin session')!.session.permissions;
    const by = {
      actor: 'admin',
      role: 'admin' as const,
      authKind: 'session' as const,
      source: '127.0.0.1',
      userAgent: null,
      requestId: 'cross',
    };
    for (const action of OPERATION_ACTIONS) {
      const rec = admit({ action, vms: vms.map((v) => v.key), forceAfterS: null, reason: null }, by, byKey, {
        id: '00000000-0000-4000-8000-000000000000',
        createdAt: new Date(0).toISOString(),
        parallelism: 4,
      });
      const server = rec.vms.filter((v) => v.state === 'pending').map((v) => v.status);
      expect(server.length).toBeGreaterThan(0);
      expect(server.length).toBeLessThan(POWER_STATUSES.length);
      expect(planBulk(action, vms).act.map((v) => v.status)).toEqual(server);
      // The card's button of the same name, for someone who holds every power permission.
      expect(POWER_STATUSES.filter((s) => PREDICATES[action](s, admin))).toEqual(server);
    }
  });
});

describe('Cancel and "Force now": shown exactly when the server does it', () => {
  /** A shut down that waits (its guest ignores it) until cancelled or forced; started by `owner`. */
  async function waitingShutdown(
    key: number,
    owner: AuthHeaders,
    forceAfterS: number | null,
  ): Promise<Operation> {
    await prepare(app, sim, [{ key, status: 'running', ignoresAcpi: true }]);
    const op = await startOperation(
      app,
      {
        action: 'shutdown',
        vms: [key],
        timeoutS: 1800,
        reason: 'cross-check',
        ...(forceAfterS ? { forceAfterS } : {}),
      },
      owner,
    );
    return until(app, op.id, (o) => vmOf(o, key).state === 'active' && vmOf(o, key).stepSent);
  }

  async function endIt(op: Operation): Promise<void> {
    await app.inject({
      method: 'POST',
      url: `/api/operations/${op.id}/cancel`,
      headers: app.adminHeaders,
    });
    await finished(app, op.id);
  }

  it('cancel: every principal × an operation of helpdesk and one of admin', async () => {
    const owners: { name: string; headers: () => Promise<AuthHeaders>; after?: () => Promise<void> }[] = [
      { name: 'helpdesk', headers: () => signIn(app, 'helpdesk') },
      { name: 'admin', headers: () => signIn(app, 'admin') },
    ];
    const keys = keysIn(app, 'running', 2);
    const verdicts: boolean[] = [];
    const disagreements: string[] = [];
    for (const [i, owner] of owners.entries()) {
      for (const who of principals) {
        const op = await waitingShutdown(keys[i]!, await owner.headers(), null);
        const web = mayCancel(op, viewerOf(who));
        const res = await app.inject({
          method: 'POST',
          url: `/api/operations/${op.id}/cancel`,
          headers: who.headers,
        });
        expect([200, 403]).toContain(res.statusCode);
        const server = res.statusCode === 200;
        verdicts.push(server);
        if (web !== server)
          disagreements.push(`${who.name} cancels ${owner.name}'s: web ${web}, server ${res.statusCode}`);
        if (!server) await endIt(op);
        else await finished(app, op.id);
      }
    }
    expect(disagreements).toEqual([]);
    expect(tally(verdicts).yes).toBeGreaterThan(0);
    expect(tally(verdicts).no).toBeGreaterThan(0);
  });

  it('force now: every principal × a VM that waits in an escalating shut down, and one that does not', async () => {
    const admin = await signIn(app, 'admin');
    const keys = keysIn(app, 'running', 2);
    const verdicts: boolean[] = [];
    const disagreements: string[] = [];
    for (const who of principals) {
      for (const [i, forceAfterS] of [1800, null].entries()) {
        const key = keys[i]!;
        const op = await waitingShutdown(key, admin, forceAfterS);
        const web = mayForceNow(op, vmOf(op, key), viewerOf(who));
        const res = await app.inject({
          method: 'POST',
          url: `/api/operations/${op.id}/vms/${key}/force`,
          headers: who.headers,
        });
        expect([200, 403, 409]).toContain(res.statusCode);
        const server = res.statusCode === 200;
        verdicts.push(server);
        if (web !== server) {
          disagreements.push(
            `${who.name}, ${forceAfterS ? 'escalating' : 'plain'} shut down: web ${web}, server ${res.statusCode}`,
          );
        }
        await (server ? finished(app, op.id) : endIt(op));
      }
    }
    expect(disagreements).toEqual([]);
    expect(tally(verdicts).yes).toBeGreaterThan(0);
    expect(tally(verdicts).no).toBeGreaterThan(0);
  }, 120_000);

  // Last: lowering a role ends that user's sessions.
  it('cancel: an owner whose role was lowered to viewer after starting it sees no Cancel, and is refused', async () => {
    const op = await waitingShutdown(keysIn(app, 'running', 1)[0]!, await signIn(app, 'helpdesk'), null);
    await setUserRole(app.testStores, CLI_ACTOR, 'helpdesk', 'viewer');
    try {
      const headers = await signIn(app, 'helpdesk');
      const demoted: Who = { name: 'demoted owner', headers, session: await sessionOf(headers) };
      expect(demoted.session.username).toBe(op.owner);
      const res = await app.inject({ method: 'POST', url: `/api/operations/${op.id}/cancel`, headers });
      expect(res.statusCode).toBe(403);
      expect(mayCancel(op, viewerOf(demoted))).toBe(false);
    } finally {
      await setUserRole(app.testStores, CLI_ACTOR, 'helpdesk', 'helpdesk');
      await endIt(op);
    }
  });
});
