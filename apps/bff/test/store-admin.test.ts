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
    expect(rows[1]?.params).toBe('{"sessionsEnded":1}');
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
});
