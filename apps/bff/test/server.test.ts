// The BFF as a user starts it: server.ts as its own process, against the embedded simulator.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { afterEach, describe, expect, it } from 'vitest';
import { auditCli } from './audit-support';
import { startSim } from './support';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const server = join(here, '..', 'src', 'server.ts');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await gone;
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function start(env: Record<string, string>, nodeArgs: string[] = []) {
  // node itself with tsx as a loader: a signal (even SIGKILL, in afterEach) reaches the server, not a
  // wrapper process that would leave it running.
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, server], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(check: () => boolean, ms: number) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('server.ts', () => {
  it('serves the SPA and the API against the embedded simulator, says it is a demo, and stops on SIGTERM', async () => {
    const web = tempDir('pd-web-');
    mkdirSync(join(web, 'assets'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Powerdeck test shell</title>');
    writeFileSync(join(web, 'assets', 'app-abc123.js'), 'console.log(1)');
    const s = start({
      PORT: '0',
      POWERDECK_WEB_ROOT: web,
      POWERDECK_POLL_INTERVAL_MS: '250',
      POWERDECK_DATA_DIR: tempDir('pd-data-'),
      POWERDECK_DEMO_PASSWORD: 'demo-password-for-test',
    });
    await waitFor(() => /Powerdeck: http:\/\/127\.0\.0\.1:\d+/.test(s.output()), 30_000);
    await waitFor(() => /Demo users/.test(s.output()), 10_000);
    expect(s.output()).toMatch(
      /Demo users: admin, helpdesk, viewer \(one per role\), password: demo-password-for-test/,
    );
    const url = /Powerdeck: (http:\/\/127\.0\.0\.1:\d+)/.exec(s.output())![1]!;
    expect(s.output()).toMatch(/demo against a simulated VergeOS/);

    const meta = (await (await fetch(`${url}/api/meta`)).json()) as { demo: boolean };
    expect(meta.demo).toBe(true);

    // The API needs a person: each demo user signs in with the printed password.
    expect((await fetch(`${url}/api/fleet`)).status).toBe(401);
    const signIn = (username: string, password: string) =>
      fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
        body: JSON.stringify({ username, password }),
      });
    expect((await signIn('admin', 'not-the-demo-password')).status).toBe(401);
    for (const role of ['admin', 'helpdesk', 'viewer']) {
      const res = await signIn(role, 'demo-password-for-test');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ authKind: 'session', role, username: role });
      const cookie = /^pd_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
      expect(cookie).toBeDefined();
      const fleet = await fetch(`${url}/api/fleet`, { headers: { cookie: cookie! } });
      expect(fleet.status).toBe(200);
      expect(await fleet.json()).toMatchObject({ vms: expect.any(Array), nodes: expect.any(Array) });
    }

    // Client routes get the app shell; files and unknown API routes do not.
    const page = await fetch(`${url}/vms/42?view=detail`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Powerdeck test shell');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    const asset = await fetch(`${url}/assets/app-abc123.js`);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    const api = await fetch(`${url}/api/meta`);
    expect(api.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${url}/api/nope`)).status).toBe(404);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 10_000 }).toBe(200);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 60_000);

  it('against a remote VergeOS never loads the simulator', async () => {
    // Module hooks (registered after tsx's, so they see what it resolves) write every module the server loads.
    const trace = tempDir('pd-trace-');
    const loaded = join(trace, 'loaded.txt');
    writeFileSync(loaded, '');
    writeFileSync(
      join(trace, 'hooks.mjs'),
      "import { appendFileSync } from 'node:fs';\n" +
        'let file;\n' +
        'export function initialize(data) { file = data.file; }\n' +
        'export async function resolve(specifier, context, next) {\n' +
        '  const result = await next(specifier, context);\n' +
        "  appendFileSync(file, result.url + '\\n');\n" +
        '  return result;\n' +
        '}\n',
    );
    writeFileSync(
      join(trace, 'register.mjs'),
      "import { register } from 'node:module';\n" +
        `register(${JSON.stringify(pathToFileURL(join(trace, 'hooks.mjs')).href)}, { data: { file: ${JSON.stringify(loaded)} } });\n`,
    );
    const sim = await startSim();
    try {
      const s = start(
        {
          PORT: '0',
          POWERDECK_DATA_DIR: tempDir('pd-data-'),
          VERGEOS_URL: sim.url,
          VERGEOS_API_KEY: sim.apiKey,
        },
        ['--import', join(trace, 'register.mjs')],
      );
      await waitFor(() => /Powerdeck: http:\/\/127\.0\.0\.1:\d+/.test(s.output()), 30_000);
      expect(s.output()).toMatch(/connecting to VergeOS/);
      const modules = readFileSync(loaded, 'utf8').split('\n');
      // The trace sees the server's own modules and the workspace packages it uses...
      expect(modules).toContain(pathToFileURL(join(here, '..', 'src', 'app.ts')).href);
      expect(modules.some((m) => m.includes('/packages/vergeos-client/src/'))).toBe(true);
      // ...and not the simulator.
      expect(modules.filter((m) => m.includes('vergeos-sim'))).toEqual([]);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('stops at once with a message naming a bad variable', async () => {
    const s = start({ PORT: 'eighty', POWERDECK_DATA_DIR: tempDir('pd-data-') });
    expect(await s.exited).toBe(78);
    expect(s.output()).toMatch(/Powerdeck cannot start: PORT must be a TCP port from 0 to 65535/);
  }, 30_000);

  it('keys the audit chain with a key it generates (0600, never logged), anchors it at start and at shutdown, and will not start with another key', async () => {
    const data = tempDir('pd-data-');
    const env = { PORT: '0', POWERDECK_DATA_DIR: data, POWERDECK_DEMO_PASSWORD: 'demo-password-for-test' };
    const s = start(env);
    await waitFor(() => /Powerdeck: http:\/\/127\.0\.0\.1:\d+/.test(s.output()), 30_000);
    const keyFile = join(data, 'audit.key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(s.output()).toContain(`generated the audit key at ${keyFile}`);
    const fingerprint = /"fingerprint":"([0-9a-f]{16})"/.exec(s.output())?.[1];
    expect(fingerprint).toBeDefined();
    expect(s.output()).toMatch(/"auditAnchor":\{[^}]*"reason":"start"/);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.output()).toMatch(/"auditAnchor":\{[^}]*"reason":"shutdown"/);
    expect(s.output()).not.toContain(key);
    const anchors = readFileSync(join(data, 'audit-anchors.jsonl'), 'utf8').trim().split('\n');
    expect(anchors.map((l) => (JSON.parse(l) as { reason: string; key: string }).reason)).toEqual([
      'start',
      'shutdown',
    ]);
    // The demo users' creation is in the log, keyed, and the CLI finds the same key and anchors.
    const verified = await auditCli(['verify', '--data-dir', data]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^audit log intact: (\d+) rows \(0 legacy unkeyed, \1 keyed\)/);
    expect(verified.stdout).toContain(`(fingerprint ${fingerprint})`);

    // Another key in its place: the server refuses to start (rows chained with it would never verify).
    writeFileSync(keyFile, `${'5a'.repeat(32)}\n`, { mode: 0o600 });
    const again = start(env);
    expect(await again.exited).toBe(78);
    expect(again.output()).toMatch(
      new RegExp(
        `Powerdeck cannot start: POWERDECK_AUDIT_KEY_FILE must name the key the audit log was written with: .* signed with ${fingerprint}`,
      ),
    );

    // A named key file is never generated.
    const named = start({ ...env, POWERDECK_AUDIT_KEY_FILE: join(data, 'nowhere.key') });
    expect(await named.exited).toBe(78);
    expect(named.output()).toContain(
      `Powerdeck cannot start: POWERDECK_AUDIT_KEY_FILE must name the audit key file (no key file at ${join(data, 'nowhere.key')}`,
    );
  }, 60_000);
});
