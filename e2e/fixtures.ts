// The suite's fixtures. Specs import `test` and `expect` from here, never from @playwright/test directly.
//
// - `sim`: the simulator's control API. Automatic: every test starts from the seeded fleet (reset, scenario
//   `none`, counters cleared, no operation running) and the BFF showing it.
// - `bff`: the BFF's fleet snapshot, to know when the BFF has seen a change.
// - `fleetPage`: the fleet view, by role and accessible name (pages/fleet-page.ts).
// - `persona`, `loginAs(persona)`: see "Personas" below.
// - `signInPage`, `header`: the sign-in page and the header (who is signed in, Sign out, the `Main` links).
// - `newBrowser()`: another person's browser (a new context, nobody signed in), closed after the test.
import {
  test as base,
  expect,
  type APIRequestContext,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { AppHeader } from './pages/app-header';
import { FleetPage } from './pages/fleet-page';
import { SignInPage } from './pages/sign-in-page';
import { BFF_URL, E2E_PASSWORD, SIM_URL } from './support/servers';
import { Bff, Sim } from './support/sim';

/** The people of the suite, one per role (DESIGN.md's admin, help-desk and wall display; a viewer). */
export type Persona = 'admin' | 'helpdesk' | 'viewer';

/** Signs a request context (and the browser context it belongs to) in as a persona, through the BFF's API. */
export async function signInAs(api: APIRequestContext, persona: Persona, baseURL = BFF_URL): Promise<void> {
  const res = await api.post(`${baseURL}/api/session`, {
    headers: { [CSRF_HEADER]: '1' },
    data: { username: persona, password: E2E_PASSWORD },
  });
  if (res.status() !== 200) throw new Error(`sign-in as ${persona}: ${res.status()} ${await res.text()}`);
}

interface TestFixtures {
  /** Who the test's browser is signed in as (`nobody`: not signed in). */
  persona: Persona | 'nobody';
  sim: Sim;
  bff: Bff;
  fleetPage: FleetPage;
  signInPage: SignInPage;
  header: AppHeader;
  loginAs: (persona: Persona) => Promise<void>;
  /** Opens another browser (a new context: no cookies, nobody signed in) and answers its page. */
  newBrowser: () => Promise<Page>;
}

interface WorkerFixtures {
  simApi: APIRequestContext;
  bffApi: APIRequestContext;
}

async function expectActionsAudited(sim: Sim, bff: Bff, from: string): Promise<void> {
  const stats = await sim.stats();
  const posts = stats.log.filter((e) => e.method === 'POST' && e.route === '/api/v4/vm_actions');
  if ((stats.requests['POST /api/v4/vm_actions'] ?? 0) === 0) return;
  await expect
    .poll(
      async () => {
        const rows = await bff.auditRows({ kind: 'power', from });
        const outcomes = new Set(rows.filter((r) => r.refId !== null).map((r) => r.refId));
        // Each POST carries the request id of its `requested` row: a browser's or a script's action has one row
        // per request id; an operation's steps carry the id of the request that made the operation, one row per
        // step. So a request id answers for as many POSTs as it has `requested` rows with an outcome.
        const answered = new Map<string, number>();
        for (const r of rows) {
          if (r.outcome !== 'requested' || r.requestId === null || !outcomes.has(r.id)) continue;
          answered.set(r.requestId, (answered.get(r.requestId) ?? 0) + 1);
        }
        return posts
          .filter((p) => {
            const left = p.requestId === null ? 0 : (answered.get(p.requestId) ?? 0);
            if (left === 0) return true;
            answered.set(p.requestId!, left - 1);
            return false;
          })
          .map((p) => `${p.url} (request ${p.requestId ?? 'without an id'})`);
      },
      { message: 'power actions that reached VergeOS without a requested and an outcome audit record' },
    )
    .toEqual([]);
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  simApi: [
    async ({ playwright }, use) => {
      const api = await playwright.request.newContext({ baseURL: SIM_URL });
      await use(api);
      await api.dispose();
    },
    { scope: 'worker' },
  ],

  bffApi: [
    async ({ playwright }, use) => {
      // The suite's own reads (snapshots, audit records) as the admin.
      const api = await playwright.request.newContext({ baseURL: BFF_URL });
      await signInAs(api, 'admin');
      await use(api);
      await api.dispose();
    },
    { scope: 'worker' },
  ],

  bff: async ({ bffApi }, use) => {
    await use(new Bff(bffApi));
  },

  sim: [
    async ({ simApi, bff }, use) => {
      const sim = new Sim(simApi, bff);
      // An operation an earlier test left running (a failure half-way) must not act in this one.
      await bff.cancelRunningOperations();
      await sim.reset();
      const from = new Date(Date.now() - 1000).toISOString();
      await use(sim);
      // Every power action that reached VergeOS in this test is on record: its `requested` row (same request
      // id), and an outcome row pointing at it.
      await expectActionsAudited(sim, bff, from);
    },
    { auto: true },
  ],

  fleetPage: async ({ page }, use) => {
    await use(new FleetPage(page));
  },

  signInPage: async ({ page }, use) => {
    await use(new SignInPage(page));
  },

  header: async ({ page }, use) => {
    await use(new AppHeader(page));
  },

  newBrowser: async ({ browser }, use) => {
    // Contexts made here get the config's `use` options (baseURL, viewport) like the test's own.
    const contexts: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext();
      contexts.push(context);
      return context.newPage();
    });
    for (const context of contexts) await context.close();
  },

  // Personas: every test runs signed in, as `persona` (default `admin`; `test.use({ persona: 'helpdesk' })`),
  // through the BFF's sign-in API with the seeded credentials (support/servers.ts `seedUsersCommand`); the
  // session cookie lands in the test's browser context. `loginAs(persona)` signs in again as someone else.
  persona: ['admin', { option: true }],

  context: async ({ context, persona }, use) => {
    if (persona !== 'nobody') await signInAs(context.request, persona);
    await use(context);
  },

  loginAs: async ({ context }, use) => {
    await use((persona) => signInAs(context.request, persona));
  },
});

export { expect };
