// Several real Powerdeck servers behind a real nginx, on one PostgreSQL database, against a simulator (issue 17): the
// harness of the failover tests, and of a benchmark later (nothing here depends on Vitest).
//
// - Each server is its own process (`node --import tsx apps/bff/src/server.ts`: node itself, so that a signal reaches
//   the server and not a wrapper), listening on its own loopback port, with its own data directory (its audit
//   anchors) and the one audit key file every server shares. Its name is pd-1..N (POWERDECK_SERVER_NAME).
// - VergeOS is the simulator the caller started, reached by each server through a tap of its own (UpstreamTap): a
//   small forwarding server that notes which Powerdeck server sent what, and when. The simulator's own log cannot
//   say which server sent a request (they all present the same API key, and an operation's steps all carry the
//   request id of the request that made the operation), and "the old leader sent nothing after it woke" needs it.
// - nginx runs from a configuration generated in the cluster's temporary directory (nginxConfig): an upstream of the
//   servers with passive health checks, the event streams unbuffered, X-Forwarded-* set, on a free loopback port.
// - Everything stops by itself: `stop()` kills what runs, and a watchdog process kills the servers and nginx and
//   removes the directory when the process that started them ends, however it ends (SIGKILL included), as
//   scripts/pg-cluster.mjs does for PostgreSQL.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSRF_HEADER, type Role } from '@powerdeck/contracts/roles';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { freePort } from '../../../scripts/pg-cluster.mjs';
import { SERVER_HEADER } from '../src/plugins/cluster';
import pg from 'pg';
import { openPostgresStores, type PgStores } from '../src/stores/postgres/open';
import { LOCKS } from '../src/stores/postgres/sql';
import type { AuditQuery, AuditRecord } from '../src/stores/types';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..', '..');
const SERVER_TS = join(here, '..', 'src', 'server.ts');

/** Where Debian puts nginx. */
const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/bin/nginx'];

export interface ClusterOptions {
  /** The simulator every server polls and acts on (through its tap): in this process, or another (a benchmark's). */
  sim: Pick<Simulator, 'url' | 'apiKey'>;
  /** An empty database of the cluster's own (the harness migrates it and adds the users). */
  databaseUrl: string;
  /** How many servers (default 3). */
  servers?: number;
  /** POWERDECK_LEASE_MS and POWERDECK_LEASE_RENEW_MS (default 2000 and 500). */
  leaseMs?: number;
  renewMs?: number;
  /** POWERDECK_POLL_INTERVAL_MS, POWERDECK_FAST_POLL_INTERVAL_MS, POWERDECK_FAST_POLL_WINDOW_MS (500, 100, 5000). */
  poll?: { intervalMs: number; fastIntervalMs: number; fastWindowMs: number };
  /** POWERDECK_OPS_PARALLELISM (default 4). */
  parallelism?: number;
  /** The users made before the servers start, one per role, named as the role; their password is `password`. */
  users?: readonly Role[];
  password?: string;
  /** argon2 cost of the users' hashes (default: cheap, for tests). */
  hashOptions?: { timeCost: number; memoryCost: number };
  /** More environment for every server. */
  env?: Record<string, string>;
  /** LOG_LEVEL of the servers (default info: the lease's gains and losses are at info and warn). */
  logLevel?: string;
}

export type ServerState = 'running' | 'stopped' | 'dead';

export interface ClusterServer {
  /** pd-1, pd-2, ... */
  readonly name: string;
  /** Its own address (http://127.0.0.1:port), not through nginx. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Its data directory (audit anchors). */
  readonly dataDir: string;
  /** running, stopped (SIGSTOP) or dead (it exited or was killed). */
  state(): ServerState;
  /** Everything it wrote so far (stdout and stderr: pino's JSON lines and the start-up banner). */
  output(): string;
  /** Its log lines (pino's JSON), parsed. */
  logLines(): LogLine[];
  /** Resolves with the signal (or exit code) it ended with. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

/** An answer over HTTP. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The server that answered (x-powerdeck-server), or null. */
  server: string | null;
  json<T = unknown>(): T;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Give up (and throw) after this long (default 30 s). */
  timeoutMs?: number;
}

/** One request a Powerdeck server sent to VergeOS, as its tap saw it. */
export interface UpstreamRecord {
  /** The Powerdeck server that sent it. */
  server: string;
  /** When the whole request had arrived at the tap (epoch ms, this process's clock). */
  at: number;
  method: string;
  url: string;
  /** A power action's VM and action (from its body), else null. */
  vm: number | null;
  action: string | null;
  requestId: string | null;
  /** VergeOS's answer, or null while none came (or the connection to VergeOS failed: `error`). */
  status: number | null;
  error?: string;
}

export interface PowerdeckCluster {
  /** nginx's address: what people open (POWERDECK_PUBLIC_URL). */
  readonly url: string;
  readonly servers: readonly ClusterServer[];
  readonly dir: string;
  readonly keyFile: string;
  readonly databaseUrl: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly poll: { intervalMs: number; fastIntervalMs: number; fastWindowMs: number };
  /** Every request the servers sent to VergeOS, in order of arrival at their taps. */
  upstream(): UpstreamRecord[];
  /** The power actions the servers sent (POST /api/v4/vm_actions). */
  actionsSent(): UpstreamRecord[];
  /** A server by name. */
  server(name: string): ClusterServer;
  /** Sends a signal to one server; SIGKILL resolves once it is gone. */
  kill(server: ClusterServer, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGTERM'): Promise<void>;
  /** Asks every running server's /readyz; the one that says it leads, or null (none, or more than one). */
  leader(): Promise<ClusterServer | null>;
  /** Every running server's /readyz role. */
  roles(): Promise<Map<string, 'leader' | 'follower' | 'no answer'>>;
  /** A request through nginx. */
  request(path: string, init?: RequestInit): Promise<Answer>;
  /** A request to one server directly (with nginx's Host, as the server expects people to come). */
  direct(server: ClusterServer, path: string, init?: RequestInit): Promise<Answer>;
  /** Signs in through nginx; the headers that person's browser then sends (cookie and CSRF header). */
  signIn(username: string, password?: string): Promise<Record<string, string>>;
  /** `npm run audit -- verify` against the database, with the shared key and one server's anchors. */
  auditVerify(anchorsOf?: ClusterServer): Promise<{ code: number | null; output: string }>;
  /** The lease row, as the database has it (times in the database's epoch ms). */
  lease(): Promise<{ holder: string | null; epoch: number; acquiredAt: number | null; expiresAt: number }>;
  /**
   * Takes the audit chain's lock, as a server in the middle of an append holds it: every server's next audit row
   * (a step's `requested` row first of all) waits until `release()`. To stop steps at a known point.
   */
  holdAuditLock(): Promise<{ release(): Promise<void> }>;
  /** Every audit row matching the filter, oldest first (read from the database, as a server would). */
  auditRows(filter?: Omit<AuditQuery, 'order' | 'cursor' | 'limit'>): Promise<AuditRecord[]>;
  /** nginx's error log so far. */
  nginxErrors(): string;
  /** Kills every server and nginx, closes the taps, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

// ------------------------------------------------------------------------------------------
// HTTP

function send(base: string, path: string, init: RequestInit = {}, host?: string): Promise<Answer> {
  const url = new URL(base);
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (host !== undefined) headers.host = host;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: init.method ?? 'GET',
        path,
        headers,
        agent: false,
        timeout: init.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const server = res.headers[SERVER_HEADER];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            server: typeof server === 'string' ? server : null,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${init.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// ------------------------------------------------------------------------------------------
// The taps between the servers and VergeOS

/** Forwards everything to the simulator, noting who sent what. */
class UpstreamTap {
  readonly records: UpstreamRecord[] = [];
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly server: http.Server;
  url = '';

  constructor(
    private readonly name: string,
    private readonly target: URL,
  ) {
    this.server = http.createServer((req, res) => this.forward(req, res));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const record: UpstreamRecord = {
        server: this.name,
        at: Date.now(),
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        vm: null,
        action: null,
        requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : null,
        status: null,
      };
      if (record.method === 'POST' && record.url.startsWith('/api/v4/vm_actions')) {
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { vm?: unknown; action?: unknown };
          record.vm = typeof parsed.vm === 'number' ? parsed.vm : Number(parsed.vm);
          record.action = typeof parsed.action === 'string' ? parsed.action : null;
        } catch {
          // not JSON: VergeOS says so, and the record says nothing
        }
      }
      this.records.push(record);
      const upstream = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: record.method,
          path: record.url,
          headers: { ...req.headers, host: this.target.host },
          agent: this.agent,
        },
        (answer) => {
          record.status = answer.statusCode ?? null;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        record.error = err.message;
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      upstream.end(body);
    });
  }
}

// ------------------------------------------------------------------------------------------
// nginx

/**
 * nginx's configuration for Powerdeck servers: an upstream with passive health checks (a server that fails once is
 * left out for 2 s), a request that could not reach a server (or got 502/503) passed to the next one (never a POST
 * that reached one: nginx does not pass non-idempotent requests on unless told to), the event streams unbuffered with
 * long read timeouts, and the X-Forwarded-* headers Powerdeck believes from one proxy (POWERDECK_TRUST_PROXY=1).
 */
export function nginxConfig(o: { dir: string; port: number; servers: readonly { port: number }[] }): string {
  const upstreams = o.servers
    .map((s) => `    server 127.0.0.1:${s.port} max_fails=1 fail_timeout=2s;`)
    .join('\n');
  const proxy = `
      proxy_pass http://powerdeck;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;`;
  return `# Generated by apps/bff/test/cluster-harness.ts
worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log info;
events { worker_connections 1024; }
http {
  access_log ${o.dir}/access.log;
  client_body_temp_path ${o.dir}/temp/client_body;
  proxy_temp_path ${o.dir}/temp/proxy;
  fastcgi_temp_path ${o.dir}/temp/fastcgi;
  uwsgi_temp_path ${o.dir}/temp/uwsgi;
  scgi_temp_path ${o.dir}/temp/scgi;
  upstream powerdeck {
${upstreams}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${o.port};
    # Server-sent events: every event as it comes, and open for hours (the servers send a heartbeat).
    location ~ ^/api/(fleet|operations)/events$ {${proxy}
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
    location / {${proxy}
      proxy_read_timeout 30s;
    }
  }
}
`;
}

function nginxBinary(): string {
  const found = NGINX_PATHS.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'nginx is not installed (no /usr/sbin/nginx): apt-get install -y nginx (npm test installs it when it runs as root)',
    );
  }
  return found;
}

// ------------------------------------------------------------------------------------------
// The watchdog

// A detached node process: when the process that started the cluster ends, it kills every process group still listed
// in `list` (woken first: a stopped process takes SIGKILL too, but its group's others may not be stopped) and removes
// the directory. SIGTERM makes it do so at once.
const WATCHDOG = `
const { readFileSync, rmSync } = require('node:fs');
const [parent, list, dir] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const end = () => {
  let groups = [];
  try { groups = JSON.parse(readFileSync(list, 'utf8')); } catch {}
  for (const pid of groups) {
    for (const sig of ['SIGCONT', 'SIGKILL']) { try { process.kill(-pid, sig); } catch {} }
  }
  try { rmSync(dir, { recursive: true, force: true }); } catch {}
  process.exit(0);
};
process.on('SIGTERM', end);
setInterval(() => { if (!alive(Number(parent))) end(); }, 300);
`;

// ------------------------------------------------------------------------------------------
// The cluster

interface Proc {
  child: ChildProcess;
  pid: number;
  state: ServerState;
}

/** Starts the servers and nginx; throws (having stopped whatever started) when one does not come up. */
export async function startCluster(options: ClusterOptions): Promise<PowerdeckCluster> {
  const count = options.servers ?? 3;
  const leaseMs = options.leaseMs ?? 2000;
  const renewMs = options.renewMs ?? 500;
  const poll = options.poll ?? { intervalMs: 500, fastIntervalMs: 100, fastWindowMs: 5000 };
  const password = options.password ?? 'correct horse battery';
  const nginx = nginxBinary();

  const dir = mkdtempSync(join(tmpdir(), 'pd-cluster-'));
  // nginx's workers run as nobody when it is started as root: they must reach their temporary files in here.
  chmodSync(dir, 0o755);
  const groupsFile = join(dir, 'groups.json');
  const procs: Proc[] = [];
  const writeGroups = () =>
    writeFileSync(groupsFile, JSON.stringify(procs.filter((p) => p.state !== 'dead').map((p) => p.pid)));
  writeGroups();
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(process.pid), groupsFile, dir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();

  const taps: UpstreamTap[] = [];
  let reader: Promise<PgStores> | null = null;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await reader?.then((r) => r.close()).catch(() => undefined);
    const ends = procs
      .filter((p) => p.state !== 'dead')
      .map(
        (p) =>
          new Promise<void>((resolve) => {
            p.child.once('exit', () => resolve());
            for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
              try {
                process.kill(-p.pid, sig);
              } catch {
                resolve(); // already gone
              }
            }
          }),
      );
    await Promise.all(ends);
    await Promise.all(taps.map((t) => t.close()));
    try {
      if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const track = (child: ChildProcess): Proc => {
    if (child.pid === undefined) throw new Error('could not start a process');
    const p: Proc = { child, pid: child.pid, state: 'running' };
    procs.push(p);
    writeGroups();
    child.on('exit', () => {
      p.state = 'dead';
      if (!stopped) writeGroups();
    });
    return p;
  };

  try {
    // The key every server shares, and the users, before any server starts (the first migrates the database).
    const keyFile = join(dir, 'audit.key');
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const seed = await openPostgresStores(options.databaseUrl, {
      audit: { keyFile, createKey: false, anchorFile: null },
      hashOptions: options.hashOptions ?? { timeCost: 1, memoryCost: 8192 },
      poolSize: 2,
    });
    try {
      for (const role of options.users ?? (['viewer', 'helpdesk', 'admin'] as const)) {
        await seed.users.create({ username: role, role, password });
      }
    } finally {
      await seed.close();
    }

    const nginxPort = await freePort();
    const publicUrl = `http://127.0.0.1:${nginxPort}`;
    const target = new URL(options.sim.url);

    const startServer = async (i: number): Promise<ClusterServer> => {
      const name = `pd-${i}`;
      const tap = new UpstreamTap(name, target);
      await tap.listen();
      taps.push(tap);
      const dataDir = join(dir, name);
      mkdirSync(dataDir);
      const child = spawn(process.execPath, ['--import', 'tsx', SERVER_TS], {
        cwd: ROOT,
        detached: true,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          VERGEOS_URL: tap.url,
          VERGEOS_API_KEY: options.sim.apiKey,
          POWERDECK_DATA_DIR: dataDir,
          POWERDECK_DATABASE_URL: options.databaseUrl,
          POWERDECK_DATABASE_POOL_SIZE: '5',
          POWERDECK_AUDIT_KEY_FILE: keyFile,
          POWERDECK_SERVER_NAME: name,
          POWERDECK_LEASE_MS: String(leaseMs),
          POWERDECK_LEASE_RENEW_MS: String(renewMs),
          POWERDECK_POLL_INTERVAL_MS: String(poll.intervalMs),
          POWERDECK_FAST_POLL_INTERVAL_MS: String(poll.fastIntervalMs),
          POWERDECK_FAST_POLL_WINDOW_MS: String(poll.fastWindowMs),
          POWERDECK_OPS_PARALLELISM: String(options.parallelism ?? 4),
          POWERDECK_TRUST_PROXY: '1',
          POWERDECK_PUBLIC_URL: publicUrl,
          POWERDECK_WEB_ROOT: join(dir, 'no-web'),
          LOG_LEVEL: options.logLevel ?? 'info',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const proc = track(child);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
        child.on('exit', (code, signal) => resolve(signal ?? code)),
      );
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name} did not start within 60 s:\n${out}`)),
          60_000,
        );
        const look = () => {
          const m = /Powerdeck: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        child.stdout?.on('data', look);
        void exited.then((how) => {
          clearTimeout(timer);
          reject(new Error(`${name} ended (${String(how)}) before it served:\n${out}`));
        });
      });
      return {
        name,
        url,
        port: Number(new URL(url).port),
        pid: proc.pid,
        dataDir,
        state: () => proc.state,
        output: () => out,
        logLines: () =>
          out
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .flatMap((l) => {
              try {
                return [JSON.parse(l) as LogLine];
              } catch {
                return [];
              }
            }),
        exited,
      };
    };
    const servers = await Promise.all(Array.from({ length: count }, (_, i) => startServer(i + 1)));
    const byName = new Map(servers.map((s) => [s.name, s]));
    const procOf = (s: ClusterServer) => procs.find((p) => p.pid === s.pid)!;

    // nginx in front.
    const conf = join(dir, 'nginx.conf');
    mkdirSync(join(dir, 'temp'));
    writeFileSync(conf, nginxConfig({ dir, port: nginxPort, servers }));
    const check = spawnSync(nginx, ['-p', dir, '-c', conf, '-t'], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx refused its configuration:\n${check.stderr}`);
    const nginxProc = track(
      spawn(nginx, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { detached: true, stdio: 'ignore' }),
    );
    const errorLog = join(dir, 'error.log');
    const nginxErrors = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (nginxProc.state === 'dead') throw new Error(`nginx ended at start:\n${nginxErrors()}`);
      const up = await send(publicUrl, '/healthz', { timeoutMs: 1000 }).then(
        (a) => a.status === 200,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s:\n${nginxErrors()}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const host = new URL(publicUrl).host;
    const read = () =>
      (reader ??= openPostgresStores(options.databaseUrl, {
        audit: { keyFile, createKey: false, anchorFile: null },
        poolSize: 2,
      }));
    const cluster: PowerdeckCluster = {
      url: publicUrl,
      servers,
      dir,
      keyFile,
      databaseUrl: options.databaseUrl,
      leaseMs,
      renewMs,
      poll,
      upstream: () => taps.flatMap((t) => t.records).sort((a, b) => a.at - b.at),
      actionsSent: () => cluster.upstream().filter((r) => r.method === 'POST' && r.vm !== null),
      server: (name) => {
        const s = byName.get(name);
        if (!s) throw new Error(`no server ${name}`);
        return s;
      },
      async kill(server, signal) {
        const p = procOf(server);
        if (p.state === 'dead') throw new Error(`${server.name} is not running`);
        process.kill(p.pid, signal);
        if (signal === 'SIGSTOP') p.state = 'stopped';
        if (signal === 'SIGCONT') p.state = 'running';
        if (signal === 'SIGKILL') await server.exited;
      },
      async roles() {
        const roles = new Map<string, 'leader' | 'follower' | 'no answer'>();
        await Promise.all(
          servers.map(async (s) => {
            if (s.state() !== 'running') return;
            const a = await send(s.url, '/readyz', { timeoutMs: 1000 }).catch(() => null);
            const role = a ? a.json<{ role?: 'leader' | 'follower' }>().role : undefined;
            roles.set(s.name, role ?? 'no answer');
          }),
        );
        return roles;
      },
      async leader() {
        const leading = [...(await cluster.roles())].filter(([, r]) => r === 'leader');
        return leading.length === 1 ? byName.get(leading[0]![0])! : null;
      },
      request: (path, init) => send(publicUrl, path, init),
      direct: (server, path, init) => send(server.url, path, init, host),
      async signIn(username, pw = password) {
        const a = await send(publicUrl, '/api/session', {
          method: 'POST',
          headers: { [CSRF_HEADER]: '1' },
          body: { username, password: pw },
        });
        if (a.status !== 200) throw new Error(`sign-in as ${username}: ${a.status} ${a.text}`);
        const setCookie = a.headers['set-cookie'] ?? [];
        const cookie = setCookie.map((c) => /^pd_session=[^;]+/.exec(c)?.[0]).find(Boolean);
        if (!cookie) throw new Error('sign-in set no pd_session cookie');
        return { cookie, [CSRF_HEADER]: '1' };
      },
      auditVerify(anchorsOf = servers[0]!) {
        return new Promise((resolve, reject) => {
          const child = spawn(
            'npm',
            [
              'run',
              '--silent',
              'audit',
              '--',
              'verify',
              '--key-file',
              keyFile,
              '--anchor-file',
              join(anchorsOf.dataDir, 'audit-anchors.jsonl'),
            ],
            {
              cwd: ROOT,
              env: {
                PATH: process.env.PATH ?? '',
                HOME: process.env.HOME ?? '',
                POWERDECK_DATABASE_URL: options.databaseUrl,
              },
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          let output = '';
          child.stdout.on('data', (d: Buffer) => (output += d.toString()));
          child.stderr.on('data', (d: Buffer) => (output += d.toString()));
          child.on('error', reject);
          child.on('exit', (code) => resolve({ code, output }));
        });
      },
      async lease() {
        const r = await (
          await read()
        ).pool.query<{
          holder: string | null;
          epoch: string;
          acquired_at: string | null;
          expires_at: string;
        }>('SELECT holder, epoch, acquired_at, expires_at FROM leader_lease WHERE id = 1');
        const row = r.rows[0]!;
        return {
          holder: row.holder,
          epoch: Number(row.epoch),
          acquiredAt: row.acquired_at === null ? null : Number(row.acquired_at),
          expiresAt: Number(row.expires_at),
        };
      },
      async holdAuditLock() {
        // A connection of its own, without the servers' idle-in-transaction limit: it holds the lock while idle.
        const client = new pg.Client({ connectionString: options.databaseUrl });
        await client.connect();
        client.on('error', () => undefined);
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.auditChain]);
        return {
          release: async () => {
            await client.query('COMMIT').catch(() => undefined);
            await client.end().catch(() => undefined);
          },
        };
      },
      async auditRows(filter = {}) {
        const { audit } = await read();
        const rows: AuditRecord[] = [];
        let cursor: number | undefined;
        for (;;) {
          const page = await audit.query({
            ...filter,
            order: 'asc',
            limit: 1000,
            ...(cursor !== undefined ? { cursor } : {}),
          });
          rows.push(...page.rows);
          if (page.next === null) return rows;
          cursor = page.next;
        }
      },
      nginxErrors,
      stop,
    };
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}
