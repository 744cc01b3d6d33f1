// The users CLI as a child process (tsx apps/bff/src/cli/users.ts ...), stdin piped, real database.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../src/stores/sqlite/open';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = 'apps/bff/src/cli/users.ts';
const PASSWORD = 'correct horse battery staple';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function users(args: string[], stdin = '', env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!('POWERDECK_DATA_DIR' in env)) delete childEnv.POWERDECK_DATA_DIR;
    const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pd-cli-users-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function withStores<T>(fn: (s: ReturnType<typeof openSqliteStores>) => Promise<T>): Promise<T> {
  const s = openSqliteStores(dir);
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}

describe('users CLI', { timeout: 60_000 }, () => {
  it('adds a user with the password from stdin and lists them', async () => {
    const add = await users(['add', 'Alice', '--role', 'admin', '--data-dir', dir], `${PASSWORD}\nignored\n`);
    expect(add).toMatchObject({ code: 0, stdout: 'added alice (admin)\n', stderr: '' });
    const list = await users(['list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^USERNAME\s+ROLE\s+STATUS\s+CREATED\s+UPDATED\n/);
    expect(list.stdout).toMatch(/\nalice\s+admin\s+enabled\s+\d{4}-/);
    for (const out of [add.stdout, add.stderr, list.stdout, list.stderr]) expect(out).not.toContain(PASSWORD);
    const check = await withStores((s) => s.users.verifyPassword('alice', PASSWORD));
    expect(check.ok).toBe(true);
    // Only the first line is the password.
    expect((await withStores((s) => s.users.verifyPassword('alice', `${PASSWORD}\nignored`))).ok).toBe(false);
  });

  it('reads POWERDECK_DATA_DIR when --data-dir is not given, and a CRLF line', async () => {
    const add = await users(['add', 'bob', '--role', 'viewer'], `${PASSWORD}\r\n`, {
      POWERDECK_DATA_DIR: dir,
    });
    expect(add.code).toBe(0);
    expect((await withStores((s) => s.users.verifyPassword('bob', PASSWORD))).ok).toBe(true);
  });

  it('changes a password (ending sessions), disables and enables, all audited', async () => {
    await users(['add', 'carol', '--role', 'helpdesk', '--data-dir', dir], `${PASSWORD}\n`);
    const secret = await withStores(async (s) => {
      const u = await s.users.get('carol');
      return (await s.sessions.create({ kind: 'session', userId: u!.id })).secret;
    });

    const passwd = await users(['passwd', 'carol', '--data-dir', dir], 'a fresh new passphrase\n');
    expect(passwd).toMatchObject({
      code: 0,
      stdout: 'changed the password of carol; their sessions are ended; no tokens revoked\n',
    });
    await withStores(async (s) => {
      expect((await s.users.verifyPassword('carol', PASSWORD)).ok).toBe(false);
      expect((await s.users.verifyPassword('carol', 'a fresh new passphrase')).ok).toBe(true);
      expect(await s.sessions.lookup(secret)).toBeNull();
    });

    const live = await withStores(
      async (s) => (await s.sessions.create({ kind: 'session', userId: 1 })).secret,
    );
    expect((await users(['disable', 'carol', '--data-dir', dir])).stdout).toBe(
      'disabled carol; their sessions are ended; no tokens revoked\n',
    );
    await withStores(async (s) => {
      expect(await s.sessions.lookup(live)).toBeNull();
      expect((await s.users.verifyPassword('carol', 'a fresh new passphrase')).ok).toBe(false);
    });
    expect((await users(['list', '--data-dir', dir])).stdout).toMatch(/\ncarol\s+helpdesk\s+disabled/);
    expect(await users(['enable', 'carol', '--data-dir', dir])).toMatchObject({
      code: 0,
      stdout: 'enabled carol\n',
    });
    expect(await users(['role', 'carol', 'viewer', '--data-dir', dir])).toMatchObject({
      code: 0,
      stdout: 'carol is now viewer\n',
    });
    await withStores(async (s) => {
      expect(await s.sessions.lookup(live)).toBeNull(); // enabling again does not revive it
      expect((await s.users.verifyPassword('carol', 'a fresh new passphrase')).ok).toBe(true);
      const rows = (await s.audit.query({ order: 'asc' })).rows;
      expect(rows.map((r) => [r.kind, r.action, r.actor, r.outcome])).toEqual([
        ['user', 'create', 'cli', 'accepted'],
        ['user', 'passwd', 'cli', 'accepted'],
        ['user', 'disable', 'cli', 'accepted'],
        ['user', 'enable', 'cli', 'accepted'],
        ['user', 'role', 'cli', 'accepted'],
      ]);
      expect(JSON.stringify(rows)).not.toContain('passphrase');
      expect(await s.audit.verify()).toMatchObject({ ok: true, rows: 5 });
    });
  });

  it("passwd revokes the user's tokens unless --keep-tokens; disable revokes them for good", async () => {
    await users(['add', 'dora', '--role', 'helpdesk', '--data-dir', dir], `${PASSWORD}\n`);
    const mint = (name: string) =>
      withStores(async (s) => {
        const u = await s.users.get('dora');
        const made = await s.tokens.create({
          userId: u!.id,
          name,
          role: 'helpdesk',
          expiresAt: new Date(Date.now() + 86_400_000),
        });
        return made.token;
      });
    const works = (token: string) => withStores(async (s) => (await s.tokens.lookup(token)) !== null);

    // The default revokes them (checked before the output, so the old code fails on what matters).
    const first = await mint('first');
    const passwd = await users(['passwd', 'dora', '--data-dir', dir], 'a fresh new passphrase\n');
    expect(await works(first)).toBe(false);
    expect(passwd).toMatchObject({
      code: 0,
      stdout: 'changed the password of dora; their sessions are ended; 1 token revoked\n',
    });

    // --keep-tokens: the password changes, the tokens keep working, and the audit row says so.
    const kept = await mint('kept');
    const other = await mint('other');
    const keep = await users(
      ['passwd', 'dora', '--keep-tokens', '--data-dir', dir],
      'another new passphrase\n',
    );
    expect(keep).toMatchObject({
      code: 0,
      stdout: 'changed the password of dora; their sessions are ended; their 2 tokens are kept\n',
    });
    expect(await works(kept)).toBe(true);
    expect(await works(other)).toBe(true);
    await withStores(async (s) =>
      expect((await s.users.verifyPassword('dora', 'another new passphrase')).ok).toBe(true),
    );

    // Disabling revokes them, and enabling does not bring them back.
    const disable = await users(['disable', 'dora', '--data-dir', dir]);
    expect((await users(['enable', 'dora', '--data-dir', dir])).stdout).toBe('enabled dora\n');
    expect(await works(kept)).toBe(false);
    expect(await works(other)).toBe(false);
    expect(disable.stdout).toBe('disabled dora; their sessions are ended; 2 tokens revoked\n');

    await withStores(async (s) => {
      const rows = (await s.audit.query({ order: 'asc' })).rows.slice(1);
      expect(rows.map((r) => [r.kind, r.action, r.actor, r.reason])).toEqual([
        ['token', 'revoke', 'cli', 'password changed'],
        ['user', 'passwd', 'cli', null],
        ['user', 'passwd', 'cli', null],
        ['token', 'revoke', 'cli', 'user disabled'],
        ['token', 'revoke', 'cli', 'user disabled'],
        ['user', 'disable', 'cli', null],
        ['user', 'enable', 'cli', null],
      ]);
      expect(JSON.parse(rows[1]!.params!)).toEqual({
        revokeTokens: true,
        sessionsEnded: 0,
        tokensRevoked: 1,
      });
      expect(JSON.parse(rows[2]!.params!)).toEqual({ revokeTokens: false, sessionsEnded: 0, tokensKept: 2 });
      expect(JSON.parse(rows[5]!.params!)).toEqual({ sessionsEnded: 0, tokensRevoked: 2 });
      expect(await s.audit.verify()).toMatchObject({ ok: true });
    });
    const usage = await users(['disable', 'dora', '--keep-tokens', '--data-dir', dir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^users: --keep-tokens goes with passwd only\n/);
  });

  it('refuses wrong usage with exit code 2 and the usage text', async () => {
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['add', 'dave'],
      ['add', 'dave', '--role', 'root'],
      ['add', '--role', 'admin'],
      ['list', 'extra'],
      ['disable'],
      ['passwd', 'dave', '--role', 'admin'],
      ['role', 'dave'],
      ['list', '--verbose'],
    ];
    const results = await Promise.all(
      cases.map((args) => users([...args, '--data-dir', dir], `${PASSWORD}\n`)),
    );
    for (const [i, r] of results.entries()) {
      expect(r.code, cases[i]!.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^users: .+\n\nusage: npm run users -- <command>/);
    }
    expect((await users(['--help'])).stdout).toMatch(/^usage: npm run users/);
  });

  it('never takes a password from argv, and never echoes one given there', async () => {
    const flag = await users(['add', 'erin', '--role', 'admin', `--password=${PASSWORD}`, '--data-dir', dir]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--password'");
    const positional = await users([
      'add',
      'erin',
      'hunter2hunter2hunter2',
      '--role',
      'admin',
      '--data-dir',
      dir,
    ]);
    expect(positional.code).toBe(2);
    const asCommand = await users(['hunter2hunter2hunter2', '--data-dir', dir]);
    expect(asCommand.code).toBe(2);
    for (const r of [flag, positional, asCommand]) {
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(r.stdout + r.stderr).not.toContain('hunter2');
    }
    expect(await withStores((s) => s.users.list())).toEqual([]);
  });

  it('fails with exit code 1 on a refused change, and says why', async () => {
    const empty = await users(['add', 'fred', '--role', 'viewer', '--data-dir', dir], '');
    expect(empty).toMatchObject({
      code: 1,
      stderr: 'users: no password on standard input (the first line is read)\n',
    });
    const short = await users(['add', 'fred', '--role', 'viewer', '--data-dir', dir], 'tiny\n');
    expect(short).toMatchObject({ code: 1, stderr: 'users: a password must have at least 12 characters\n' });
    expect(short.stderr).not.toContain('tiny');
    const bad = await users(
      ['add', 'Fred Flintstone', '--role', 'viewer', '--data-dir', dir],
      `${PASSWORD}\n`,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/a user name must be 1 to 64 characters/);
    await users(['add', 'fred', '--role', 'viewer', '--data-dir', dir], `${PASSWORD}\n`);
    const dup = await users(['add', 'FRED', '--role', 'admin', '--data-dir', dir], `${PASSWORD}\n`);
    expect(dup).toMatchObject({ code: 1, stderr: 'users: user fred already exists\n' });
    const missing = await users(['disable', 'ghost', '--data-dir', dir]);
    expect(missing).toMatchObject({ code: 1, stderr: 'users: no user ghost\n' });
    expect(await users(['list', '--data-dir', join(dir, 'empty')])).toMatchObject({
      code: 0,
      stdout: 'no users yet\n',
    });
  });
});
