// @vitest-environment happy-dom
// The sign-in page with single sign-on (issue 18), as a person sees it: "Sign in with <provider>" first, as a link
// that sends the browser to the BFF with the page they asked for; the password form after it, ready to use when
// everyone may use a password, folded under "Sign in with a local account" (for emergency admin accounts) when only
// named local admins may. Without single sign-on: the password form alone, as before. A password sign-in refused
// because password sign-in is off says so in the server's words.
import type { SignInOptions } from '@powerdeck/contracts/sso';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../src/app/providers';
import { SignInPage } from '../src/features/auth/components/sign-in-page';
import { setSignInNotice } from '../src/features/auth/lib/session-notice';
import { json, openAt, renderInApp } from './dom';
import { fakeFetch } from './schedule-fixtures';

const OFF = 'Password sign-in is turned off: sign in with Keycloak';

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => setSignInNotice(null));

function serve(options: () => SignInOptions | 'down', signIn?: () => Response) {
  return fakeFetch((req) => {
    if (req.url === '/api/sign-in-options') {
      const o = options();
      return o === 'down' ? json({ error: 'Bad gateway' }, 502) : json(o);
    }
    if (req.url === '/api/session' && req.method === 'POST') return signIn?.();
    return undefined;
  });
}

const keycloak = (passwordSignIn: SignInOptions['passwordSignIn']): SignInOptions => ({
  sso: { providerName: 'Keycloak' },
  passwordSignIn,
});

async function fillAndSubmit(form: HTMLElement, username = 'alice', password = 'a password of hers') {
  const user = userEvent.setup();
  await user.type(within(form).getByRole('textbox', { name: 'User name' }), username);
  await user.type(within(form).getByLabelText('Password'), password);
  await user.click(within(form).getByRole('button', { name: 'Sign in' }));
}

describe('the sign-in page without single sign-on', () => {
  it('is the password form alone, named Sign in', async () => {
    serve(() => ({ sso: null, passwordSignIn: 'everyone' }));
    openAt('/audit');
    renderInApp(<SignInPage />);
    const form = await screen.findByRole('form', { name: 'Sign in' });
    expect(within(form).getByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(within(form).getByRole('textbox', { name: 'User name' })).toBe(document.activeElement);
    expect(screen.queryByRole('link', { name: /Sign in with/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign in with a local account' })).toBeNull();
  });

  it('shows the password form when the options cannot be read (the server still decides)', async () => {
    serve(() => 'down');
    // The app's query client, without the pause before its one retry.
    const client = createQueryClient();
    client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, retryDelay: 0 } });
    renderInApp(<SignInPage />, client);
    expect(await screen.findByRole('form', { name: 'Sign in' })).toBeTruthy();
  });
});

describe('the sign-in page with single sign-on, everyone may use a password', () => {
  it('offers "Sign in with Keycloak" first, back to the page asked for, then the password form', async () => {
    serve(() => keycloak('everyone'));
    openAt('/vms/12?tab=activity');
    renderInApp(<SignInPage />);
    const sso = await screen.findByRole('link', { name: 'Sign in with Keycloak' });
    expect(sso.getAttribute('href')).toBe('/api/sso/start?returnTo=%2Fvms%2F12%3Ftab%3Dactivity');
    const form = screen.getByRole('form', { name: 'Sign in with a password' });
    // The link comes before the form, in reading and tab order.
    expect(sso.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
    // Nothing is folded away.
    expect(screen.queryByRole('button', { name: 'Sign in with a local account' })).toBeNull();
    expect(within(form).getByRole('textbox', { name: 'User name' })).toBeTruthy();
  });

  it('never sends the person back to the display landing or the refusal page', async () => {
    serve(() => keycloak('everyone'));
    openAt('/sign-in/refused?id=abc');
    renderInApp(<SignInPage />);
    const sso = await screen.findByRole('link', { name: 'Sign in with Keycloak' });
    expect(sso.getAttribute('href')).toBe('/api/sso/start?returnTo=%2F');
  });

  it('signs in with a password directly', async () => {
    const { sent } = serve(
      () => keycloak('everyone'),
      () => json({}, 200),
    );
    renderInApp(<SignInPage />);
    await fillAndSubmit(await screen.findByRole('form', { name: 'Sign in with a password' }));
    await vi.waitFor(() =>
      expect(sent.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
        { username: 'alice', password: 'a password of hers' },
      ]),
    );
  });

  it('when password sign-in was turned off meanwhile: the server’s words, and the page as it now is', async () => {
    let options = keycloak('everyone');
    serve(
      () => options,
      () => {
        options = keycloak('break-glass');
        return json({ error: OFF, code: 'password_sign_in_off' }, 403);
      },
    );
    renderInApp(<SignInPage />);
    await fillAndSubmit(await screen.findByRole('form', { name: 'Sign in with a password' }));
    expect((await screen.findByRole('alert')).textContent).toBe(OFF);
    // The page asks again and folds the password form away; the message and the provider's link stay.
    expect(await screen.findByRole('button', { name: 'Sign in with a local account' })).toBeTruthy();
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.getByRole('alert').textContent).toBe(OFF);
    expect(screen.getByRole('link', { name: 'Sign in with Keycloak' })).toBeTruthy();
  });
});

describe('the sign-in page with single sign-on, break glass', () => {
  it('folds the password form under "Sign in with a local account", for emergency admin accounts', async () => {
    const { sent } = serve(
      () => keycloak('break-glass'),
      () => json({ error: OFF, code: 'password_sign_in_off' }, 403),
    );
    renderInApp(<SignInPage />);
    expect(await screen.findByRole('link', { name: 'Sign in with Keycloak' })).toBeTruthy();
    const local = screen.getByRole('button', { name: 'Sign in with a local account' });
    expect(local.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.queryByRole('textbox', { name: 'User name' })).toBeNull();

    const user = userEvent.setup();
    await user.click(local);
    expect(local.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByText(/For emergency admin accounts only, when Keycloak cannot be used/)).toBeTruthy();
    const form = screen.getByRole('form', { name: 'Sign in with a local account' });
    expect(within(form).getByRole('textbox', { name: 'User name' })).toBe(document.activeElement);

    // Someone who is not a break-glass admin is refused, clearly.
    await fillAndSubmit(form, 'bob');
    expect((await screen.findByRole('alert')).textContent).toBe(OFF);
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(1);

    await user.click(local);
    expect(screen.queryByRole('form')).toBeNull();
  });
});
