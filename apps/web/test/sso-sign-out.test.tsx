// @vitest-environment happy-dom
// Signing out of a single sign-on session (issue 18): the BFF ends the session and answers 200 with the identity
// provider's logout address; the page clears what it had loaded, as for any sign-out, then goes there (so the
// session ends at the provider too, which sends the browser back). A password session's 204 stays in the app.
import type { SessionInfo } from '@powerdeck/contracts/auth';
import { ROLE_PERMISSIONS } from '@powerdeck/contracts/roles';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppHeader } from '../src/app/app-header';
import { SESSION_KEY } from '../src/features/auth/api/session-queries';
import { json, openAt, renderInApp } from './dom';
import { fakeFetch } from './schedule-fixtures';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const LOGOUT = 'https://idp.example.com/logout?id_token_hint=x&post_logout_redirect_uri=https%3A%2F%2Fpd%2F';

function session(signInMethod: SessionInfo['signInMethod']): SessionInfo {
  return {
    authKind: 'session',
    role: 'viewer',
    username: 'dana',
    display: null,
    permissions: [...ROLE_PERMISSIONS.viewer],
    idleTimeoutMs: 1_800_000,
    signInMethod,
  };
}

async function signOut(answer: Response, who: SessionInfo) {
  const { sent } = fakeFetch((req) =>
    req.url === '/api/session' && req.method === 'DELETE' ? answer : undefined,
  );
  openAt('/audit');
  const { client } = renderInApp(<AppHeader demo={false} asOf={null} stale={false} session={who} />);
  client.setQueryData(SESSION_KEY, who);
  client.setQueryData(['users'], ['something dana loaded']);
  // Navigation away is the browser's; here it is recorded, with what the cache held at that moment.
  let cacheAtAssign: unknown[] = [];
  const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {
    cacheAtAssign = client
      .getQueryCache()
      .getAll()
      .map((q) => [q.queryKey, q.state.data]);
  });
  await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out' }));
  await vi.waitFor(() => expect(client.getQueryData(SESSION_KEY)).toBeNull());
  return { sent, assign, client, cacheAtAssign: () => cacheAtAssign };
}

describe('Sign out', () => {
  it('of a single sign-on session: clears the page, then goes to the provider’s logout', async () => {
    const { sent, assign, cacheAtAssign } = await signOut(json({ logoutUrl: LOGOUT }), session('sso'));
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /api/session']);
    await vi.waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    expect(assign).toHaveBeenCalledWith(LOGOUT);
    // By then nothing the person loaded is left, and nobody is signed in.
    expect(cacheAtAssign()).toEqual([[['session'], null]]);
    expect(window.location.pathname).toBe('/');
  });

  it('of a password session (204): stays in the app, at the sign-in page’s address', async () => {
    const { assign, client } = await signOut(new Response(null, { status: 204 }), session('password'));
    expect(client.getQueryData(['users'])).toBeUndefined();
    expect(window.location.pathname).toBe('/');
    expect(assign).not.toHaveBeenCalled();
  });
});
