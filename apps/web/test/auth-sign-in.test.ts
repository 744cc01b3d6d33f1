import type { SessionInfo } from '@powerdeck/contracts/auth';
import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  endSession,
  fetchSession,
  retrySession,
  SESSION_KEY,
  sessionQueries,
  signedIn,
  signedOut,
} from '../src/features/auth/api/session-queries';
import {
  DISPLAY_ENDED,
  endedNotice,
  getSignInNotice,
  SESSION_ENDED,
  setSignInNotice,
} from '../src/features/auth/lib/session-notice';
import {
  endsSession,
  readDisplaySecret,
  returnPathAfterSignIn,
  signInErrorText,
  waitText,
} from '../src/features/auth/lib/sign-in';
import { ApiError, NetworkError } from '../src/lib/api-client';

const alice: SessionInfo = {
  authKind: 'session',
  role: 'helpdesk',
  username: 'alice',
  display: null,
  permissions: ['fleet:read', 'tokens:own', 'vm:start', 'vm:shutdown', 'vm:reboot'],
  idleTimeoutMs: 1_800_000,
  signInMethod: 'password',
};

function stubFetch(impl: (url: string, init: RequestInit) => Promise<Response>) {
  const fn = vi.fn(impl);
  vi.stubGlobal('fetch', fn);
  return fn;
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

beforeEach(() => setSignInNotice(null));
afterEach(() => vi.unstubAllGlobals());

describe('signInErrorText: what the form says', () => {
  it("password sign-in turned off (single sign-on only): the server's words, naming the provider", () => {
    const off = 'Password sign-in is turned off: sign in with Keycloak';
    expect(signInErrorText(new ApiError(403, off, 'password_sign_in_off'))).toBe(off);
    expect(signInErrorText(new ApiError(403, '403 Forbidden', 'password_sign_in_off'))).toBe(
      'Password sign-in is turned off here',
    );
  });

  it("a wrong user name or password: the server's one generic message, nothing more", () => {
    const text = signInErrorText(new ApiError(401, 'Wrong user name or password', 'bad_credentials'));
    expect(text).toBe('Wrong user name or password');
  });

  it('a 401 without words falls back to the same generic message', () => {
    expect(signInErrorText(new ApiError(401, '401 Unauthorized'))).toBe('Wrong user name or password');
  });

  it('locked out: says how long to wait, from Retry-After', () => {
    const e = new ApiError(429, 'Too many failed sign-ins…', 'locked', undefined, 240);
    expect(signInErrorText(e)).toBe('Too many failed sign-ins… Try again in 4 minutes.');
    const soon = new ApiError(429, 'Too many failed sign-ins', 'locked', undefined, 30);
    expect(signInErrorText(soon)).toBe('Too many failed sign-ins. Try again in 30 seconds.');
    const unknown = new ApiError(429, 'Too many failed sign-ins', 'locked');
    expect(signInErrorText(unknown)).toBe('Too many failed sign-ins. Try again later.');
  });

  it('no answer, a bad body, a server fault', () => {
    expect(signInErrorText(new NetworkError('Failed to fetch'))).toBe(
      'Cannot reach Powerdeck. Check the connection and try again.',
    );
    expect(signInErrorText(new ApiError(400, 'body/username must NOT have fewer than 1 characters'))).toBe(
      'Enter a user name and a password.',
    );
    expect(signInErrorText(new ApiError(500, 'Internal Server Error'))).toBe(
      'Could not sign in: Internal Server Error. Try again in a moment.',
    );
  });

  it('waitText rounds up', () => {
    expect(waitText(1)).toBe('a second');
    expect(waitText(59)).toBe('59 seconds');
    expect(waitText(60)).toBe('a minute');
    expect(waitText(61)).toBe('2 minutes');
    expect(waitText(900)).toBe('15 minutes');
    expect(waitText(3 * 3600)).toBe('3 hours');
  });
});

describe('endsSession: which errors mean the session is gone', () => {
  it('a 401 from any route', () => {
    expect(endsSession(new ApiError(401, 'Sign in first', 'unauthenticated'))).toBe(true);
    expect(endsSession(new ApiError(401, 'Unauthorized'))).toBe(true);
  });
  it('not a refused sign-in, not other errors', () => {
    expect(endsSession(new ApiError(401, 'Wrong user name or password', 'bad_credentials'))).toBe(false);
    expect(endsSession(new ApiError(401, 'bad link', 'bad_display_link'))).toBe(false);
    expect(endsSession(new ApiError(403, 'no', 'forbidden'))).toBe(false);
    expect(endsSession(new NetworkError('offline'))).toBe(false);
    expect(endsSession(new Error('401'))).toBe(false);
  });
});

describe('returnPathAfterSignIn', () => {
  it('the page asked for, with its query and fragment', () => {
    expect(returnPathAfterSignIn({ pathname: '/audit', search: '?vm=7', hash: '' })).toBe('/audit?vm=7');
    expect(returnPathAfterSignIn({ pathname: '/vms/12' })).toBe('/vms/12');
    expect(returnPathAfterSignIn({ pathname: '/', search: '?status=error&group=node' })).toBe(
      '/?status=error&group=node',
    );
  });
  it('never the display landing, never the page of a refused single sign-on, never another origin', () => {
    expect(returnPathAfterSignIn({ pathname: '/display', hash: '#abc' })).toBe('/');
    expect(returnPathAfterSignIn({ pathname: '/sign-in/refused', search: '?id=abc' })).toBe('/');
    expect(returnPathAfterSignIn({ pathname: '//evil.example/x' })).toBe('/');
    expect(returnPathAfterSignIn({ pathname: '/\\evil.example' })).toBe('/');
    expect(returnPathAfterSignIn({ pathname: 'https://evil.example/' })).toBe('/');
  });
});

describe('readDisplaySecret', () => {
  it('reads the fragment', () => {
    expect(readDisplaySecret('#pdd_AbC-123_xyz')).toBe('pdd_AbC-123_xyz');
    expect(readDisplaySecret('#a%2Bb')).toBe('a+b');
  });
  it('none, or nonsense', () => {
    expect(readDisplaySecret('')).toBeNull();
    expect(readDisplaySecret('#')).toBeNull();
    expect(readDisplaySecret('#%E0%A4%A')).toBe('%E0%A4%A');
    expect(readDisplaySecret(`#${'x'.repeat(201)}`)).toBeNull();
  });
});

describe('the session query', () => {
  it('GET /api/session: the session', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(200, alice)));
    await expect(fetchSession()).resolves.toEqual(alice);
    expect(fetch.mock.calls[0]![0]).toBe('/api/session');
  });

  it('401 is null (nobody signed in), not an error', async () => {
    stubFetch(() => Promise.resolve(json(401, { err: 'Sign in first', code: 'unauthenticated' })));
    await expect(fetchSession()).resolves.toBeNull();
  });

  it('other errors are thrown', async () => {
    stubFetch(() => Promise.resolve(json(503, { err: 'starting' })));
    await expect(fetchSession()).rejects.toMatchObject({ status: 503 });
  });

  it('is never retried on a 4xx; no answer or a 5xx twice', () => {
    expect(retrySession(0, new ApiError(401, 'x'))).toBe(false);
    expect(retrySession(0, new ApiError(403, 'x'))).toBe(false);
    expect(retrySession(0, new NetworkError('x'))).toBe(true);
    expect(retrySession(1, new ApiError(502, 'x'))).toBe(true);
    expect(retrySession(2, new ApiError(502, 'x'))).toBe(false);
  });

  it('through a QueryClient: 401 is null, fetched once', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(401, { code: 'unauthenticated' })));
    const client = new QueryClient();
    await expect(client.fetchQuery(sessionQueries.current())).resolves.toBeNull();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(getSignInNotice()).toBeNull();
  });

  it('a session that is found gone on a refetch says so on the sign-in page', async () => {
    stubFetch(() => Promise.resolve(json(401, { code: 'unauthenticated' })));
    const client = new QueryClient();
    client.setQueryData(SESSION_KEY, alice);
    await expect(client.fetchQuery({ ...sessionQueries.current(), staleTime: 0 })).resolves.toBeNull();
    expect(client.getQueryData(SESSION_KEY)).toBeNull();
    expect(getSignInNotice()).toBe(SESSION_ENDED);
  });
});

describe('the cache around signing in and out', () => {
  function seeded() {
    const client = new QueryClient();
    client.setQueryData(SESSION_KEY, alice);
    client.setQueryData(['fleet', 'snapshot'], { vms: [] });
    client.setQueryData(['audit', 'page'], { rows: [] });
    client.setQueryData(['meta'], { demo: true });
    return client;
  }

  it('endSession drops the session, says it ended, keeps the rest', () => {
    const client = seeded();
    endSession(client);
    expect(client.getQueryData(SESSION_KEY)).toBeNull();
    expect(getSignInNotice()).toBe('Your session ended. Sign in again.');
    expect(client.getQueryData(['fleet', 'snapshot'])).toBeDefined();
  });

  it('endSession while nobody is signed in changes nothing', () => {
    const client = new QueryClient();
    client.setQueryData(SESSION_KEY, null);
    endSession(client);
    expect(getSignInNotice()).toBeNull();
  });

  it('signedOut clears the cache and the notice', () => {
    const client = seeded();
    setSignInNotice(SESSION_ENDED);
    signedOut(client);
    expect(client.getQueryData(SESSION_KEY)).toBeNull();
    expect(
      client
        .getQueryCache()
        .getAll()
        .map((q) => q.queryKey),
    ).toEqual([SESSION_KEY]);
    expect(getSignInNotice()).toBeNull();
  });

  it('signedIn shows the app and forgets what someone else had loaded (not the public meta)', () => {
    const client = seeded();
    endSession(client);
    const bob: SessionInfo = { ...alice, username: 'bob', role: 'viewer', permissions: ['fleet:read'] };
    signedIn(client, bob);
    expect(client.getQueryData(SESSION_KEY)).toEqual(bob);
    expect(client.getQueryData(['audit', 'page'])).toBeUndefined();
    expect(client.getQueryData(['fleet', 'snapshot'])).toBeUndefined();
    expect(client.getQueryData(['meta'])).toEqual({ demo: true });
    expect(getSignInNotice()).toBeNull();
  });
});

describe('the notice when a session ends', () => {
  it('tells a wall display its link is gone, and a person to sign in again', () => {
    expect(endedNotice({ authKind: 'display' })).toBe(DISPLAY_ENDED);
    expect(DISPLAY_ENDED).toMatch(/link was revoked/);
    expect(endedNotice({ authKind: 'session' })).toBe(SESSION_ENDED);
  });
});
