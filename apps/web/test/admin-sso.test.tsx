// @vitest-environment happy-dom
// The admin's side of single sign-on (issue 18), as the admin sees it:
// - Users: people who sign in with single sign-on are marked "Single sign-on", with their last sign-in; their role
//   is shown as coming from the identity provider (no choice), they have no "Set password", and they can still be
//   disabled.
// - Sign-in: "Everyone may use a password" or "Only these local admins (break glass)" with the enabled local admins
//   to choose from; saving sends the policy once, and the BFF's refusal shows in place. With single sign-on off,
//   break glass cannot be chosen, and the page says why.
import type { UserRow } from '@powerdeck/contracts/auth';
import type { SignInSettings } from '@powerdeck/contracts/sso';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignInSettingsPage } from '../src/features/admin/components/sign-in-settings-page';
import { UsersPage } from '../src/features/admin/components/users-page';
import { json, renderInApp } from './dom';
import { fakeFetch } from './schedule-fixtures';

afterEach(() => vi.unstubAllGlobals());

const HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();

function user(over: Partial<UserRow> & { username: string }): UserRow {
  return {
    role: 'viewer',
    disabled: false,
    createdAt: '2026-01-05T10:00:00.000Z',
    updatedAt: '2026-01-05T10:00:00.000Z',
    activeTokens: 0,
    source: 'local',
    lastSignInAt: null,
    ...over,
  };
}

const USERS: UserRow[] = [
  user({ username: 'root', role: 'admin', lastSignInAt: HOUR_AGO }),
  user({ username: 'spare', role: 'admin' }),
  user({ username: 'old-admin', role: 'admin', disabled: true }),
  user({ username: 'desk', role: 'helpdesk' }),
  user({ username: 'carol@example.com', role: 'admin', source: 'sso', lastSignInAt: HOUR_AGO }),
];

describe('Users, with people who sign in with single sign-on', () => {
  async function open() {
    const served = fakeFetch((req) => {
      if (req.url === '/api/users' && req.method === 'GET') return json(USERS);
      if (req.url.startsWith('/api/users/') && req.method === 'PATCH') {
        return json({ user: { ...USERS[4], disabled: true }, tokensRevoked: 0 });
      }
      return undefined;
    });
    renderInApp(<UsersPage />);
    const table = await screen.findByRole('table', { name: 'Users' });
    const row = (name: string) =>
      within(table)
        .getAllByRole('row')
        .find((r) => within(r).queryAllByRole('cell')[0]?.textContent === name)!;
    const cells = (name: string) =>
      within(row(name))
        .getAllByRole('cell')
        .map((c) => c.textContent);
    return { table, row, cells, ...served };
  }

  it('marks them "Single sign-on", shows the last sign-in, and the role as the provider’s, not a choice', async () => {
    const { table, row, cells } = await open();
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Name', 'Role', 'Status', 'Tokens', 'Sign-in', 'Last sign-in', 'Created', 'Actions']);
    const carol = cells('carol@example.com');
    expect(carol.slice(0, 6)).toEqual([
      'carol@example.com',
      'adminfrom the identity provider',
      'Enabled',
      '0',
      'Single sign-on',
      '1 h ago',
    ]);
    expect(within(row('carol@example.com')).queryByRole('combobox')).toBeNull();
    expect(cells('root').slice(4, 6)).toEqual(['Password', '1 h ago']);
    expect(cells('spare').slice(4, 6)).toEqual(['Password', 'Never']);
    expect(within(row('root')).getByRole('combobox', { name: 'Role for root' })).toBeTruthy();
  });

  it('offers no "Set password" for them, and still offers to disable them', async () => {
    const { row, sent } = await open();
    const carol = within(row('carol@example.com'));
    expect(carol.queryByRole('button', { name: /Set password/ })).toBeNull();
    expect(within(row('root')).getByRole('button', { name: 'Set password for root' })).toBeTruthy();

    const u = userEvent.setup();
    await u.click(carol.getByRole('button', { name: 'Disable carol@example.com' }));
    const dialog = await screen.findByRole('dialog', { name: 'Disable carol@example.com?' });
    await u.click(within(dialog).getByRole('button', { name: 'Disable' }));
    await vi.waitFor(() =>
      expect(sent.filter((r) => r.method === 'PATCH').map((r) => [r.url, r.body])).toEqual([
        ['/api/users/carol%40example.com', { disabled: true }],
      ]),
    );
    expect((await screen.findByText('carol@example.com is disabled.')).getAttribute('role')).toBe('status');
  });
});

describe('Admin > Sign-in', () => {
  function serve(saved: SignInSettings, put?: (body: SignInSettings) => Response) {
    return fakeFetch((req) => {
      if (req.url === '/api/users') return json(USERS);
      if (req.url === '/api/settings/sign-in' && req.method === 'GET') return json(saved);
      if (req.url === '/api/settings/sign-in' && req.method === 'PUT') {
        return put?.(req.body as SignInSettings) ?? json(req.body);
      }
      return undefined;
    });
  }

  async function open(sso: { providerName: string } | null) {
    renderInApp(<SignInSettingsPage sso={sso} />);
    const form = await screen.findByRole('form', { name: 'Password sign-in' });
    const mode = within(form).getByRole('group', { name: 'Password sign-in' });
    const radio = (name: string) => within(mode).getByRole<HTMLInputElement>('radio', { name });
    return { form, radio };
  }

  const EVERYONE = 'Everyone may use a password';
  const BREAK_GLASS = 'Only these local admins (break glass)';

  it('turns on break glass for the enabled local admins chosen, and says so', async () => {
    const { sent } = serve({ passwordSignIn: 'everyone', breakGlassAdmins: [] });
    const { form, radio } = await open({ providerName: 'Keycloak' });
    expect(radio(EVERYONE).checked).toBe(true);
    expect(radio(BREAK_GLASS).disabled).toBe(false);
    expect(within(form).queryByRole('group', { name: 'Local admins who may use a password' })).toBeNull();

    const u = userEvent.setup();
    await u.click(radio(BREAK_GLASS));
    const admins = within(form).getByRole('group', { name: 'Local admins who may use a password' });
    // Only enabled local admins: not the disabled one, not help desk, not the single sign-on admin.
    expect(
      within(admins)
        .getAllByRole('checkbox')
        .map((c) => c.parentElement?.textContent),
    ).toEqual(['root', 'spare']);
    expect(form.textContent).toContain('everyone else signs in with Keycloak');
    expect(form.textContent).toContain('Saving ends the password sessions of everyone else at once.');

    // Nobody chosen: said before anything is sent.
    await u.click(within(form).getByRole('button', { name: 'Save' }));
    expect(within(form).getByRole('alert').textContent).toBe(
      'Choose at least one local admin who may use a password.',
    );
    expect(sent.filter((r) => r.method === 'PUT')).toEqual([]);

    await u.click(within(admins).getByRole('checkbox', { name: 'root' }));
    await u.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await within(form).findByRole('status')).textContent).toBe(
      'Saved: only root may use a password; everyone else signs in with Keycloak.',
    );
    expect(sent.filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual([
      { passwordSignIn: 'break-glass', breakGlassAdmins: ['root'] },
    ]);
    expect(within(form).queryByRole('alert')).toBeNull();
  });

  it('shows the BFF’s refusal in place, and keeps the form as it was', async () => {
    const refusal = 'spare is not an enabled local admin: only enabled local admins may keep a password.';
    serve({ passwordSignIn: 'everyone', breakGlassAdmins: [] }, () =>
      json({ error: refusal, code: 'invalid_settings' }, 422),
    );
    const { form, radio } = await open({ providerName: 'Keycloak' });
    const u = userEvent.setup();
    await u.click(radio(BREAK_GLASS));
    await u.click(within(form).getByRole('checkbox', { name: 'spare' }));
    await u.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(`Could not save: ${refusal}`);
    expect(radio(BREAK_GLASS).checked).toBe(true);
    expect(within(form).getByRole<HTMLInputElement>('checkbox', { name: 'spare' }).checked).toBe(true);
    expect(within(form).getByRole('status').textContent).toBe('');
  });

  it('shows a listed name that is no longer an enabled local admin, so it can be unticked', async () => {
    const { sent } = serve({ passwordSignIn: 'break-glass', breakGlassAdmins: ['root', 'old-admin'] });
    const { form, radio } = await open({ providerName: 'Keycloak' });
    expect(radio(BREAK_GLASS).checked).toBe(true);
    const old = within(form).getByRole<HTMLInputElement>('checkbox', { name: /old-admin/ });
    expect(old.checked).toBe(true);
    expect(old.parentElement?.textContent).toBe('old-admin(not an enabled local admin)');
    const u = userEvent.setup();
    await u.click(old);
    await u.click(radio(EVERYONE));
    await u.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await within(form).findByRole('status')).textContent).toBe('Saved: everyone may use a password.');
    expect(sent.filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual([
      { passwordSignIn: 'everyone', breakGlassAdmins: [] },
    ]);
  });

  it('with single sign-on off: break glass cannot be chosen, and the page says why', async () => {
    serve({ passwordSignIn: 'everyone', breakGlassAdmins: [] });
    const { form, radio } = await open(null);
    expect(radio(EVERYONE).checked).toBe(true);
    expect(radio(BREAK_GLASS).disabled).toBe(true);
    expect(form.textContent).toContain(
      'Single sign-on is not configured on this server (POWERDECK_OIDC_ISSUER), so break glass cannot be turned on',
    );
  });
});
