// Where the suite's servers live and how they are started: the simulator (as its own process) and the BFF
// against it. playwright.config.ts starts the main pair through `webServer`; specs that need a pair of their
// own (the 10,000-VM fleet) start one with `startPair`, which stops when the spec's worker ends it or dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a TCP port (got ${raw})`);
  return n;
}

export const SIM_PORT = port('PD_E2E_SIM_PORT', 19443);
export const BFF_PORT = port('PD_E2E_BFF_PORT', 18080);
export const SIM_URL = `http://127.0.0.1:${SIM_PORT}`;
export const BFF_URL = `http://127.0.0.1:${BFF_PORT}`;
/** The simulator's admin key (its default); only the BFF and these helpers ever hold it. */
export const SIM_API_KEY = 'sim-admin-key';
/** The password of the suite's people (seeded before the BFF starts; see `seedUsersCommand`). */
export const E2E_PASSWORD = 'powerdeck-e2e-password';
/** The suite's people: one per role, named after it. */
export const E2E_USERS = [
  { username: 'admin', role: 'admin' },
  { username: 'helpdesk', role: 'helpdesk' },
  { username: 'viewer', role: 'viewer' },
] as const;

/** Transitions run 20 times faster than on a real cluster: a 3 s start takes 150 ms. */
export const SIM_TIME_SCALE = 0.05;
export const SIM_SEED = 1;

/**
 * The web app as the suite serves it: built once per run into a directory of the suite's own, so a build of
 * apps/web/dist by someone else (npm start, a developer) never swaps the files under a running spec.
 */
export const WEB_ROOT = join(ROOT, 'e2e', 'dist', 'web');

/** The pinned pnpm (`packageManager` of the root package.json), as the root runner uses it. */
export const PNPM = String(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager,
);

/** `node` with TypeScript (tsx) and the owner guard preloaded, run from the repository root. */
export function nodeCommand(script: string, args: readonly string[] = []): string[] {
  return ['node', '--import', 'tsx', '--import', './e2e/support/owner-guard.ts', script, ...args];
}

export function simArgs(opts: { port: number; vms?: number; timeScale?: number; seed?: number }): string[] {
  return [
    '--port',
    String(opts.port),
    '--host',
    '127.0.0.1',
    '--seed',
    String(opts.seed ?? SIM_SEED),
    '--time-scale',
    String(opts.timeScale ?? SIM_TIME_SCALE),
    ...(opts.vms === undefined ? [] : ['--vms', String(opts.vms)]),
  ];
}

export function bffEnv(opts: {
  port: number;
  simUrl: string;
  pollMs?: number;
  fastPollMs?: number;
  dataDir?: string;
}): Record<string, string> {
  return {
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    VERGEOS_URL: opts.simUrl,
    VERGEOS_API_KEY: SIM_API_KEY,
    POWERDECK_POLL_INTERVAL_MS: String(opts.pollMs ?? 500),
    POWERDECK_FAST_POLL_INTERVAL_MS: String(opts.fastPollMs ?? 250),
    POWERDECK_DATA_DIR: opts.dataDir ?? dataDirFor(opts.port),
    POWERDECK_WEB_ROOT: WEB_ROOT,
    LOG_LEVEL: 'warn',
  };
}

/**
 * A fresh data directory with the suite's people, made the way an operator would: `npm run users -- add`
 * (the users CLI), the password on stdin. Runs before the BFF starts, so the BFF creates no first admin.
 */
export function seedUsersCommand(dataDir: string): string {
  const steps = [shell(['rm', '-rf', dataDir])];
  for (const u of E2E_USERS) {
    steps.push(
      `printf '%s\\n' ${shell([E2E_PASSWORD])} | ` +
        shell(
          nodeCommand('apps/bff/src/cli/users.ts', [
            'add',
            u.username,
            '--role',
            u.role,
            '--data-dir',
            dataDir,
          ]),
        ),
    );
  }
  return steps.join(' && ');
}

/** Where a BFF of the suite keeps its SQLite database. */
export function dataDirFor(port: number): string {
  return join(ROOT, '.tmp', `e2e-data-${port}`);
}

/** Quotes words for `sh -c` (webServer commands run through a shell). */
export function shell(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export interface RunningPair {
  simUrl: string;
  bffUrl: string;
  stop(): Promise<void>;
}

/** Starts one process and resolves with the first match of `ready` in its output. */
function startProcess(
  name: string,
  words: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs: number,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const [cmd = 'node', ...args] = words;
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PD_E2E_OWNER_PID: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${out.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        // Keep draining so a chatty server never blocks on a full pipe.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${out.slice(-2000)}`));
    });
  });
}

/** Runs a shell command from the repository root; rejects with its output when it fails. */
function runShell(command: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${code}):\n${out.slice(-2000)}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms (last: ${last})`);
}

/**
 * A simulator and a BFF of their own, on free ports, serving the web app built by the main BFF's webServer
 * (WEB_ROOT).
 * Both stop on `stop()`, and by themselves if this process dies (owner guard).
 */
export async function startPair(opts: {
  vms: number;
  pollMs?: number;
  fastPollMs?: number;
}): Promise<RunningPair> {
  const sim = await startProcess(
    'simulator',
    nodeCommand('packages/vergeos-sim/src/cli.ts', simArgs({ port: 0, vms: opts.vms })),
    {},
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    60_000,
  );
  const simUrl = sim.match[1] ?? '';
  try {
    const dataDir = join(ROOT, '.tmp', `e2e-data-pair-${process.pid}`);
    await runShell(seedUsersCommand(dataDir), 60_000);
    const bff = await startProcess(
      'BFF',
      nodeCommand('apps/bff/src/server.ts'),
      bffEnv({
        port: 0,
        simUrl,
        pollMs: opts.pollMs ?? 5000,
        fastPollMs: opts.fastPollMs ?? 1000,
        dataDir,
      }),
      /Powerdeck: (http:\/\/\S+)/,
      60_000,
    );
    const bffUrl = bff.match[1] ?? '';
    const stop = async () => {
      await stopProcess(bff.child);
      await stopProcess(sim.child);
    };
    try {
      // Ready once its first fleet poll has succeeded.
      await waitForReady(`${bffUrl}/readyz`, 60_000);
    } catch (error) {
      await stop();
      throw error;
    }
    return { simUrl, bffUrl, stop };
  } catch (error) {
    await stopProcess(sim.child);
    throw error;
  }
}
