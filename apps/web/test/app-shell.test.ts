import type { SessionInfo } from '@powerdeck/contracts/auth';
import { ROLE_PERMISSIONS, SESSION_ONLY_PERMISSIONS } from '@powerdeck/contracts/roles';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canSignOut, isCurrent, NAV_ITEMS, navItems, sessionLabel } from '../src/app/nav-items';
import { createQueryClient, retryQuery } from '../src/app/providers';
import { SESSION_KEY } from '../src/features/auth/api/session-queries';
import { getSignInNotice, setSignInNotice } from '../src/features/auth/lib/session-notice';
import { ApiError, NetworkError } from '../src/lib/api-client';

const labels = (permissions: readonly SessionInfo['permissions'][number][]) =>
  navItems(permissions).map((i) => i.label);

describe('the header links, by permission', () => {
  it('an admin sees every page', () => {
    expect(labels(ROLE_PERMISSIONS.admin)).toEqual([
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
    ]);
  });
  it('helpdesk and viewers: the fleet, the operations, the schedules, the plans and their tokens', () => {
    expect(labels(ROLE_PERMISSIONS.helpdesk)).toEqual([
      'Fleet',
      'Operations',
      'Schedules',
      'Plans',
      'Tokens',
    ]);
    expect(labels(ROLE_PERMISSIONS.viewer)).toEqual(['Fleet', 'Operations', 'Schedules', 'Plans', 'Tokens']);
  });
  it('a display: the fleet, the operations, the schedules and the plans (everyone who may see the fleet)', () => {
    const display = ROLE_PERMISSIONS.viewer.filter((p) => !SESSION_ONLY_PERMISSIONS.has(p));
    expect(labels(display)).toEqual(['Fleet', 'Operations', 'Schedules', 'Plans']);
  });
  it('each page behind its own permission', () => {
    expect(labels(['fleet:read', 'audit:read'])).toEqual([
      'Fleet',
      'Operations',
      'Schedules',
      'Plans',
      'Audit log',
    ]);
    expect(labels(['users:manage'])).toEqual(['Fleet', 'Users', 'Sign-in']);
    expect(labels(['displays:manage'])).toEqual(['Fleet', 'Display links']);
    expect(labels(['alerts:manage'])).toEqual(['Fleet', 'Alerts']);
    expect(NAV_ITEMS.map((i) => i.href)).toEqual([
      '/',
      '/operations',
      '/schedules',
      '/plans',
      '/audit',
      '/admin/users',
      '/admin/sign-in',
      '/admin/displays',
      '/admin/alerts',
      '/tokens',
    ]);
  });
  it('the current page', () => {
    expect(isCurrent('/operations', '/operations')).toBe(true);
    expect(isCurrent('/', '/operations')).toBe(false);
    expect(isCurrent('/', '/')).toBe(true);
    expect(isCurrent('/', '/vms/3')).toBe(true);
    expect(isCurrent('/', '/audit')).toBe(false);
    expect(isCurrent('/audit', '/audit')).toBe(true);
    expect(isCurrent('/admin/users', '/admin/users/bob')).toBe(true);
    expect(isCurrent('/admin/users', '/admin/displays')).toBe(false);
    expect(isCurrent('/tokens', '/tokensx')).toBe(false);
    expect(isCurrent('/plans', '/plans/p1/runs/op1')).toBe(true);
    expect(isCurrent('/admin/alerts', '/admin/alerts/t1')).toBe(true);
  });
});

describe('who is signed in', () => {
  const base: SessionInfo = {
    authKind: 'session',
    role: 'helpdesk',
    username: 'alice',
    display: null,
    permissions: [],
    idleTimeoutMs: 1000,
    signInMethod: 'password',
  };
  it('a person: name and role, and Sign out', () => {
    expect(sessionLabel(base)).toBe('alice · helpdesk');
    expect(canSignOut(base)).toBe(true);
  });
  it('a display: its name, no Sign out', () => {
    const d: SessionInfo = {
      ...base,
      authKind: 'display',
      role: 'viewer',
      username: null,
      display: 'Ops wall',
    };
    expect(sessionLabel(d)).toBe('Display: Ops wall');
    expect(canSignOut(d)).toBe(false);
  });
});

describe('the query client: a 401 ends the session', () => {
  const alice = { authKind: 'session', role: 'admin', username: 'alice' };
  beforeEach(() => setSignInNotice(null));
  afterEach(() => vi.unstubAllGlobals());

  it('a query answered 401 drops the session and says so', async () => {
    const client = createQueryClient();
    client.setQueryData(SESSION_KEY, alice);
    await client
      .fetchQuery({
        queryKey: ['fleet', 'snapshot'],
        queryFn: () => Promise.reject(new ApiError(401, 'Sign in first', 'unauthenticated')),
        retry: false,
      })
      .catch(() => undefined);
    expect(client.getQueryData(SESSION_KEY)).toBeNull();
    expect(getSignInNotice()).toBe('Your session ended. Sign in again.');
  });

  it('a mutation answered 401 too', async () => {
    const client = createQueryClient();
    client.setQueryData(SESSION_KEY, alice);
    const m = client.getMutationCache().build(client, {
      mutationFn: () => Promise.reject(new ApiError(401, 'Sign in first', 'unauthenticated')),
    });
    await m.execute(undefined).catch(() => undefined);
    expect(client.getQueryData(SESSION_KEY)).toBeNull();
  });

  it('a refused sign-in does not (it is a wrong password, not an ended session)', async () => {
    const client = createQueryClient();
    client.setQueryData(SESSION_KEY, null);
    const m = client.getMutationCache().build(client, {
      meta: { signIn: true },
      mutationFn: () => Promise.reject(new ApiError(401, 'Wrong user name or password', 'bad_credentials')),
    });
    await m.execute(undefined).catch(() => undefined);
    expect(getSignInNotice()).toBeNull();
  });

  it('other errors leave the session alone', async () => {
    const client = createQueryClient();
    client.setQueryData(SESSION_KEY, alice);
    await client
      .fetchQuery({
        queryKey: ['audit'],
        queryFn: () => Promise.reject(new ApiError(403, 'no', 'forbidden')),
        retry: false,
      })
      .catch(() => undefined);
    expect(client.getQueryData(SESSION_KEY)).toEqual(alice);
  });

  it('401 and 403 are not retried; other failures once', () => {
    expect(retryQuery(0, new ApiError(401, 'x'))).toBe(false);
    expect(retryQuery(0, new ApiError(403, 'x'))).toBe(false);
    expect(retryQuery(0, new NetworkError('x'))).toBe(true);
    expect(retryQuery(1, new NetworkError('x'))).toBe(false);
  });
});
