// Starts the BFF: reads the configuration, starts the logger, starts the embedded simulator when no
// VERGEOS_URL is set, builds the app and listens. SIGTERM/SIGINT close everything gracefully.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulator, type Simulator } from '@powerdeck/vergeos-sim';
import { buildApp, REDACT_PATHS } from './app';
import { bootstrapUsers } from './bootstrap-users';
import { ConfigError, loadConfig, type Config } from './config';
import { openSqliteStores } from './stores/sqlite/open';
import type { UpstreamOptions } from './plugins/vergeos';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_WEB_ROOT = join(here, '..', '..', 'web', 'dist');

export interface RunningServer {
  url: string;
  /** What to print about signing in (first users and their password), or ''. */
  signIn: string;
  close(): Promise<void>;
}

export async function startServer(env: Readonly<Record<string, string | undefined>>): Promise<RunningServer> {
  const config: Config = loadConfig(env);
  // Users, sessions, tokens and the audit log (migrated here: a failure stops start-up).
  const stores = openSqliteStores(config.dataDir);
  let sim: Simulator | undefined;
  let upstream: UpstreamOptions;
  if (config.vergeos.mode === 'embedded') {
    sim = await createSimulator({
      host: '127.0.0.1',
      port: 0,
      vms: config.vergeos.vms,
      timeScale: config.vergeos.timeScale,
      // A fresh random key per start: nothing outside this process knows it.
      apiKey: `sim-${crypto.randomUUID()}`,
      readOnlyApiKey: `sim-ro-${crypto.randomUUID()}`,
    });
    upstream = { url: sim.url, auth: { kind: 'apiKey', apiKey: sim.apiKey }, insecureTls: false, demo: true };
  } else {
    const v = config.vergeos;
    upstream = {
      url: v.url,
      auth: v.auth,
      ...(v.caFile !== undefined ? { caFile: v.caFile } : {}),
      insecureTls: v.insecureTls,
      demo: false,
    };
  }

  const webRoot = env.POWERDECK_WEB_ROOT ?? DEFAULT_WEB_ROOT;
  const app = await buildApp({
    config,
    upstream,
    stores,
    auth: { idleTimeoutMs: config.auth.idleTimeoutMs, trustProxy: config.auth.trustProxy },
    operations: {
      parallelism: config.operations.parallelism,
      // Against the embedded simulator, operation waits follow its time scale (a 120 s force-off moment stays in
      // proportion with a guest's scaled shut down); against a real VergeOS they are real seconds.
      timeScale: config.vergeos.mode === 'embedded' ? config.vergeos.timeScale : 1,
    },
    proxyLimits: config.proxy,
    webRoot: existsSync(join(webRoot, 'index.html')) ? webRoot : undefined,
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
  });
  if (!existsSync(join(webRoot, 'index.html'))) {
    app.log.warn({ webRoot }, 'the web app is not built: only the API is served (npm start builds it)');
  }
  if (sim) {
    app.log.info(
      {
        vergeos: 'embedded simulator',
        vms: config.vergeos.mode === 'embedded' ? config.vergeos.vms : undefined,
      },
      'demo against a simulated VergeOS: no VERGEOS_URL is set, so Powerdeck runs its embedded simulator',
    );
  } else {
    app.log.info({ vergeos: app.vergeos.label }, 'connecting to VergeOS');
  }

  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('://[::1]', '://localhost');
  app.log.info({ url }, `Powerdeck is serving at ${url}`);

  const first = await bootstrapUsers(stores, {
    demo: config.vergeos.mode === 'embedded',
    demoPassword: config.vergeos.mode === 'embedded' ? config.vergeos.demoPassword : undefined,
  });
  let signIn = '';
  if (first.password !== null && sim) {
    signIn =
      `  Demo users: ${first.users.map((u) => u.username).join(', ')} (one per role), password: ${first.password}\n` +
      '  (set POWERDECK_DEMO_PASSWORD to choose it)\n';
  } else if (first.password !== null) {
    signIn =
      `  First user: admin, password: ${first.password} (shown once)\n` +
      '  Change it with: npm run users -- passwd admin\n';
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await sim?.close();
      stores.close();
    })());
  return { url, signIn, close };
}

async function main() {
  let server: RunningServer;
  try {
    server = await startServer(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Powerdeck cannot start: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  process.stdout.write(`\n  Powerdeck: ${server.url}\n${server.signIn}\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void main();
}
