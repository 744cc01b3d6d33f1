// Personal access tokens on both backends (a real SQLite file, a real PostgreSQL database), with an injected clock;
// and what several servers sharing the database see of each other's tokens.
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROLES, type Stores, type User } from '../src/stores/types';
import { roleRank } from '@powerdeck/contracts/roles';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';
import { anotherServer, whileUncommitted } from './store-servers';

const DAY = 24 * 60 * 60_000;
const PASSWORD = 'correct horse battery staple';

describe.each(BACKENDS)('%s', (backend) => {
  let stores: TestStores;
  let now: number;
  let helpdesk: User;
  let admin: User;

  const inDays = (days: number) => new Date(now + days * DAY);

  beforeEach(async () => {
    now = Date.parse('2025-03-01T08:00:00Z');
    stores = await openTestStores(backend, { now: () => now });
    helpdesk = await stores.users.create({ username: 'hal', role: 'helpdesk', password: PASSWORD });
    admin = await stores.users.create({ username: 'ada', role: 'admin', password: PASSWORD });
  });

  describe('personal access tokens', () => {
    it('are shown once as pd_..., stored as a SHA-256 hash with a short prefix', async () => {
      const { token, info } = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'restart script',
        role: 'helpdesk',
        expiresAt: inDays(30),
      });
      expect(token).toMatch(/^pd_[A-Za-z0-9_-]{43}$/);
      expect(info).toMatchObject({
        user: { id: helpdesk.id, username: 'hal' },
        name: 'restart script',
        role: 'helpdesk',
        prefix: token.slice(0, 11),
        expiresAt: inDays(30).toISOString(),
        lastUsedAt: null,
        revokedAt: null,
      });
      const raw = await rows(stores, 'SELECT * FROM access_tokens');
      expect(JSON.stringify(raw)).not.toContain(token);
      expect(JSON.stringify(raw)).not.toContain(token.slice(11));
      expect(raw[0]?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(await stores.tokens.list({}))).not.toContain(token);
    });

    it('look up to their principal and record their last use', async () => {
      const { token, info } = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'ro',
        role: 'viewer',
        expiresAt: inDays(1),
      });
      expect(await stores.tokens.lookup(token)).toEqual({
        authKind: 'token',
        role: 'viewer',
        user: { id: helpdesk.id, username: 'hal' },
        display: null,
        credentialId: info.id,
        actor: 'hal',
      });
      expect((await stores.tokens.get(info.id))?.lastUsedAt).toBe(new Date(now).toISOString());
      expect(await stores.tokens.lookup(`pd_${'A'.repeat(43)}`)).toBeNull();
      expect(await stores.tokens.lookup(token.slice(3))).toBeNull();
      expect(await stores.tokens.lookup('Bearer nonsense')).toBeNull();
    });

    it('need an expiry in the future and at most a year away', async () => {
      const base = { userId: helpdesk.id, name: 't', role: 'viewer' as const };
      await expect(stores.tokens.create({ ...base, expiresAt: inDays(0) })).rejects.toMatchObject({
        code: 'invalid',
      });
      await expect(stores.tokens.create({ ...base, expiresAt: inDays(-1) })).rejects.toMatchObject({
        code: 'invalid',
      });
      await expect(stores.tokens.create({ ...base, expiresAt: inDays(367) })).rejects.toMatchObject({
        code: 'invalid',
        message: expect.stringMatching(/at most 366 days/),
      });
      await expect(
        stores.tokens.create({ ...base, expiresAt: undefined as unknown as Date }),
      ).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/expiry/) });
      await expect(stores.tokens.create({ ...base, expiresAt: new Date(Number.NaN) })).rejects.toMatchObject({
        code: 'invalid',
      });
      expect((await stores.tokens.create({ ...base, expiresAt: inDays(365) })).info.role).toBe('viewer');
    });

    it('may not carry a role above their owner', async () => {
      await expect(
        stores.tokens.create({ userId: helpdesk.id, name: 'x', role: 'admin', expiresAt: inDays(1) }),
      ).rejects.toMatchObject({ code: 'forbidden' });
      const { token } = await stores.tokens.create({
        userId: admin.id,
        name: 'ops',
        role: 'admin',
        expiresAt: inDays(1),
      });
      expect((await stores.tokens.lookup(token))?.role).toBe('admin');
      // An owner demoted later caps what the token can do.
      await stores.users.setRole('ada', 'helpdesk');
      expect((await stores.tokens.lookup(token))?.role).toBe('helpdesk');
    });

    it("never act above their owner's current role, whatever it becomes", async () => {
      for (const tokenRole of ROLES) {
        await stores.users.setRole('ada', 'admin');
        const { token } = await stores.tokens.create({
          userId: admin.id,
          name: `as ${tokenRole}`,
          role: tokenRole,
          expiresAt: inDays(1),
        });
        for (const ownerRole of [...ROLES, ...[...ROLES].reverse()]) {
          await stores.users.setRole('ada', ownerRole);
          const role = (await stores.tokens.lookup(token))?.role;
          expect(role, `${tokenRole} token, ${ownerRole} owner`).toBe(
            roleRank(tokenRole) <= roleRank(ownerRole) ? tokenRole : ownerRole,
          );
        }
      }
    });

    it('stop working when expired', async () => {
      const { token } = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'short',
        role: 'helpdesk',
        expiresAt: inDays(2),
      });
      now += 2 * DAY - 1;
      expect(await stores.tokens.lookup(token)).not.toBeNull();
      now += 1;
      expect(await stores.tokens.lookup(token)).toBeNull();
    });

    it('are pruned once they have been expired for the time asked, revoked or not; live ones stay', async () => {
      const made = async (name: string, expiresAt: Date) =>
        (await stores.tokens.create({ userId: helpdesk.id, name, role: 'helpdesk', expiresAt })).info.id;
      await made('soon', new Date(now + 8 * 3600_000));
      const revoked = await made('revoked', new Date(now + 8 * 3600_000));
      await stores.tokens.revoke(revoked);
      const later = await made('later', inDays(3));
      const ids = async () => (await stores.tokens.list({})).map((t) => t.id).sort((a, b) => a - b);

      now += 8 * 3600_000 + DAY - 1;
      expect(await stores.tokens.prune(DAY)).toBe(0);
      now += 1;
      expect(await stores.tokens.prune(DAY)).toBe(2);
      expect(await ids()).toEqual([later]);
      expect(await stores.tokens.prune(DAY)).toBe(0);
      now += 2 * DAY;
      expect(await stores.tokens.prune(0)).toBe(1);
      expect(await ids()).toEqual([]);
    });

    it('stop working when revoked, by their owner or an admin', async () => {
      const a = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'a',
        role: 'viewer',
        expiresAt: inDays(9),
      });
      const b = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'b',
        role: 'viewer',
        expiresAt: inDays(9),
      });
      // Another user cannot revoke hal's token through the owner-scoped call.
      expect(await stores.tokens.revoke(a.info.id, { userId: admin.id })).toBe(false);
      expect(await stores.tokens.lookup(a.token)).not.toBeNull();
      expect(await stores.tokens.revoke(a.info.id, { userId: helpdesk.id })).toBe(true);
      expect(await stores.tokens.revoke(a.info.id, { userId: helpdesk.id })).toBe(false);
      expect(await stores.tokens.lookup(a.token)).toBeNull();
      expect(await stores.tokens.revoke(b.info.id)).toBe(true);
      expect(await stores.tokens.lookup(b.token)).toBeNull();
      expect((await stores.tokens.get(b.info.id))?.revokedAt).toBe(new Date(now).toISOString());
    });

    it('are found by their value, in any state, without touching their last use; hours-long ones too', async () => {
      const { token, info } = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'api login from 127.0.0.1',
        role: 'helpdesk',
        expiresAt: new Date(now + 8 * 3600_000),
      });
      expect(await stores.tokens.find(token)).toEqual(info);
      expect((await stores.tokens.find(token))?.lastUsedAt).toBeNull();
      now += 8 * 3600_000;
      expect(await stores.tokens.lookup(token)).toBeNull();
      expect((await stores.tokens.find(token))?.id).toBe(info.id);
      await stores.tokens.revoke(info.id);
      expect((await stores.tokens.find(token))?.revokedAt).toBe(new Date(now).toISOString());
      expect(await stores.tokens.find(`pd_${'x'.repeat(43)}`)).toBeNull();
      expect(await stores.tokens.find('not a token')).toBeNull();
    });

    it('stop working while their owner is disabled', async () => {
      const { token } = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'cron',
        role: 'viewer',
        expiresAt: inDays(9),
      });
      await stores.users.setDisabled('hal', true);
      expect(await stores.tokens.lookup(token)).toBeNull();
      await expect(
        stores.tokens.create({ userId: helpdesk.id, name: 'n', role: 'viewer', expiresAt: inDays(1) }),
      ).rejects.toMatchObject({ code: 'not_found' });
    });

    it('are revoked all at once for a user (disable, password change): only their live ones, for good', async () => {
      const make = (userId: number, name: string, days = 9) =>
        stores.tokens.create({ userId, name, role: 'viewer', expiresAt: inDays(days) });
      const a = await make(helpdesk.id, 'a');
      const b = await make(helpdesk.id, 'b', 1);
      const gone = await make(helpdesk.id, 'gone');
      await stores.tokens.revoke(gone.info.id);
      const old = await make(helpdesk.id, 'old', 1);
      const theirs = await make(admin.id, 'theirs');
      now += DAY; // b and old expire
      const c = await make(helpdesk.id, 'c');
      expect(await stores.tokens.activeCountByUser()).toEqual(
        new Map([
          [helpdesk.id, 2],
          [admin.id, 1],
        ]),
      );

      now += 1000;
      const revoked = await stores.tokens.revokeAllOfUser(helpdesk.id);
      expect(revoked.map((t) => [t.name, t.revokedAt])).toEqual([
        ['c', new Date(now).toISOString()],
        ['a', new Date(now).toISOString()],
      ]);
      for (const t of [a, b, c, old, gone]) expect(await stores.tokens.lookup(t.token)).toBeNull();
      expect(await stores.tokens.lookup(theirs.token)).not.toBeNull();
      // Expired and already revoked ones keep what they were.
      expect((await stores.tokens.get(b.info.id))?.revokedAt).toBeNull();
      expect((await stores.tokens.get(gone.info.id))?.revokedAt).not.toBe(new Date(now).toISOString());
      expect(await stores.tokens.activeCountByUser()).toEqual(new Map([[admin.id, 1]]));
      expect(await stores.tokens.revokeAllOfUser(helpdesk.id)).toEqual([]);
    });

    it('list a user’s own tokens, or everyone’s, newest first', async () => {
      await stores.tokens.create({ userId: helpdesk.id, name: 'one', role: 'viewer', expiresAt: inDays(1) });
      await stores.tokens.create({ userId: admin.id, name: 'two', role: 'admin', expiresAt: inDays(1) });
      await stores.tokens.create({
        userId: helpdesk.id,
        name: 'three',
        role: 'viewer',
        expiresAt: inDays(1),
      });
      expect((await stores.tokens.list({ userId: helpdesk.id })).map((t) => t.name)).toEqual([
        'three',
        'one',
      ]);
      expect((await stores.tokens.list({})).map((t) => t.name)).toEqual(['three', 'two', 'one']);
      await expect(
        stores.tokens.create({ userId: helpdesk.id, name: '', role: 'viewer', expiresAt: inDays(1) }),
      ).rejects.toMatchObject({ code: 'invalid' });
    });
  });

  describe('on several servers sharing the database', () => {
    let other: Stores;
    beforeEach(async () => {
      other = await anotherServer(stores, { now: () => now });
    });

    it('a token made through one server works through the other until it is revoked there', async () => {
      const { token, info } = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'cron',
        role: 'viewer',
        expiresAt: inDays(9),
      });
      expect((await other.tokens.lookup(token))?.credentialId).toBe(info.id);
      expect((await stores.tokens.get(info.id))?.lastUsedAt).toBe(new Date(now).toISOString());
      expect((await other.tokens.list({ userId: helpdesk.id })).map((t) => t.name)).toEqual(['cron']);
      expect(await other.tokens.activeCountByUser()).toEqual(new Map([[helpdesk.id, 1]]));
      expect(await other.tokens.revoke(info.id, { userId: helpdesk.id })).toBe(true);
      expect(await stores.tokens.revoke(info.id)).toBe(false);
      expect(await stores.tokens.lookup(token)).toBeNull();
    });

    it('revoking all of a user’s tokens through one server ends those made through the other', async () => {
      const a = await other.tokens.create({
        userId: helpdesk.id,
        name: 'a',
        role: 'viewer',
        expiresAt: inDays(9),
      });
      const b = await stores.tokens.create({
        userId: helpdesk.id,
        name: 'b',
        role: 'viewer',
        expiresAt: inDays(9),
      });
      expect((await stores.tokens.revokeAllOfUser(helpdesk.id)).map((t) => t.name)).toEqual(['b', 'a']);
      expect(await other.tokens.lookup(a.token)).toBeNull();
      expect(await other.tokens.lookup(b.token)).toBeNull();
    });

    it.runIf(backend === 'postgres')(
      'a token made at the moment another server disables its owner is refused, so none outlives the disable',
      async () => {
        if (stores.backend !== 'postgres') return;
        const url = stores.pool.options.connectionString ?? '';
        const outcome = await whileUncommitted(
          url,
          [`UPDATE users SET disabled = TRUE WHERE id = ${helpdesk.id}`],
          () =>
            stores.tokens.create({ userId: helpdesk.id, name: 'late', role: 'viewer', expiresAt: inDays(1) }),
        );
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'not_found' });
        await other.users.setDisabled('hal', false);
        expect(await rows(stores, 'SELECT id FROM access_tokens')).toEqual([]);
      },
    );
  });
});
