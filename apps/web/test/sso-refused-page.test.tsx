// @vitest-environment happy-dom
// `/sign-in/refused?id=…`, where the BFF sends a browser whose single sign-on it refused: shown by the app while
// nobody is signed in (not replaced by the sign-in page), with the server's message; when no role rule matched,
// the groups the identity provider sent (or "none") and the claim, and what to ask the admin; "Try again" back to
// the sign-in page. A refusal that is gone (expired, unknown) says so plainly.
import type { SsoRefusal } from '@powerdeck/contracts/sso';
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../src/app/app';
import { json, openAt, renderInApp } from './dom';
import { fakeFetch } from './schedule-fixtures';

afterEach(() => vi.unstubAllGlobals());

const NO_RULE = 'None of your groups at Keycloak gives access to Powerdeck.';

function refusal(over: Partial<SsoRefusal> = {}): SsoRefusal {
  return {
    reason: 'no-rule',
    message: NO_RULE,
    providerName: 'Keycloak',
    subject: 'f3b1',
    username: 'dana',
    email: 'dana@example.com',
    groupsClaim: 'groups',
    groups: ['staff', 'vpn-users'],
    at: new Date().toISOString(),
    ...over,
  };
}

/** Nobody is signed in; `refusals` answers GET /api/sso/refusals/:id (404 for an id it lacks). */
function serve(refusals: Record<string, SsoRefusal>) {
  return fakeFetch((req) => {
    if (req.url === '/api/session') return json({ error: 'Sign in first', code: 'unauthenticated' }, 401);
    if (req.url === '/api/sign-in-options') {
      return json({ sso: { providerName: 'Keycloak' }, passwordSignIn: 'everyone' });
    }
    if (req.url === '/api/meta') return json({ demo: false });
    const m = /^\/api\/sso\/refusals\/([^/?]+)$/.exec(req.url);
    if (m) {
      const found = refusals[decodeURIComponent(m[1] ?? '')];
      return found ? json(found) : json({ error: 'No such sign-in attempt', code: 'not_found' }, 404);
    }
    return undefined;
  });
}

async function open(url: string) {
  openAt(url);
  renderInApp(<App />);
  return screen.findByRole('region', { name: 'Sign-in refused' });
}

describe('the page of a refused single sign-on', () => {
  it('while signed out: the message, the groups the provider sent and the claim, what to ask', async () => {
    serve({ r1: refusal() });
    const page = await open('/sign-in/refused?id=r1');
    expect((await within(page).findByRole('alert')).textContent).toBe(NO_RULE);
    expect(page.textContent).toContain('Groups Keycloak sent (claim groups):');
    const groups = within(page).getByRole('list', { name: /Groups Keycloak sent/ });
    expect(
      within(groups)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['staff', 'vpn-users']);
    expect(page.textContent).toContain('Ask your Powerdeck admin to map one of these groups to a role.');
    expect(page.textContent).toContain('Keycloak knows you as dana (dana@example.com).');
    // Not the sign-in page in its place.
    expect(screen.queryByRole('link', { name: 'Sign in with Keycloak' })).toBeNull();
    expect(screen.queryByRole('form')).toBeNull();
  });

  it('says what to ask once when the server’s message already says it', async () => {
    const message =
      'None of your groups is mapped to a Powerdeck role. Ask your Powerdeck admin to map one of these groups to a role.';
    serve({ r5: refusal({ message }) });
    const page = await open('/sign-in/refused?id=r5');
    expect((await within(page).findByRole('alert')).textContent).toBe(message);
    expect(page.textContent?.split('Ask your Powerdeck admin to map one of these groups').length).toBe(2);
    expect(
      within(page)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['staff', 'vpn-users']);
  });

  it('says "none" when the provider sent no groups, and names the claim to check', async () => {
    serve({ r2: refusal({ groups: [], groupsClaim: 'roles' }) });
    const page = await open('/sign-in/refused?id=r2');
    await within(page).findByRole('alert');
    expect(page.textContent).toContain('Groups Keycloak sent (claim roles): none');
    expect(within(page).queryByRole('list')).toBeNull();
    expect(page.textContent).toContain('check that Keycloak sends the “roles” claim');
  });

  it('groups overage: the message says what to configure; the groups line says none', async () => {
    const message =
      'Entra ID left your groups out of the sign-in (you are in too many groups). Ask your admin to configure group filtering ("Groups assigned to the application") or app roles with POWERDECK_OIDC_GROUPS_CLAIM=roles.';
    serve({ r3: refusal({ reason: 'groups-overage', message, groups: [], providerName: 'Entra ID' }) });
    const page = await open('/sign-in/refused?id=r3');
    expect((await within(page).findByRole('alert')).textContent).toBe(message);
    expect(page.textContent).toContain('Groups Entra ID sent (claim groups): none');
    expect(page.textContent).toContain('Show this page to your Powerdeck admin');
  });

  it('other reasons: the message alone, no groups', async () => {
    const message = 'Your Powerdeck account dana is disabled. Ask a Powerdeck admin to enable it.';
    serve({ r4: refusal({ reason: 'disabled', message }) });
    const page = await open('/sign-in/refused?id=r4');
    expect((await within(page).findByRole('alert')).textContent).toBe(message);
    expect(page.textContent).not.toContain('Groups Keycloak sent');
    expect(within(page).queryByRole('list')).toBeNull();
  });

  it('an expired or unknown attempt, or none at all: "no longer known; try again"', async () => {
    serve({});
    for (const url of ['/sign-in/refused?id=gone', '/sign-in/refused']) {
      const page = await open(url);
      expect((await within(page).findByRole('alert')).textContent).toBe(
        'This sign-in attempt is no longer known; try again.',
      );
      expect(within(page).getByRole('link', { name: 'Try again' })).toBeTruthy();
      cleanup();
    }
  });

  it('"Try again" goes to the sign-in page', async () => {
    serve({ r1: refusal() });
    const page = await open('/sign-in/refused?id=r1');
    await within(page).findByRole('alert');
    await userEvent.setup().click(within(page).getByRole('link', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: 'Sign in with Keycloak' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(window.location.pathname).toBe('/');
  });
});
