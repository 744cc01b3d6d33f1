// Sessions, display links and their sessions, on both backends (a real SQLite file, a real PostgreSQL database), with
// an injected clock; and what several servers sharing the database see of each other's sessions and links.
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR, disableUser, enableUser } from '../src/stores/admin';
import { StoreError } from '../src/stores/errors';
import type { Stores, User } from '../src/stores/types';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';
import { anotherServer, whileUncommitted } from './store-servers';

const MIN = 60_000;
const PASSWORD = 'correct horse battery staple';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(BACKENDS)('%s', (backend) => {
  let stores: TestStores;
  let now: number;
  let alice: User;
  let admin: User;

  beforeEach(async () => {
    now = Date.parse('2025-03-01T08:00:00Z');
    stores = await openTestStores(backend, { now: () => now });
    alice = await stores.users.create({ username: 'alice', role: 'helpdesk', password: PASSWORD });
    admin = await stores.users.create({ username: 'root', role: 'admin', password: PASSWORD });
  });

  describe('sessions', () => {
    it('creates a fresh 256-bit id every time and stores only its hash', async () => {
      const a = await stores.sessions.create({ kind: 'session', userId: alice.id });
      const b = await stores.sessions.create({ kind: 'session', userId: alice.id });
      expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a.secret).not.toBe(b.secret);
      const stored = await rows(stores, 'SELECT * FROM sessions ORDER BY id');
      expect(stored).toHaveLength(2);
      expect(JSON.stringify(stored)).not.toContain(a.secret);
      expect(stored[0]?.id_hash).toBe(sha256(a.secret));
      expect(a.session).toMatchObject({ kind: 'session', userId: alice.id, idleTimeoutMs: 30 * MIN });
    });

    it('looks up the principal of a live session', async () => {
      const { secret, session } = await stores.sessions.create({ kind: 'session', userId: alice.id });
      expect(await stores.sessions.lookup(secret)).toEqual({
        authKind: 'session',
        role: 'helpdesk',
        user: { id: alice.id, username: 'alice' },
        display: null,
        credentialId: session.id,
        actor: 'alice',
        signInMethod: 'password',
      });
      expect(await stores.sessions.lookup('x'.repeat(43))).toBeNull();
      expect(await stores.sessions.lookup('')).toBeNull();
      expect(await stores.sessions.lookup(`${secret}x`)).toBeNull();
    });

    it('ends a session idle for its timeout, and activity keeps it alive', async () => {
      const { secret } = await stores.sessions.create({ kind: 'session', userId: alice.id });
      now += 29 * MIN;
      expect(await stores.sessions.lookup(secret)).not.toBeNull();
      now += 29 * MIN; // 58 minutes after sign-in, 29 after the last request
      expect(await stores.sessions.lookup(secret)).not.toBeNull();
      now += 30 * MIN + 15_000;
      expect(await stores.sessions.lookup(secret)).toBeNull();
      now -= 30 * MIN - 1; // and idling out is final even if the clock steps back
      expect(await stores.sessions.lookup(secret)).toBeNull();
    });

    it('never ends a session before its idle limit after the last request, even one whose use was not written', async () => {
      const { secret } = await stores.sessions.create({ kind: 'session', userId: alice.id });
      now += 20_000;
      expect(await stores.sessions.lookup(secret)).not.toBeNull(); // written: 20 s after the last write
      now += 14_000;
      expect(await stores.sessions.lookup(secret)).not.toBeNull(); // the last request: 14 s after, not written
      now += 30 * MIN - 1; // 1 ms short of 30 idle minutes after it
      expect(await stores.sessions.lookup(secret, { touch: false })).not.toBeNull();
      now += 1_001; // at most the 15 s write interval later, it has ended
      expect(await stores.sessions.lookup(secret)).toBeNull();
    });

    it('takes a per-session idle timeout and a store-wide default', async () => {
      const short = await stores.sessions.create({
        kind: 'session',
        userId: alice.id,
        idleTimeoutMs: 5 * MIN,
      });
      now += 5 * MIN + 15_000;
      expect(await stores.sessions.lookup(short.secret)).toBeNull();
      const other = await anotherServer(stores, { now: () => now, idleTimeoutMs: 2 * MIN });
      const s = await other.sessions.create({ kind: 'session', userId: alice.id });
      now += 2 * MIN - 1;
      expect(await other.sessions.lookup(s.secret)).not.toBeNull();
      now += 2 * MIN + 15_000;
      expect(await other.sessions.lookup(s.secret)).toBeNull();
    });

    it('revokes one session, or all of a user', async () => {
      const a = await stores.sessions.create({ kind: 'session', userId: alice.id });
      const b = await stores.sessions.create({ kind: 'session', userId: alice.id });
      const c = await stores.sessions.create({ kind: 'session', userId: admin.id });
      expect(await stores.sessions.revoke(a.secret)).toBe(true);
      expect(await stores.sessions.revoke(a.secret)).toBe(false);
      expect(await stores.sessions.lookup(a.secret)).toBeNull();
      expect(await stores.sessions.lookup(b.secret)).not.toBeNull();
      expect(await stores.sessions.revokeAllForUser(alice.id)).toBe(1);
      expect(await stores.sessions.lookup(b.secret)).toBeNull();
      expect(await stores.sessions.lookup(c.secret)).not.toBeNull();
    });

    it("stops a disabled user's live session at once, and enabling does not bring it back", async () => {
      const { secret } = await stores.sessions.create({ kind: 'session', userId: alice.id });
      expect(await stores.sessions.lookup(secret)).not.toBeNull();
      await stores.users.setDisabled('alice', true);
      expect(await stores.sessions.lookup(secret)).toBeNull();
      await expect(stores.sessions.create({ kind: 'session', userId: alice.id })).rejects.toThrow(StoreError);

      const live = await (async () => {
        await stores.users.setDisabled('alice', false);
        return stores.sessions.create({ kind: 'session', userId: alice.id });
      })();
      await disableUser(stores, CLI_ACTOR, 'alice');
      expect(await stores.sessions.lookup(live.secret)).toBeNull();
      await enableUser(stores, CLI_ACTOR, 'alice');
      expect(await stores.sessions.lookup(live.secret)).toBeNull();
      expect(await stores.sessions.lookup(secret)).toBeNull();
    });

    it('sees a role change at the next lookup', async () => {
      const { secret } = await stores.sessions.create({ kind: 'session', userId: alice.id });
      await stores.users.setRole('alice', 'viewer');
      expect((await stores.sessions.lookup(secret))?.role).toBe('viewer');
    });

    it('prunes sessions that can never be used again', async () => {
      const dead = await stores.sessions.create({ kind: 'session', userId: alice.id });
      const idle = await stores.sessions.create({ kind: 'session', userId: alice.id, idleTimeoutMs: MIN });
      const live = await stores.sessions.create({ kind: 'session', userId: alice.id });
      await stores.sessions.revoke(dead.secret);
      now += 2 * MIN;
      expect(await stores.sessions.prune()).toBe(2);
      expect(await stores.sessions.lookup(live.secret)).not.toBeNull();
      expect(await stores.sessions.lookup(idle.secret)).toBeNull();
    });
  });

  describe('display links', () => {
    it('are created by an admin, shown once, stored hashed, and listed', async () => {
      const { secret, link } = await stores.displayLinks.create({ name: ' Ops wall ', createdBy: admin.id });
      expect(secret).toMatch(/^pdd_[A-Za-z0-9_-]{43}$/);
      expect(link).toMatchObject({
        name: 'Ops wall',
        createdBy: { id: admin.id, username: 'root' },
        lastUsedAt: null,
        revokedAt: null,
      });
      const raw = await rows(stores, 'SELECT * FROM display_links');
      expect(JSON.stringify(raw)).not.toContain(secret.slice(4));
      expect(raw[0]?.secret_hash).toBe(sha256(secret));
      expect((await stores.displayLinks.list()).map((l) => l.name)).toEqual(['Ops wall']);
      expect((await stores.displayLinks.get(link.id))?.name).toBe('Ops wall');
    });

    it('only an enabled admin may create one, with a sensible name', async () => {
      const err = await stores.displayLinks
        .create({ name: 'x', createdBy: alice.id })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'forbidden' });
      await expect(stores.displayLinks.create({ name: '  ', createdBy: admin.id })).rejects.toMatchObject({
        code: 'invalid',
      });
      await expect(stores.displayLinks.create({ name: 'a\nb', createdBy: admin.id })).rejects.toMatchObject({
        code: 'invalid',
      });
    });

    it('give viewer display sessions that never idle out', async () => {
      const { secret, link } = await stores.displayLinks.create({ name: 'NOC', createdBy: admin.id });
      const verified = await stores.displayLinks.verify(secret);
      expect(verified?.id).toBe(link.id);
      expect(verified?.lastUsedAt).toBe(new Date(now).toISOString());
      expect(await stores.displayLinks.verify(`pdd_${'A'.repeat(43)}`)).toBeNull();
      expect(await stores.displayLinks.verify(secret.slice(4))).toBeNull();

      const s = await stores.sessions.create({ kind: 'display', displayLinkId: link.id });
      expect(s.session.idleTimeoutMs).toBeNull();
      now += 45 * 24 * 60 * MIN; // six weeks without a reload
      expect(await stores.sessions.lookup(s.secret)).toEqual({
        authKind: 'display',
        role: 'viewer',
        user: null,
        display: { id: link.id, name: 'NOC' },
        credentialId: s.session.id,
        actor: 'display:NOC',
      });
    });

    it('revoking a link ends its displays at once', async () => {
      const { secret, link } = await stores.displayLinks.create({ name: 'Lobby', createdBy: admin.id });
      const s = await stores.sessions.create({ kind: 'display', displayLinkId: link.id });
      expect(await stores.displayLinks.revoke(link.id)).toBe(true);
      expect(await stores.displayLinks.revoke(link.id)).toBe(false);
      expect(await stores.sessions.lookup(s.secret)).toBeNull();
      expect(await stores.displayLinks.verify(secret)).toBeNull();
      await expect(stores.sessions.create({ kind: 'display', displayLinkId: link.id })).rejects.toMatchObject(
        {
          code: 'not_found',
        },
      );
      expect((await stores.displayLinks.get(link.id))?.revokedAt).toBe(new Date(now).toISOString());
    });

    it('are not tied to their creator staying enabled', async () => {
      const { link } = await stores.displayLinks.create({ name: 'Hall', createdBy: admin.id });
      const s = await stores.sessions.create({ kind: 'display', displayLinkId: link.id });
      await stores.users.setDisabled('root', true);
      expect((await stores.sessions.lookup(s.secret))?.role).toBe('viewer');
    });
  });

  describe('on several servers sharing the database', () => {
    let other: Stores;
    beforeEach(async () => {
      other = await anotherServer(stores, { now: () => now });
    });

    it('a session made through one server is found, kept alive and idled out through the other', async () => {
      const { secret, session } = await stores.sessions.create({ kind: 'session', userId: alice.id });
      expect(await other.sessions.lookup(secret)).toEqual({
        authKind: 'session',
        role: 'helpdesk',
        user: { id: alice.id, username: 'alice' },
        display: null,
        credentialId: session.id,
        actor: 'alice',
        signInMethod: 'password',
      });
      now += 20 * MIN;
      expect(await other.sessions.lookup(secret)).not.toBeNull(); // the request that keeps it alive, on the other
      now += 30 * MIN + 15_000 - 1; // 50 minutes after sign-in: alive only because the other server wrote that use
      expect(await stores.sessions.lookup(secret, { touch: false })).not.toBeNull();
      now += 1;
      expect(await stores.sessions.lookup(secret)).toBeNull();
      now -= 10 * MIN; // idled out for every server, whatever their clocks say
      expect(await other.sessions.lookup(secret)).toBeNull();
    });

    it('a sign-out, or the end of all of a user’s sessions, through one server ends them on the other', async () => {
      const a = await other.sessions.create({ kind: 'session', userId: alice.id });
      const b = await other.sessions.create({ kind: 'session', userId: alice.id });
      const c = await stores.sessions.create({ kind: 'session', userId: admin.id });
      expect(await stores.sessions.revoke(a.secret)).toBe(true);
      expect(await other.sessions.revoke(a.secret)).toBe(false);
      expect(await other.sessions.lookup(a.secret)).toBeNull();
      expect(await other.sessions.lookup(b.secret)).not.toBeNull();
      expect(await stores.sessions.revokeAllForUser(alice.id)).toBe(1);
      expect(await other.sessions.lookup(b.secret)).toBeNull();
      await other.users.setDisabled('root', true);
      expect(await stores.sessions.lookup(c.secret)).toBeNull();
    });

    it('a display link made through one server opens displays on the other until it is revoked there', async () => {
      const { secret, link } = await stores.displayLinks.create({ name: 'NOC', createdBy: admin.id });
      expect((await other.displayLinks.verify(secret))?.id).toBe(link.id);
      expect((await stores.displayLinks.get(link.id))?.lastUsedAt).toBe(new Date(now).toISOString());
      expect((await other.displayLinks.list()).map((l) => l.name)).toEqual(['NOC']);
      const s = await other.sessions.create({ kind: 'display', displayLinkId: link.id });
      expect((await stores.sessions.lookup(s.secret))?.actor).toBe('display:NOC');
      expect(await other.displayLinks.revoke(link.id)).toBe(true);
      expect(await stores.displayLinks.revoke(link.id)).toBe(false);
      expect(await stores.displayLinks.verify(secret)).toBeNull();
      expect(await stores.sessions.lookup(s.secret)).toBeNull();
    });

    it.runIf(backend === 'postgres')(
      'a sign-in at the moment another server disables the user is refused, so no session outlives the disable',
      async () => {
        if (stores.backend !== 'postgres') return;
        const url = stores.pool.options.connectionString ?? '';
        const outcome = await whileUncommitted(
          url,
          [`UPDATE users SET disabled = TRUE WHERE id = ${alice.id}`],
          () => stores.sessions.create({ kind: 'session', userId: alice.id }),
        );
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'not_found' });
        // Enabled again: nothing from that moment comes back.
        await other.users.setDisabled('alice', false);
        expect(await rows(stores, 'SELECT id FROM sessions')).toEqual([]);
      },
    );
  });
});
