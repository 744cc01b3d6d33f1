// Single sign-on's stores on both backends (a real SQLite file, a real PostgreSQL database), with an injected clock:
// SSO users (made at the first sign-in, found by subject, role from each sign-in, no password), the absolute limit
// of a person's session, sign-ins under way consumed once and only by their browser, refusals, the sign-in settings;
// and, on PostgreSQL, two servers racing for the same callback.
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../src/stores/errors';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';
import { anotherServer } from './store-servers';

const HOUR = 3600_000;
const PASSWORD = 'correct horse battery staple';
const SUBJECT = 'https://idp.example.com ann-sub';

describe.each(BACKENDS)('%s', (backend) => {
  let stores: TestStores;
  let now: number;

  beforeEach(async () => {
    now = Date.parse('2025-03-01T08:00:00Z');
    stores = await openTestStores(backend, { now: () => now, sessionMaxAgeMs: 12 * HOUR });
  });

  it('makes an SSO user at the first sign-in, finds them by subject after, with the role of each sign-in', async () => {
    const first = await stores.users.signInSso({
      subject: SUBJECT,
      username: 'Ann@Example.com',
      role: 'viewer',
    });
    expect(first).toMatchObject({
      username: 'ann@example.com',
      role: 'viewer',
      source: 'sso',
      ssoSubject: SUBJECT,
    });
    expect(first.lastSignInAt).toBe(new Date(now).toISOString());
    now += HOUR;
    // The provider's name may change; the subject is who it is.
    const again = await stores.users.signInSso({ subject: SUBJECT, username: 'ann.other', role: 'admin' });
    expect(again).toMatchObject({ id: first.id, username: 'ann@example.com', role: 'admin' });
    expect(again.lastSignInAt).toBe(new Date(now).toISOString());
    expect(await stores.users.list()).toHaveLength(1);
    // No password: a password sign-in fails, a password change is refused.
    expect(await stores.users.verifyPassword('ann@example.com', PASSWORD)).toEqual({
      ok: false,
      reason: 'sso_user',
    });
    await expect(stores.users.setPassword('ann@example.com', PASSWORD)).rejects.toMatchObject({
      code: 'conflict',
    });
    // A disabled SSO user is answered unchanged (the caller refuses).
    await stores.users.setDisabled('ann@example.com', true);
    const disabled = await stores.users.signInSso({ subject: SUBJECT, username: 'x', role: 'viewer' });
    expect(disabled).toMatchObject({ role: 'admin', disabled: true });
  });

  it("refuses an SSO user whose name a local user holds, and keeps the local user's password", async () => {
    await stores.users.create({ username: 'bob', role: 'viewer', password: PASSWORD });
    const err = await stores.users
      .signInSso({ subject: 'https://idp bob-sub', username: 'BOB', role: 'admin' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'exists' });
    expect((await stores.users.verifyPassword('bob', PASSWORD)).ok).toBe(true);
    expect(await stores.users.get('bob')).toMatchObject({ source: 'local', role: 'viewer' });
  });

  it("ends a person's session at the absolute limit however active, and records how it began", async () => {
    const user = await stores.users.create({ username: 'carl', role: 'viewer', password: PASSWORD });
    const idleTimeoutMs = 2 * HOUR;
    const pw = await stores.sessions.create({ kind: 'session', userId: user.id, idleTimeoutMs });
    const sso = await stores.sessions.create({
      kind: 'session',
      userId: user.id,
      idleTimeoutMs,
      signInMethod: 'sso',
      idToken: 'eyJ.x.y',
    });
    expect(pw.session).toMatchObject({
      signInMethod: 'password',
      expiresAt: new Date(now + 12 * HOUR).toISOString(),
    });
    expect((await stores.sessions.lookup(sso.secret))?.signInMethod).toBe('sso');
    expect(await stores.sessions.idTokenOf(sso.secret)).toBe('eyJ.x.y');
    expect(await stores.sessions.idTokenOf(pw.secret)).toBeNull();
    for (let h = 0; h < 11; h += 1) {
      now += HOUR - 1000;
      expect(await stores.sessions.lookup(pw.secret)).not.toBeNull();
    }
    now = Date.parse('2025-03-01T20:00:00Z');
    expect(await stores.sessions.lookup(pw.secret)).toBeNull();
    expect(await stores.sessions.lookup(sso.secret)).toBeNull();
  });

  it('ends the password sessions of everyone but the named users', async () => {
    const a = await stores.users.create({ username: 'a', role: 'admin', password: PASSWORD });
    const b = await stores.users.create({ username: 'b', role: 'viewer', password: PASSWORD });
    const keep = await stores.sessions.create({ kind: 'session', userId: a.id });
    const gone = await stores.sessions.create({ kind: 'session', userId: b.id });
    const sso = await stores.sessions.create({ kind: 'session', userId: b.id, signInMethod: 'sso' });
    expect(await stores.sessions.revokePasswordSessionsExcept([a.id])).toBe(1);
    expect(await stores.sessions.lookup(keep.secret)).not.toBeNull();
    expect(await stores.sessions.lookup(gone.secret)).toBeNull();
    expect(await stores.sessions.lookup(sso.secret)).not.toBeNull();
  });

  it('consumes a sign-in under way once, only for the browser that started it, within its age', async () => {
    const pending = { state: 'st-1', nonce: 'n-1', codeVerifier: 'v-1', returnTo: '/fleet' };
    await stores.sso.createPending('browser-a', pending);
    expect(await stores.sso.consumePending('browser-b', 'st-1', 600_000)).toBeNull();
    expect(await stores.sso.consumePending('browser-a', 'st-1', 600_000)).toMatchObject(pending);
    expect(await stores.sso.consumePending('browser-a', 'st-1', 600_000)).toBeNull();
    const stored = await rows(stores, 'SELECT * FROM sso_pending');
    expect(JSON.stringify(stored)).not.toContain('browser-a');
    await stores.sso.createPending('browser-a', { ...pending, state: 'st-2' });
    now += 600_001;
    expect(await stores.sso.consumePending('browser-a', 'st-2', 600_000)).toBeNull();
  });

  it('prunes sign-ins under way once consumed or expired, and refusals once their page is gone', async () => {
    const pending = (state: string) => ({ state, nonce: 'n', codeVerifier: 'v', returnTo: '/' });
    await stores.sso.createPending('browser-a', pending('old'));
    await stores.sso.createPending('browser-a', pending('used'));
    const oldRefusal = await stores.sso.addRefusal('browser-a', { reason: 'no-rule' });
    now += 6 * 60_000;
    await stores.sso.createPending('browser-a', pending('fresh'));
    const freshRefusal = await stores.sso.addRefusal('browser-a', { reason: 'domain' });
    expect(await stores.sso.consumePending('browser-a', 'used', 600_000)).not.toBeNull();
    // 6 minutes on: only the consumed one has ended.
    expect(await stores.sso.prune(600_000, 900_000)).toEqual({ signIns: 1, refusals: 0 });
    now += 5 * 60_000;
    // 11 minutes: the unused first one has expired; 'fresh' (5 minutes old) stays and still works.
    expect(await stores.sso.prune(600_000, 900_000)).toEqual({ signIns: 1, refusals: 0 });
    expect(await rows(stores, 'SELECT state FROM sso_pending')).toEqual([{ state: 'fresh' }]);
    now += 5 * 60_000;
    // 16 minutes: the first refusal's page is gone; the other (10 minutes old) is still shown.
    expect(await stores.sso.prune(600_000, 900_000)).toEqual({ signIns: 0, refusals: 1 });
    expect(await stores.sso.getRefusal(oldRefusal, 'browser-a', 900_000)).toBeNull();
    expect(await stores.sso.getRefusal(freshRefusal, 'browser-a', 900_000)).toEqual({ reason: 'domain' });
    // A moment later 'fresh' is more than 10 minutes old: gone, unused.
    now += 1;
    expect(await stores.sso.prune(600_000, 900_000)).toEqual({ signIns: 1, refusals: 0 });
    expect(await rows(stores, 'SELECT state FROM sso_pending')).toEqual([]);
  });

  it('keeps a refusal for its browser for a while, and the sign-in settings', async () => {
    const id = await stores.sso.addRefusal('browser-a', { reason: 'no-rule', groups: ['x'] });
    expect(await stores.sso.getRefusal(id, 'browser-a', 900_000)).toEqual({
      reason: 'no-rule',
      groups: ['x'],
    });
    expect(await stores.sso.getRefusal(id, 'browser-b', 900_000)).toBeNull();
    now += 900_001;
    expect(await stores.sso.getRefusal(id, 'browser-a', 900_000)).toBeNull();
    expect(await stores.sso.prune(600_000, 900_000)).toEqual({ signIns: 0, refusals: 1 });
    expect(await stores.sso.getSignInSettings()).toEqual({
      passwordSignIn: 'everyone',
      breakGlassAdmins: [],
    });
    await stores.sso.putSignInSettings({ passwordSignIn: 'break-glass', breakGlassAdmins: ['root'] });
    expect(await stores.sso.getSignInSettings()).toEqual({
      passwordSignIn: 'break-glass',
      breakGlassAdmins: ['root'],
    });
  });

  it('one of two servers racing for the same callback gets the sign-in, the other nothing', async () => {
    if (stores.backend !== 'postgres') return;
    const other = await anotherServer(stores, { now: () => now });
    {
      for (let i = 0; i < 10; i += 1) {
        await stores.sso.createPending('b', {
          state: `race-${i}`,
          nonce: 'n',
          codeVerifier: 'v',
          returnTo: '/',
        });
        const got = await Promise.all([
          stores.sso.consumePending('b', `race-${i}`, 600_000),
          other.sso.consumePending('b', `race-${i}`, 600_000),
        ]);
        expect(got.filter((g) => g !== null)).toHaveLength(1);
      }
      // Two servers signing the same new person in at once make one user.
      const both = await Promise.all([
        stores.users.signInSso({ subject: 'iss dan', username: 'dan', role: 'viewer' }),
        other.users.signInSso({ subject: 'iss dan', username: 'dan', role: 'viewer' }),
      ]);
      expect(both[0].id).toBe(both[1].id);
    }
  });
});
