// Audited account changes (what the CLIs and, later, the HTTP routes use).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addUser,
  changePassword,
  CLI_ACTOR,
  createDisplayLink,
  createToken,
  disableUser,
  enableUser,
  revokeDisplayLink,
  revokeToken,
  setUserRole,
  type ActorContext,
} from '../src/stores/admin';
import { openSqliteStores, type SqliteStores } from '../src/stores/sqlite/open';

const PASSWORD = 'correct horse battery staple';
let dir: string;
let stores: SqliteStores;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pd-store-admin-'));
  stores = openSqliteStores(dir);
});
afterEach(() => {
  stores.close();
  rmSync(dir, { recursive: true, force: true });
});

async function auditRows() {
  return (await stores.audit.query({ order: 'asc', limit: 1000 })).rows;
}

describe('audited account changes', () => {
  it('audits user changes as kind user, actor cli, never with the password', async () => {
    await addUser(stores, CLI_ACTOR, { username: 'Alice', role: 'helpdesk', password: PASSWORD });
    const { secret } = await stores.sessions.create({ kind: 'session', userId: 1 });
    await changePassword(stores, CLI_ACTOR, 'alice', 'another long passphrase');
    expect(await stores.sessions.lookup(secret)).toBeNull();
    await setUserRole(stores, CLI_ACTOR, 'alice', 'admin');
    await disableUser(stores, CLI_ACTOR, 'alice');
    await enableUser(stores, CLI_ACTOR, 'alice');
    const rows = await auditRows();
    expect(rows.map((r) => [r.kind, r.action, r.target, r.outcome, r.actor, r.authKind])).toEqual([
      ['user', 'create', 'user:alice', 'accepted', 'cli', 'cli'],
      ['user', 'passwd', 'user:alice', 'accepted', 'cli', 'cli'],
      ['user', 'role', 'user:alice', 'accepted', 'cli', 'cli'],
      ['user', 'disable', 'user:alice', 'accepted', 'cli', 'cli'],
      ['user', 'enable', 'user:alice', 'accepted', 'cli', 'cli'],
    ]);
    expect(rows[0]?.params).toBe('{"role":"helpdesk"}');
    expect(rows[1]?.params).toBe('{"revokeTokens":true,"sessionsEnded":1,"tokensRevoked":0}');
    expect(rows[2]?.params).toBe('{"from":"helpdesk","role":"admin"}');
    const text = JSON.stringify(rows);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('another long passphrase');
    expect(await stores.audit.verify()).toMatchObject({ ok: true, rows: 5 });
  });

  it('audits a refused change as denied, with the reason', async () => {
    await expect(
      addUser(stores, CLI_ACTOR, { username: 'bob', role: 'viewer', password: 'too short' }),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(disableUser(stores, CLI_ACTOR, 'nobody')).rejects.toMatchObject({ code: 'not_found' });
    const rows = await auditRows();
    expect(rows.map((r) => [r.action, r.target, r.outcome, r.reason])).toEqual([
      ['create', 'user:bob', 'denied', 'a password must have at least 12 characters'],
      ['disable', 'user:nobody', 'denied', 'no user nobody'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('too short');
  });

  it('audits tokens and display links with who did it and from where', async () => {
    const admin = await addUser(stores, CLI_ACTOR, { username: 'ada', role: 'admin', password: PASSWORD });
    const ctx: ActorContext = {
      actor: 'ada',
      role: 'admin',
      authKind: 'session',
      source: '10.0.0.5',
      userAgent: 'Firefox',
      requestId: 'req-9',
    };
    const { token, info } = await createToken(stores, ctx, {
      userId: admin.id,
      name: 'backup job',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await revokeToken(stores, ctx, info.id, admin.id);
    await expect(revokeToken(stores, ctx, info.id)).rejects.toMatchObject({ code: 'not_found' });
    const { secret, link } = await createDisplayLink(stores, ctx, { name: 'NOC', createdBy: admin.id });
    await revokeDisplayLink(stores, ctx, link.id);
    const rows = (await auditRows()).slice(1);
    expect(rows.map((r) => [r.kind, r.action, r.target, r.outcome])).toEqual([
      ['token', 'create', `token:${info.id}`, 'accepted'],
      ['token', 'revoke', `token:${info.id}`, 'accepted'],
      ['token', 'revoke', `token:${info.id}`, 'denied'],
      ['display', 'create', `display:${link.id}`, 'accepted'],
      ['display', 'revoke', `display:${link.id}`, 'accepted'],
    ]);
    expect(rows[0]).toMatchObject({ actor: 'ada', role: 'admin', authKind: 'session', source: '10.0.0.5' });
    expect(JSON.parse(rows[0]!.params!)).toMatchObject({ owner: 'ada', name: 'backup job', role: 'viewer' });
    const text = JSON.stringify(rows);
    expect(text).not.toContain(token);
    expect(text).not.toContain(secret);
  });

  it("disabling revokes the user's live tokens for good, each audited with the reason", async () => {
    const alice = await addUser(stores, CLI_ACTOR, {
      username: 'alice',
      role: 'helpdesk',
      password: PASSWORD,
    });
    const ctx: ActorContext = { actor: 'ada', role: 'admin', authKind: 'session', requestId: 'req-1' };
    const mint = (name: string) =>
      stores.tokens.create({
        userId: alice.id,
        name,
        role: 'viewer',
        expiresAt: new Date(Date.now() + 86_400_000),
      });
    const one = await mint('one');
    const two = await mint('two');

    expect(await disableUser(stores, ctx, 'alice')).toMatchObject({
      user: { username: 'alice', disabled: true },
      tokensRevoked: 2,
    });
    expect(await enableUser(stores, ctx, 'alice')).toMatchObject({
      user: { disabled: false },
      tokensRevoked: 0,
    });
    expect(await stores.tokens.lookup(one.token)).toBeNull();
    expect(await stores.tokens.lookup(two.token)).toBeNull();

    const rows = (await auditRows()).slice(1);
    expect(rows.map((r) => [r.kind, r.action, r.target, r.actor, r.reason, r.requestId])).toEqual([
      ['token', 'revoke', `token:${two.info.id}`, 'ada', 'user disabled', 'req-1'],
      ['token', 'revoke', `token:${one.info.id}`, 'ada', 'user disabled', 'req-1'],
      ['user', 'disable', 'user:alice', 'ada', null, 'req-1'],
      ['user', 'enable', 'user:alice', 'ada', null, 'req-1'],
    ]);
    expect(JSON.parse(rows[0]!.params!)).toEqual({
      owner: 'alice',
      name: 'two',
      role: 'viewer',
      prefix: two.info.prefix,
    });
    expect(rows[2]?.params).toBe('{"sessionsEnded":0,"tokensRevoked":2}');
    expect(JSON.stringify(rows)).not.toContain(one.token);
    expect(await stores.audit.verify()).toMatchObject({ ok: true });
  });

  it('enabling revokes tokens a disable left live (disabled outside disableUser), so none comes back', async () => {
    const alice = await addUser(stores, CLI_ACTOR, { username: 'alice', role: 'viewer', password: PASSWORD });
    const { token } = await stores.tokens.create({
      userId: alice.id,
      name: 'left',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    // As after a crash between the disable and its revocations.
    await stores.users.setDisabled('alice', true);
    expect(await enableUser(stores, CLI_ACTOR, 'alice')).toMatchObject({ tokensRevoked: 1 });
    expect(await stores.tokens.lookup(token)).toBeNull();
    const rows = (await auditRows()).slice(1);
    expect(rows.map((r) => [r.kind, r.action, r.reason])).toEqual([
      ['token', 'revoke', 'user disabled'],
      ['user', 'enable', null],
    ]);
    expect(rows[1]?.params).toBe('{"tokensRevoked":1}');
  });

  it('a password change revokes the tokens unless asked to keep them, and the audit row says which', async () => {
    const alice = await addUser(stores, CLI_ACTOR, { username: 'alice', role: 'viewer', password: PASSWORD });
    const mint = async () =>
      (
        await stores.tokens.create({
          userId: alice.id,
          name: 'job',
          role: 'viewer',
          expiresAt: new Date(Date.now() + 86_400_000),
        })
      ).token;
    const kept = await mint();
    expect(
      await changePassword(stores, CLI_ACTOR, 'alice', 'another long passphrase', { revokeTokens: false }),
    ).toMatchObject({ user: { username: 'alice' }, tokensRevoked: 0 });
    expect(await stores.tokens.lookup(kept)).not.toBeNull();

    const second = await mint();
    expect(await changePassword(stores, CLI_ACTOR, 'alice', 'a third long passphrase')).toMatchObject({
      tokensRevoked: 2,
    });
    expect(await stores.tokens.lookup(kept)).toBeNull();
    expect(await stores.tokens.lookup(second)).toBeNull();

    // A refused change revokes nothing, and its denied row says what was asked.
    const third = await mint();
    await expect(changePassword(stores, CLI_ACTOR, 'alice', 'short')).rejects.toMatchObject({
      code: 'invalid',
    });
    expect(await stores.tokens.lookup(third)).not.toBeNull();

    const rows = (await auditRows()).slice(1);
    expect(rows.map((r) => [r.kind, r.action, r.outcome, r.reason])).toEqual([
      ['user', 'passwd', 'accepted', null],
      ['token', 'revoke', 'accepted', 'password changed'],
      ['token', 'revoke', 'accepted', 'password changed'],
      ['user', 'passwd', 'accepted', null],
      ['user', 'passwd', 'denied', 'a password must have at least 12 characters'],
    ]);
    expect(rows[0]?.params).toBe('{"revokeTokens":false,"sessionsEnded":0,"tokensKept":1}');
    expect(rows[3]?.params).toBe('{"revokeTokens":true,"sessionsEnded":0,"tokensRevoked":2}');
    expect(rows[4]?.params).toBe('{"revokeTokens":true}');
  });
});
