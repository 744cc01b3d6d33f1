#!/usr/bin/env node
// Root task runner. Needs only Node 20 and npm: it brings in the pinned pnpm through npx,
// installs the workspace when anything is missing or changed, then runs the task.
//
//   node scripts/pd.mjs start|test|sim|users|audit|bench|lint|typecheck|format [args...]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgBinDir, startPgCluster } from './pg-cluster.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = String(rootPkg.packageManager); // e.g. pnpm@10.34.9
const isCI = process.env.CI === 'true' || process.env.CI === '1';
const binDir = join(root, 'node_modules', '.bin');
const env = {
  ...process.env,
  PATH: `${binDir}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH ?? ''}`,
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
};

/** Benchmarks by name: `pnpm bench sim` runs packages/vergeos-sim/bench/fleet-list.ts. */
const benches = {
  sim: 'packages/vergeos-sim/bench/fleet-list.ts',
  proxy: 'apps/bff/bench/proxy.ts',
  fleet: 'apps/bff/bench/fleet.ts',
  ops: 'apps/bff/bench/ops.ts',
  schedules: 'apps/bff/bench/schedules.ts',
  plans: 'apps/bff/bench/plans.ts',
  alerts: 'apps/bff/bench/alerts.ts',
  wall: 'apps/web/bench/wall.ts',
  replicas: 'apps/bff/bench/replicas.ts',
};

/** Benchmarks that run real PostgreSQL and nginx (installed first when missing, as for the tests). */
const needsServerPackages = new Set(['replicas']);

function log(msg) {
  process.stderr.write(`[powerdeck] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function pnpm(args, opts) {
  return run('npx', ['-y', pnpmSpec, ...args], opts);
}

/** A hash of everything that decides what `pnpm install` does. */
function manifestHash() {
  const h = createHash('sha256');
  const files = ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml'];
  for (const group of ['apps', 'packages']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) files.push(join(group, name, 'package.json'));
  }
  files.push('e2e/package.json');
  for (const f of files) {
    const p = join(root, f);
    h.update(f);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

function ensureInstalled() {
  const stamp = join(root, 'node_modules', '.powerdeck-install');
  const want = manifestHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  log(`installing dependencies with ${pnpmSpec} (first run takes a few minutes)`);
  const args = ['install'];
  if (isCI && existsSync(join(root, 'pnpm-lock.yaml'))) args.push('--frozen-lockfile');
  const code = pnpm(args);
  if (code !== 0) {
    log('dependency install failed');
    process.exit(code);
  }
  writeFileSync(stamp, manifestHash());
}

/** Debian's Chromium for the browser tests; Playwright cannot download its own here. */
export function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return true;
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    log('installing Debian chromium for the browser tests');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'chromium']);
  }
  return existsSync('/usr/bin/chromium');
}

/**
 * Debian's PostgreSQL and nginx, which the tests run for real (several servers on one database, behind a load
 * balancer): installed when missing and we are root; true when both are there.
 */
function ensureServerPackages() {
  const missing = [];
  if (!pgBinDir()) missing.push('postgresql');
  if (!existsSync('/usr/sbin/nginx')) missing.push('nginx');
  if (missing.length > 0 && typeof process.getuid === 'function' && process.getuid() === 0) {
    log(`installing Debian ${missing.join(' and ')} for the tests`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  }
  return pgBinDir() !== null && existsSync('/usr/sbin/nginx');
}

function hasE2E() {
  const dir = join(root, 'e2e');
  return existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'playwright.config.ts'));
}

function lint() {
  const a = run('eslint', ['.', '--max-warnings=0']);
  const b = run('prettier', ['--check', '.', '--log-level', 'warn']);
  return a === 0 && b === 0;
}

function typecheck() {
  return (
    pnpm(['-r', '--workspace-concurrency=1', 'run', 'typecheck']) === 0 &&
    run('tsc', ['--noEmit', '-p', '.']) === 0
  );
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

async function test(extra) {
  const tmp = join(root, '.tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  let passed = 0;
  let failed = 0;
  let skipped = 0;

  log('lint (eslint, prettier)');
  const lintOk = lint();
  if (!lintOk) failed += 1;
  log('types (tsc)');
  const typesOk = typecheck();
  if (!typesOk) failed += 1;

  // One throwaway PostgreSQL server for the whole run (each test makes a database of its own on it).
  let pg = null;
  if (!ensureServerPackages()) {
    log('PostgreSQL or nginx is missing and cannot be installed (not root): their tests will fail');
  } else if (!process.env.POWERDECK_TEST_DATABASE_URL) {
    try {
      pg = await startPgCluster();
      env.POWERDECK_TEST_DATABASE_URL = pg.url;
      log(`PostgreSQL for the tests at ${pg.url}`);
    } catch (err) {
      log(String(err));
    }
  }

  log('unit and integration tests (vitest)');
  const vitestOut = join(tmp, 'vitest.json');
  const vCode = run('vitest', [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestOut}`,
    ...extra,
  ]);
  const v = readJson(vitestOut);
  if (v) {
    passed += v.numPassedTests ?? 0;
    failed += v.numFailedTests ?? 0;
    skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
    // A suite that fails to load has no failed tests but is a failure all the same.
    if (vCode !== 0 && (v.numFailedTests ?? 0) === 0) failed += Math.max(1, v.numFailedTestSuites ?? 0);
  } else if (vCode !== 0) {
    failed += 1;
  }

  if (hasE2E()) {
    log('end-to-end tests (playwright, Debian chromium)');
    if (!ensureChromium()) {
      log('no /usr/bin/chromium and cannot install it (not root): end-to-end tests fail');
      failed += 1;
    } else {
      const pwOut = join(tmp, 'playwright.json');
      const pCode = run('playwright', ['test', '-c', 'e2e/playwright.config.ts'], {
        env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwOut },
      });
      const p = readJson(pwOut);
      if (p?.stats) {
        passed += (p.stats.expected ?? 0) + (p.stats.flaky ?? 0);
        failed += p.stats.unexpected ?? 0;
        skipped += p.stats.skipped ?? 0;
        if (pCode !== 0 && (p.stats.unexpected ?? 0) === 0) failed += 1;
      } else if (pCode !== 0) {
        failed += 1;
      }
    }
  }

  pg?.stop();
  if (!lintOk) log('lint failed (counted as 1 failed)');
  if (!typesOk) log('type check failed (counted as 1 failed)');
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed === 0 ? 0 : 1);
}

function buildWeb() {
  log('building the web app');
  const code = pnpm(['--filter', '@powerdeck/web', 'run', 'build', '--logLevel', 'warn']);
  if (code !== 0) {
    log('the web app failed to build');
    process.exit(code);
  }
}

function tsxNode(script, args) {
  const child = spawn(join(binDir, 'tsx'), [script, ...args], { cwd: root, env, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

const [task = 'help', ...args] = process.argv.slice(2);
switch (task) {
  case 'start':
    // Build the web app, then serve it from the BFF (against the embedded simulator unless VERGEOS_URL is set).
    ensureInstalled();
    buildWeb();
    tsxNode('apps/bff/src/server.ts', args);
    break;
  case 'sim':
    ensureInstalled();
    tsxNode('packages/vergeos-sim/src/cli.ts', args);
    break;
  case 'users':
  case 'audit':
    // Admin CLIs on the database in POWERDECK_DATA_DIR; stdin passes through (password prompts).
    ensureInstalled();
    tsxNode(`apps/bff/src/cli/${task}.ts`, args);
    break;
  case 'test':
    ensureInstalled();
    await test(args);
    break;
  case 'lint':
    ensureInstalled();
    process.exit(lint() ? 0 : 1);
    break;
  case 'typecheck':
    ensureInstalled();
    process.exit(typecheck() ? 0 : 1);
    break;
  case 'format':
    ensureInstalled();
    process.exit(run('prettier', ['--write', '.', '--log-level', 'warn']));
    break;
  case 'bench': {
    ensureInstalled();
    // `bench wall --hours 2`: names first, then options, passed on to each benchmark.
    const firstOption = args.findIndex((a) => a.startsWith('-'));
    const given = firstOption === -1 ? args : args.slice(0, firstOption);
    const options = firstOption === -1 ? [] : args.slice(firstOption);
    const names = given.length ? given : Object.keys(benches);
    for (const name of names) {
      const file = benches[name];
      if (!file) {
        log(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
        process.exit(2);
      }
      if (needsServerPackages.has(name) && !ensureServerPackages()) {
        log(`bench ${name} needs PostgreSQL and nginx, which are missing and cannot be installed (not root)`);
        process.exit(1);
      }
      log(`bench ${name}: ${file}`);
      const code = run(join(binDir, 'tsx'), [file, ...options]);
      if (code !== 0) process.exit(code);
    }
    break;
  }
  case 'install':
    ensureInstalled();
    break;
  default:
    console.log(
      'usage: node scripts/pd.mjs start|test|sim|users|audit|bench [name]|lint|typecheck|format|install',
    );
    process.exit(task === 'help' ? 0 : 2);
}
