// A throwaway PostgreSQL cluster for tests and benchmarks: Debian's PostgreSQL binaries, a temporary directory, a
// loopback port, trust authentication for the one superuser `powerdeck`. initdb refuses root, so as root the
// cluster runs as the `postgres` user (runuser). It stops by itself: `stop()` stops it, and a watchdog process stops
// it and removes its directory when the process that started it ends, however it ends (SIGKILL included).
//
//   import { startPgCluster } from './pg-cluster.mjs';
//   const pg = await startPgCluster();   // { url, port, dir, stop() }
//
//   node scripts/pg-cluster.mjs            starts one, prints its URL, stops on Ctrl-C
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PG_ROOT = '/usr/lib/postgresql';
export const PG_USER = 'powerdeck';

/** The newest PostgreSQL's bin directory on this machine, or null. */
export function pgBinDir() {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : null;
}

/** A free loopback port (the OS's choice). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL program, as `postgres` when we are root. */
function pgRun(bin, program, args, opts = {}) {
  const file = join(bin, program);
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
}

// The watchdog: a detached node process that waits for the starter to end, then stops the cluster and removes it.
const WATCHDOG = `
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const [parent, cmd, argsJson, dir] = process.argv.slice(1);
const args = JSON.parse(argsJson);
const alive = () => { try { process.kill(Number(parent), 0); return true; } catch { return false; } };
const end = () => {
  try { execFileSync(cmd, args, { stdio: 'ignore', timeout: 30000 }); } catch {}
  try { rmSync(dir, { recursive: true, force: true }); } catch {}
  process.exit(0);
};
process.on('SIGTERM', end);
setInterval(() => { if (!alive()) end(); }, 500);
`;

/**
 * Starts a cluster. Options: `port` (default: a free one), `maxConnections` (300). Durability settings are off
 * (fsync, synchronous_commit): this is a test server, and nothing in it outlives the run.
 */
export async function startPgCluster(options = {}) {
  const bin = pgBinDir();
  if (!bin) {
    throw new Error(
      `PostgreSQL is not installed (no ${PG_ROOT}/<version>/bin/initdb): apt-get install -y postgresql ` +
        '(npm test installs it when it runs as root)',
    );
  }
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'pd-pg-'));
  if (isRoot()) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
  const data = join(dir, 'data');
  const ctlStop = (mode) => {
    const args = ['-D', data, '-m', mode, '-w', 'stop'];
    const file = join(bin, 'pg_ctl');
    return isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  };
  try {
    pgRun(bin, 'initdb', [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      PG_USER,
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    const settings = [
      `-c listen_addresses=127.0.0.1`,
      `-p ${port}`,
      `-k ${dir}`,
      `-c max_connections=${options.maxConnections ?? 300}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    pgRun(bin, 'pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      settings,
      'start',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = /** @type {{ stderr?: string }} */ (err).stderr ?? '';
    throw new Error(`could not start PostgreSQL in ${dir}: ${String(err)} ${stderr}`, { cause: err });
  }
  const [cmd, args] = ctlStop('immediate');
  const watchdog = spawn(
    process.execPath,
    ['-e', WATCHDOG, String(process.pid), cmd, JSON.stringify(args), dir],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();
  let stopped = false;
  return {
    url: `postgres://${PG_USER}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    /** Stops the cluster and removes its directory. */
    stop() {
      if (stopped) return;
      stopped = true;
      const [c, a] = ctlStop('fast');
      spawnSync(c, a, { stdio: 'ignore', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
      try {
        if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pg = await startPgCluster();
  console.log(`PostgreSQL (${userInfo().username === 'root' ? 'as postgres' : 'as you'}) at ${pg.url}`);
  console.log(`directory ${pg.dir}; Ctrl-C stops it`);
  const end = () => {
    pg.stop();
    process.exit(0);
  };
  process.on('SIGINT', end);
  process.on('SIGTERM', end);
  setInterval(() => undefined, 1 << 30);
}
