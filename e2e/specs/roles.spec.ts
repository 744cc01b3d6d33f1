// Each role, signed in through the sign-in page, sees exactly the power buttons and the pages it may use. The
// expected sets come from the role table, not from the web app's predicates:
//   viewer    sees the fleet and VM details;
//   helpdesk  also starts, shuts down gracefully and reboots gracefully;
//   admin     also forces off, hard resets, hibernates (and picks the node a VM starts on); manages users,
//             display links, alert targets and all tokens; reads the audit log.
// Personal tokens are everyone's who signs in with a password.
import type { Persona } from '../fixtures';
import { expect, test } from '../fixtures';
import type { NavLink } from '../pages/app-header';
import type { PowerButton } from '../pages/fleet-page';
import { VM } from '../support/seed';
import { E2E_PASSWORD } from '../support/servers';

const HELPDESK: PowerButton[] = ['Start', 'Shut down', 'Reboot'];
const MAY: Record<Persona, PowerButton[]> = {
  viewer: [],
  helpdesk: HELPDESK,
  admin: [...HELPDESK, 'Force off', 'Reset', 'Hibernate', 'Start on node…'],
};

/** Which buttons make sense for a VM in a state, whoever asks. */
const APPLIES: Record<'running' | 'stopped', PowerButton[]> = {
  running: ['Shut down', 'Reboot', 'Force off', 'Reset', 'Hibernate'],
  stopped: ['Start', 'Start on node…'],
};

const ALL_BUTTONS: PowerButton[] = [...APPLIES.running, ...APPLIES.stopped];

const PAGES: Record<Persona, NavLink[]> = {
  viewer: ['Fleet', 'Operations', 'Schedules', 'Plans', 'Tokens'],
  helpdesk: ['Fleet', 'Operations', 'Schedules', 'Plans', 'Tokens'],
  admin: [
    'Fleet',
    'Operations',
    'Schedules',
    'Plans',
    'Audit log',
    'Users',
    'Sign-in',
    'Display links',
    'Alerts',
    'Tokens',
  ],
};

test.use({ persona: 'nobody' });

for (const role of ['viewer', 'helpdesk', 'admin'] as const) {
  test(`${role}: signed in through the sign-in page, sees exactly the buttons and links the role may use`, async ({
    page,
    sim,
    fleetPage,
    signInPage,
    header,
  }) => {
    await sim.setVm(VM.web01.key, { status: 'running' });
    await sim.setVm(VM.db01.key, { status: 'stopped' });

    await page.goto('/');
    await signInPage.signIn(role, E2E_PASSWORD);
    await header.expectSignedInAs(role, role);
    await header.expectNavLinks(PAGES[role]);

    for (const [name, state] of [
      [VM.web01.name, 'running'],
      [VM.db01.name, 'stopped'],
    ] as const) {
      const card = await fleetPage.open(name);
      await fleetPage.expectStatus(card, state === 'running' ? 'Running' : 'Stopped');
      const expected = MAY[role].filter((b) => APPLIES[state].includes(b));
      for (const button of expected) {
        await expect(fleetPage.button(card, button), `${role} sees ${button} on a ${state} VM`).toBeVisible();
      }
      for (const button of ALL_BUTTONS.filter((b) => !expected.includes(b))) {
        await expect(fleetPage.button(card, button), `${role} has no ${button} on a ${state} VM`).toHaveCount(
          0,
        );
      }
      await expect(card.getByRole('button'), `no other buttons on a ${state} VM`).toHaveCount(
        expected.length,
      );
    }

    // A page the role may not use is not offered by address either.
    if (!PAGES[role].includes('Audit log')) {
      await page.goto('/audit');
      await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
      await expect(page.getByRole('table', { name: 'Audit records' })).toHaveCount(0);
    }
  });
}
