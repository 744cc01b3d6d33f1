// The users store on both backends (a real SQLite file, a real PostgreSQL database) with real argon2id.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../src/stores/errors';
import { PgUserStore } from '../src/stores/postgres/users';
import { SqliteUserStore } from '../src/stores/sqlite/users';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';

const PASSWORD = 'correct horse battery staple';

async function refusal(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe.each(BACKENDS)('users store (%s)', (backend) => {
  let stores: TestStores;
  beforeEach(async () => {
    stores = await openTestStores(backend);
  });

  const hashOf = async (name: string) =>
    (await rows<{ h: string }>(stores, `SELECT password_hash AS h FROM users WHERE username = '${name}'`))[0]
      ?.h;

  it('creates a user with a lower-case name and an argon2id hash, never the password', async () => {
    const user = await stores.users.create({ username: 'Alice', role: 'admin', password: PASSWORD });
    expect(user).toMatchObject({ username: 'alice', role: 'admin', disabled: false });
    expect(user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await hashOf('alice')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const stored = await rows(stores, 'SELECT * FROM users');
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    if (stores.backend === 'sqlite') {
      stores.db.pragma('wal_checkpoint(TRUNCATE)');
      expect(readFileSync(join(stores.dir, 'powerdeck.db')).includes(PASSWORD)).toBe(false);
    }
    expect(JSON.stringify(user)).not.toContain('argon2');
  });

  it('finds users case-insensitively and refuses a second one whatever the case', async () => {
    await stores.users.create({ username: 'bob', role: 'viewer', password: PASSWORD });
    expect((await stores.users.get('BOB'))?.username).toBe('bob');
    expect(await stores.users.get('nobody')).toBeNull();
    expect(await stores.users.get('not a name!')).toBeNull();
    const err = await refusal(stores.users.create({ username: 'Bob', role: 'admin', password: PASSWORD }));
    expect(err.code).toBe('exists');
  });

  it('refuses bad names, roles and short passwords', async () => {
    for (const username of ['', 'a b', 'x'.repeat(65), 'zoë', 'semi;colon']) {
      const err = await refusal(stores.users.create({ username, role: 'viewer', password: PASSWORD }));
      expect(err.code).toBe('invalid');
    }
    expect(
      (await stores.users.create({ username: 'a'.repeat(64), role: 'viewer', password: PASSWORD })).username,
    ).toHaveLength(64);
    const role = await refusal(
      stores.users.create({ username: 'r', role: 'root' as 'admin', password: PASSWORD }),
    );
    expect(role.message).toMatch(/viewer, helpdesk, admin/);
    const short = await refusal(
      stores.users.create({ username: 's', role: 'viewer', password: 'elevenchars' }),
    );
    expect(short.message).toMatch(/at least 12 characters/);
    expect(
      (await stores.users.create({ username: 's', role: 'viewer', password: 'twelve chars' })).username,
    ).toBe('s');
  });

  it('lists users by name', async () => {
    await stores.users.create({ username: 'carol', role: 'helpdesk', password: PASSWORD });
    await stores.users.create({ username: 'alice', role: 'admin', password: PASSWORD });
    expect((await stores.users.list()).map((u) => [u.username, u.role])).toEqual([
      ['alice', 'admin'],
      ['carol', 'helpdesk'],
    ]);
  });

  it('verifies passwords: right, wrong, unknown user, disabled user', async () => {
    await stores.users.create({ username: 'dave', role: 'helpdesk', password: PASSWORD });
    const ok = await stores.users.verifyPassword('Dave', PASSWORD);
    expect(ok.ok && ok.user.username).toBe('dave');
    expect(await stores.users.verifyPassword('dave', `${PASSWORD}!`)).toEqual({
      ok: false,
      reason: 'bad_password',
    });
    expect(await stores.users.verifyPassword('eve', PASSWORD)).toEqual({ ok: false, reason: 'unknown_user' });
    expect(await stores.users.verifyPassword('', '')).toEqual({ ok: false, reason: 'unknown_user' });
    await stores.users.setDisabled('dave', true);
    expect(await stores.users.verifyPassword('dave', PASSWORD)).toEqual({ ok: false, reason: 'disabled' });
    // A wrong password for a disabled user says only that the password is wrong.
    expect(await stores.users.verifyPassword('dave', 'wrong password')).toEqual({
      ok: false,
      reason: 'bad_password',
    });
  });

  it('spends a real argon2 verify on unknown users too', { timeout: 30_000 }, async () => {
    await stores.users.create({ username: 'frank', role: 'viewer', password: PASSWORD });
    await stores.users.verifyPassword('ghost', PASSWORD); // makes the dummy hash once
    const time = async (name: string) => {
      const t = performance.now();
      await stores.users.verifyPassword(name, 'a wrong password');
      return performance.now() - t;
    };
    const known = Math.min(await time('frank'), await time('frank'));
    const unknown = Math.min(await time('ghost'), await time('ghost'));
    // A verify costs tens of milliseconds; a bare "no such row" would cost well under one.
    expect(unknown).toBeGreaterThan(known * 0.25);
  });

  it('changes passwords and roles, and says when the user does not exist', async () => {
    await stores.users.create({ username: 'gina', role: 'viewer', password: PASSWORD });
    await stores.users.setPassword('gina', 'a brand new passphrase');
    expect((await stores.users.verifyPassword('gina', PASSWORD)).ok).toBe(false);
    expect((await stores.users.verifyPassword('gina', 'a brand new passphrase')).ok).toBe(true);
    expect((await refusal(stores.users.setPassword('gina', 'short'))).code).toBe('invalid');
    expect((await stores.users.setRole('gina', 'helpdesk')).role).toBe('helpdesk');
    expect((await refusal(stores.users.setPassword('nobody', PASSWORD))).code).toBe('not_found');
    expect((await refusal(stores.users.setRole('nobody', 'admin'))).code).toBe('not_found');
    expect((await refusal(stores.users.setDisabled('nobody', true))).code).toBe('not_found');
  });

  it('upgrades a hash made with older cost settings at the next successful sign-in', async () => {
    const hashOptions = { timeCost: 1, memoryCost: 8192 };
    const cheap =
      stores.backend === 'sqlite'
        ? new SqliteUserStore(stores.db, { hashOptions })
        : new PgUserStore(stores.pool, { hashOptions });
    await cheap.create({ username: 'henry', role: 'viewer', password: PASSWORD });
    expect(await hashOf('henry')).toMatch(/m=8192,t=1,p=1/);
    expect((await stores.users.verifyPassword('henry', PASSWORD)).ok).toBe(true);
    expect(await hashOf('henry')).toMatch(/m=19456,t=2,p=1/);
    expect((await stores.users.verifyPassword('henry', PASSWORD)).ok).toBe(true);
  });

  it('keeps an enabled admin when two changes to the last two admins come at the same moment', async () => {
    await stores.users.create({ username: 'ann', role: 'admin', password: PASSWORD });
    await stores.users.create({ username: 'bea', role: 'admin', password: PASSWORD });
    // Several rounds: without one writer at a time, both changes would see the other admin and both go through.
    for (let round = 0; round < 20; round += 1) {
      await stores.users.setRole('ann', 'admin');
      await stores.users.setDisabled('bea', false);
      const results = await Promise.allSettled([
        stores.users.setRole('ann', 'viewer', { keepAnAdmin: true }),
        stores.users.setDisabled('bea', true, { keepAnAdmin: true }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected');
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
      const admins = (await stores.users.list()).filter((u) => u.role === 'admin' && !u.disabled);
      expect(admins).toHaveLength(1);
    }
  });
});
