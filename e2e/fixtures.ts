// The suite's fixtures. Specs import `test` and `expect` from here, never from @playwright/test directly.
//
// - `sim`: the simulator's control API. Automatic: every test starts from the seeded fleet (reset, scenario
//   `none`, counters cleared) and the BFF showing it.
// - `bff`: the BFF's fleet snapshot, to know when the BFF has seen a change.
// - `fleetPage`: the fleet view, by role and accessible name (pages/fleet-page.ts).
// - `loginAs(persona)`: see "Personas" below.
import { test as base, expect, type APIRequestContext } from '@playwright/test';
import { FleetPage } from './pages/fleet-page';
import { BFF_URL, SIM_URL } from './support/servers';
import { Bff, Sim } from './support/sim';

/** The three kinds of people who use Powerdeck (DESIGN.md). */
export type Persona = 'admin' | 'helpdesk' | 'wall';

interface TestFixtures {
  sim: Sim;
  bff: Bff;
  fleetPage: FleetPage;
  loginAs: (persona: Persona) => Promise<void>;
}

interface WorkerFixtures {
  simApi: APIRequestContext;
  bffApi: APIRequestContext;
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
      const api = await playwright.request.newContext({ baseURL: BFF_URL });
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
      await sim.reset();
      await use(sim);
    },
    { auto: true },
  ],

  fleetPage: async ({ page }, use) => {
    await use(new FleetPage(page));
  },

  // Personas.
  // Sign-in and roles come with the sign-in issue. Until then the BFF has no sign-in and every browser may do
  // everything, as an admin would: `loginAs('admin')` does nothing, and the other personas fail loudly instead
  // of testing nothing. When sign-in lands, this fixture signs the persona in (through the BFF's sign-in API
  // with the persona's seeded credentials), stores the session in `context`, and `bffApi` reads as the admin.
  loginAs: async ({ context: _context }, use) => {
    await use((persona) => {
      if (persona === 'admin') return Promise.resolve();
      return Promise.reject(
        new Error(`loginAs('${persona}'): sign-in is not built yet; only the admin persona exists`),
      );
    });
  },
});

export { expect };
