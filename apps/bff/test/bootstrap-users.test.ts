// First users at start-up, on a real SQLite database.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapUsers, randomPassword } from '../src/bootstrap-users';
import { openSqliteStores, type SqliteStores } from '../src/stores/sqlite/open';

const open: SqliteStores[] = [];
function stores() {
  const s = openSqliteStores(mkdtempSync(join(tmpdir(), 'pd-boot-')));
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('bootstrapUsers', () => {
  it('against a real VergeOS with no users: creates admin with a random password, once', async () => {
    const s = stores();
    const first = await bootstrapUsers(s, { demo: false });
    expect(first.users).toEqual([{ username: 'admin', role: 'admin' }]);
    expect(first.password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect((await s.users.verifyPassword('admin', first.password!)).ok).toBe(true);
    const again = await bootstrapUsers(s, { demo: false });
    expect(again).toEqual({ users: [], password: null });
    expect((await s.users.verifyPassword('admin', first.password!)).ok).toBe(true);
    const audit = await s.audit.query({ kind: 'user' });
    expect(audit.rows.map((r) => [r.actor, r.action, r.target, r.outcome])).toEqual([
      ['startup', 'create', 'user:admin', 'accepted'],
    ]);
  });

  it('in demo mode: one user per role with the demo password, set again at every start', async () => {
    const s = stores();
    await bootstrapUsers(s, { demo: true, demoPassword: 'first-demo-password' });
    const users = await s.users.list();
    expect(users.map((u) => [u.username, u.role]).sort()).toEqual([
      ['admin', 'admin'],
      ['helpdesk', 'helpdesk'],
      ['viewer', 'viewer'],
    ]);
    const second = await bootstrapUsers(s, { demo: true, demoPassword: 'second-demo-password' });
    expect(second.password).toBe('second-demo-password');
    for (const name of ['admin', 'helpdesk', 'viewer']) {
      expect((await s.users.verifyPassword(name, 'second-demo-password')).ok).toBe(true);
      expect((await s.users.verifyPassword(name, 'first-demo-password')).ok).toBe(false);
    }
    expect(await s.audit.verify()).toMatchObject({ ok: true });
  });

  it("in demo mode a restart keeps the demo users' tokens, audited as kept", async () => {
    const s = stores();
    await bootstrapUsers(s, { demo: true, demoPassword: 'first-demo-password' });
    const viewer = await s.users.get('viewer');
    const { token } = await s.tokens.create({
      userId: viewer!.id,
      name: 'demo script',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await bootstrapUsers(s, { demo: true, demoPassword: 'second-demo-password' });
    expect(await s.tokens.lookup(token)).toMatchObject({ role: 'viewer', actor: 'viewer' });
    const rows = (await s.audit.query({ kind: 'user', action: 'passwd' })).rows.filter(
      (r) => r.target === 'user:viewer',
    );
    expect(rows.map((r) => [r.actor, r.params])).toEqual([
      ['startup', '{"revokeTokens":false,"sessionsEnded":0,"tokensKept":1}'],
    ]);
  });

  it('makes random passwords that differ and are long enough', () => {
    const a = randomPassword();
    expect(a.length).toBeGreaterThanOrEqual(12);
    expect(randomPassword()).not.toBe(a);
  });
});
