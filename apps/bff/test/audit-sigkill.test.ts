// The BFF killed with SIGKILL right after it forwarded an action still has the action's `requested`
// record on disk: the record is committed and synced before anything reaches VergeOS. The BFF runs as
// its own process (server.ts through tsx) against a simulator that takes the action and never answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openSqliteStores } from '../src/stores/sqlite/open';
import { simStats, startSim, TEST_HASH, TEST_PASSWORD } from './support';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const server = join(here, '..', 'src', 'server.ts');

let sim: Simulator | undefined;
let child: ChildProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('SIGKILL after forwarding an action', () => {
  it('leaves the requested record on disk, and no outcome', async () => {
    sim = await startSim();
    dataDir = mkdtempSync(join(tmpdir(), 'pd-sigkill-'));
    // A known admin, created before the BFF starts (against a real VergeOS it creates none when users exist).
    const setup = openSqliteStores(dataDir, { hashOptions: TEST_HASH });
    await setup.users.create({ username: 'admin', role: 'admin', password: TEST_PASSWORD });
    setup.close();

    // node itself with tsx as a loader (not the tsx CLI, whose wrapper would take the SIGKILL and leave
    // the server running as an orphan).
    const proc = spawn(process.execPath, ['--import', 'tsx', server], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        VERGEOS_URL: sim.url,
        VERGEOS_API_KEY: sim.apiKey,
        POWERDECK_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on('exit', (_code, signal) => resolve(signal)),
    );

    await vi.waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`server.ts exited:\n${out}`);
        expect(out).toMatch(/Powerdeck: http:\/\/127\.0\.0\.1:\d+/);
      },
      { timeout: 30_000, interval: 50 },
    );
    const url = /Powerdeck: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;

    const signIn = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
      body: JSON.stringify({ username: 'admin', password: TEST_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const cookie = /^pd_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')![0];

    // VergeOS takes the action and never answers; the BFF is killed while it waits.
    sim.setScenario('hang');
    const action = fetch(`${url}/api/v4/vm_actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, [CSRF_HEADER]: '1' },
      body: JSON.stringify({ vm: 42, action: 'poweron' }),
    }).then(
      (res) => `answered ${res.status}`,
      () => 'connection lost',
    );
    await vi.waitFor(async () => expect((await simStats(sim!)).requests['POST /api/v4/vm_actions']).toBe(1), {
      timeout: 10_000,
      interval: 20,
    });
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await action).toBe('connection lost');
    const sent = (await simStats(sim)).log.find((e) => e.method === 'POST')!;

    const after = openSqliteStores(dataDir);
    try {
      const power = (await after.audit.query({ kind: 'power', order: 'asc' })).rows;
      expect(power).toHaveLength(1);
      expect(power[0]).toMatchObject({
        outcome: 'requested',
        actor: 'admin',
        role: 'admin',
        authKind: 'session',
        vmKey: 42,
        action: 'poweron',
        requestId: sent.requestId,
        refId: null,
      });
      expect(await after.audit.verify()).toMatchObject({ ok: true });
    } finally {
      after.close();
    }
  }, 60_000);
});
