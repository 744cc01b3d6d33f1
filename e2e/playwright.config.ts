// End-to-end specs in Debian's Chromium against the real BFF and the VergeOS simulator.
//
// Servers (webServer, started in this order, stopped at the end; see support/servers.ts):
//  1. the simulator on its own, time-scaled, seed 1, on 127.0.0.1:19443;
//  2. the test OpenID provider (packages/test-oidc-provider, its own login page) on 127.0.0.1:19400, with the
//     people of support/oidc.ts;
//  3. the BFF against the simulator on 127.0.0.1:18080, polling fast, with single sign-on through that provider
//     (everyone may still use a password, as the other specs do), after one build of the web app into
//     e2e/dist/web and a fresh data directory with one user per role (support/servers.ts `seedUsersCommand`).
// All preload the owner guard: they stop by themselves if this runner dies.
// The 10,000-VM spec starts a second pair of its own (support/servers.ts `startPair`).
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import {
  BFF_PORT,
  BFF_URL,
  PNPM,
  ROOT,
  SIM_PORT,
  SIM_URL,
  WEB_ROOT,
  bffEnv,
  dataDirFor,
  nodeCommand,
  seedUsersCommand,
  shell,
  simArgs,
} from './support/servers';
import { OIDC_URL, oidcArgs, oidcBffEnv, writeOidcConfig } from './support/oidc';

const CI = !!process.env.CI;
const owner = { PD_E2E_OWNER_PID: String(process.pid) };

export default defineConfig({
  testDir: './specs',
  outputDir: './test-results',
  // The specs share one simulator and one BFF and change their state: one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    // The root runner (scripts/pd.mjs) sets PLAYWRIGHT_JSON_OUTPUT_NAME and reads the counts from it.
    [
      'json',
      { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? join(ROOT, '.tmp', 'playwright.json') },
    ],
  ],
  use: {
    baseURL: BFF_URL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Playwright cannot download its browsers here: Debian's Chromium (the root runner installs it).
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: [
    {
      name: 'sim',
      command: shell(nodeCommand('packages/vergeos-sim/src/cli.ts', simArgs({ port: SIM_PORT }))),
      cwd: ROOT,
      env: owner,
      url: `${SIM_URL}/__sim/`,
      reuseExistingServer: !CI,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      name: 'oidc',
      command: shell(nodeCommand('packages/test-oidc-provider/src/cli.ts', oidcArgs(writeOidcConfig()))),
      cwd: ROOT,
      env: owner,
      url: `${OIDC_URL}/.well-known/openid-configuration`,
      reuseExistingServer: !CI,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      name: 'bff',
      // One build of the web app per run, into the suite's own WEB_ROOT, before the BFF starts (the BFF serves
      // the SPA only if index.html exists when it starts).
      command: [
        shell([
          'npx',
          '-y',
          PNPM,
          '--filter',
          '@powerdeck/web',
          'run',
          'build',
          '--outDir',
          WEB_ROOT,
          '--emptyOutDir',
          '--logLevel',
          'warn',
        ]),
        seedUsersCommand(dataDirFor(BFF_PORT)),
        shell(nodeCommand('apps/bff/src/server.ts')),
      ].join(' && '),
      cwd: ROOT,
      env: { ...owner, ...bffEnv({ port: BFF_PORT, simUrl: SIM_URL }), ...oidcBffEnv() },
      // Ready once its first fleet poll has succeeded.
      url: `${BFF_URL}/readyz`,
      reuseExistingServer: !CI,
      timeout: 180_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
  ],
});
