// Starts the BFF: reads the configuration, starts the logger, starts the embedded simulator when no
// VERGEOS_URL is set, builds the app and listens. SIGTERM/SIGINT close everything gracefully.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { buildApp, REDACT_PATHS } from './app';
import { bootstrapUsers } from './bootstrap-users';
import { ConfigError, loadConfig, type Config } from './config';
import { IDLE_IN_TRANSACTION_MS } from './db/postgres';
import { anchoredAuditStore, AuditAnchorer, checkAgainstAnchors, readAnchors } from './stores/audit-anchor';
import { openPostgresStores, type PgStores } from './stores/postgres/open';
import { openSqliteStores, type SqliteStores } from './stores/sqlite/open';
import type { Stores } from './stores/types';
import type { ClusterPluginOptions } from './plugins/cluster';
import type { UpstreamOptions } from './plugins/vergeos';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_WEB_ROOT = join(here, '..', '..', 'web', 'dist');

interface RunningServer {
  url: string;
  /** What to print about signing in (first users and their password), or ''. */
  signIn: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Where people open Powerdeck: POWERDECK_PUBLIC_URL; else, listening on loopback with no proxy in front, the
 * loopback names of its port (the demo); else unknown (any host is answered, with a warning at start).
 */
function originsOf(config: Config): { origins?: string[] | 'loopback' } {
  if (config.publicUrl !== undefined) return { origins: [config.publicUrl] };
  if (LOOPBACK_HOSTS.has(config.host) && config.auth.trustProxy === false) return { origins: 'loopback' };
  return {};
}

async function startServer(env: Readonly<Record<string, string | undefined>>): Promise<RunningServer> {
  const config: Config = loadConfig(env);
  // Users, sessions, tokens and the audit log (migrated here: a failure stops start-up): SQLite in the data
  // directory, or the PostgreSQL database several servers share.
  const db = config.database;
  let stores: SqliteStores | PgStores;
  if (db.kind === 'postgres') {
    try {
      stores = await openPostgresStores(db.url, {
        audit: config.audit,
        sessionMaxAgeMs: config.auth.sessionMaxAgeMs,
        poolSize: db.poolSize,
        // A leader stopped inside its step's transaction (which holds the lease row) is cut off before its lease
        // runs out, so that it does not delay the takeover (db/postgres.ts).
        idleInTransactionMs: Math.min(IDLE_IN_TRANSACTION_MS, Math.floor(config.cluster.leaseMs / 2)),
        ...(db.caFile !== undefined ? { caFile: db.caFile } : {}),
      });
    } catch (err) {
      // The URL may hold a password: the message names the variable, never its value.
      throw new ConfigError(
        `POWERDECK_DATABASE_URL must name a PostgreSQL database Powerdeck can open (${(err as Error).message})`,
      );
    }
  } else {
    stores = openSqliteStores(config.dataDir, {
      audit: config.audit,
      sessionMaxAgeMs: config.auth.sessionMaxAgeMs,
    });
  }
  // The audit key (generated in the data directory at the first start when no file is named) and the anchors.
  const keyState = stores.audit.key;
  const key = keyState.key;
  const anchorFile = config.audit.anchorFile;
  let anchorProblem: string | null;
  try {
    if (key === null) {
      throw new ConfigError(`POWERDECK_AUDIT_KEY_FILE must name the audit key file (${keyState.problem})`);
    }
    const read = readAnchors(anchorFile, key);
    if (read.otherKey !== null) {
      throw new ConfigError(
        `POWERDECK_AUDIT_KEY_FILE must name the key the audit log was written with: ${key.file} holds the key ` +
          `with fingerprint ${key.fingerprint}, the anchors in ${anchorFile} were signed with ${read.otherKey}`,
      );
    }
    anchorProblem = await checkAgainstAnchors(stores.audit, read);
  } catch (err) {
    await stores.close();
    throw err;
  }
  const anchorer = new AuditAnchorer({
    store: stores.audit,
    key,
    file: anchorFile,
    everyRows: config.audit.anchorEveryRows,
    everyMs: config.audit.anchorEveryMs,
  });
  // Every append of the server (routes, operations, bootstrap users) goes through the anchorer.
  const served: Stores = { ...stores, audit: anchoredAuditStore(stores.audit, anchorer) };
  let sim: Simulator | undefined;
  let upstream: UpstreamOptions;
  if (config.vergeos.mode === 'embedded') {
    // Loaded only for the demo: a server against a real VergeOS never loads the simulator.
    const { createSimulator } = await import('@powerdeck/vergeos-sim');
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

  // Several servers on one PostgreSQL database: this one's part in the lease, the shared snapshot and the engine.
  const pgStores = stores.kind === 'postgres' ? stores : null;
  const clusterOptions: ClusterPluginOptions | undefined =
    pgStores && db.kind === 'postgres'
      ? {
          pool: pgStores.pool,
          url: db.url,
          ...(db.caFile !== undefined
            ? { ssl: { ca: readFileSync(db.caFile, 'utf8'), rejectUnauthorized: true as const } }
            : {}),
          serverName: config.cluster.serverName,
          leaseMs: config.cluster.leaseMs,
          renewMs: config.cluster.renewMs,
          pollIntervalMs: config.poll.intervalMs,
          fence: (epoch) => pgStores.operations.fenceWith(epoch),
        }
      : undefined;
  const webRoot = env.POWERDECK_WEB_ROOT ?? DEFAULT_WEB_ROOT;
  const app = await buildApp({
    config,
    upstream,
    stores: served,
    auth: { idleTimeoutMs: config.auth.idleTimeoutMs, trustProxy: config.auth.trustProxy },
    ...(config.sso ? { sso: config.sso } : {}),
    edge: {
      ...originsOf(config),
      maxConnections: config.connections.max,
      maxConnectionsPerAddress: config.connections.perAddress,
    },
    operations: {
      parallelism: config.operations.parallelism,
      // Against the embedded simulator, operation waits follow its time scale (a 120 s force-off moment stays in
      // proportion with a guest's scaled shut down); against a real VergeOS they are real seconds.
      timeScale: config.vergeos.mode === 'embedded' ? config.vergeos.timeScale : 1,
    },
    proxyLimits: config.proxy,
    metrics: { token: config.metrics.token, serverName: config.cluster.serverName },
    ...(clusterOptions ? { cluster: clusterOptions } : {}),
    // Alert targets' secrets are sealed with a key derived from the audit key: servers sharing the database share
    // its key file, so they derive the same key, and there is no other file to keep.
    alerts: {
      secretKey: Buffer.from(key.mac('powerdeck-alert-secrets-v1'), 'hex'),
      unreachableAfterMs: config.alerts.unreachableAfterMs,
      ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
      ...(config.alerts.caFile !== undefined
        ? { sender: { extraCa: readFileSync(config.alerts.caFile, 'utf8') } }
        : {}),
    },
    webRoot: existsSync(join(webRoot, 'index.html')) ? webRoot : undefined,
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
  });
  if (originsOf(config).origins === undefined) {
    app.log.warn(
      { host: config.host, trustProxy: config.auth.trustProxy },
      'POWERDECK_PUBLIC_URL is not set: requests for any host name are answered (set it to the address people open, so that others are refused)',
    );
  }
  if (config.publicUrl?.startsWith('https:') && config.auth.trustProxy === false) {
    app.log.warn(
      { publicUrl: config.publicUrl },
      "POWERDECK_PUBLIC_URL is https but POWERDECK_TRUST_PROXY is false: the TLS proxy's X-Forwarded-Proto is not believed, so session cookies are not marked Secure",
    );
  }
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

  const keyInfo = { file: key.file, fingerprint: key.fingerprint };
  if (keyState.created) {
    app.log.info(
      { auditKey: keyInfo },
      `generated the audit key at ${key.file}: the audit chain is keyed with it. For the protection to hold, ` +
        'keep it where whoever can write the database cannot read it (POWERDECK_AUDIT_KEY_FILE)',
    );
  } else {
    app.log.info({ auditKey: keyInfo }, 'audit chain keyed');
  }
  if (keyState.warning) app.log.warn({ auditKey: keyInfo }, keyState.warning);
  if (anchorProblem !== null) {
    app.log.error({ anchorFile }, `${anchorProblem}: run npm run audit -- verify`);
  }
  try {
    // A second copy of every anchor goes to the log, which the database's writer cannot rewrite.
    await anchorer.start(
      (anchor) => app.log.info({ auditAnchor: anchor }, 'audit anchor'),
      (err) => app.log.error({ err, anchorFile }, 'could not write an audit anchor'),
    );
  } catch (err) {
    await app.close();
    await sim?.close();
    await stores.close();
    throw new ConfigError(
      `POWERDECK_AUDIT_ANCHOR_FILE must be a file Powerdeck can append to (${anchorFile}: ${(err as Error).message})`,
    );
  }

  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('://[::1]', '://localhost');
  app.log.info({ url }, `Powerdeck is serving at ${url}`);

  const first = await bootstrapUsers(served, {
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
      // After the last request: the shutdown anchor records the final head.
      await anchorer.close();
      await sim?.close();
      await stores.close();
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
